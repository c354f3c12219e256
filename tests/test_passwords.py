"""Password hashing: right and wrong passwords, and the memory a burst of sign-ins holds."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher

from archive_service import passwords


def test_the_right_password_matches_and_a_wrong_one_or_a_damaged_hash_does_not() -> None:
    stored = passwords.hash_password("правильный-пароль")
    assert passwords.password_matches(stored, "правильный-пароль")
    assert not passwords.password_matches(stored, "другой-пароль")
    assert not passwords.password_matches("$argon2id$damaged", "правильный-пароль")


class _Counting(PasswordHasher):
    """The real hasher, counting how many hashes run at the same moment."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            return super().verify(hash, password)
        finally:
            with self.lock:
                self.running -= 1


def test_a_class_signing_in_at_once_hashes_at_most_two_passwords_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each argon2id hash holds 64 MiB: eight sign-ins on the web server's eight threads
    # held half a gigabyte. argon2 lets go of the GIL, so unbounded they would overlap.
    counting = _Counting()
    monkeypatch.setattr(passwords, "_hasher", counting)
    stored = counting.hash("пароль-ученика")
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(lambda _: passwords.password_matches(stored, "пароль-ученика"), range(16))
        )
    assert answers == [True] * 16
    assert 1 <= counting.most <= passwords.HASHES_AT_ONCE == 2
