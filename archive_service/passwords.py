"""Password hashes (argon2id), at most HASHES_AT_ONCE of them computed at a time.

Each argon2id hash holds 64 MiB of memory (argon2-cffi's default, RFC 9106's second
profile) and a core for about a tenth of a second. When a class signed in at the start
of a lesson, the web server's 8 threads hashed 8 passwords at once: 0.5 GB on top of the
web process's 130 MB (bench/load_bench.py, 20 people signing in), and on 2 cores none
the sooner done. Behind a semaphore the sign-ins wait their turn instead. Every check
still costs one whole hash, so its time says nothing about the account.
"""

from __future__ import annotations

import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHES_AT_ONCE = 2

_hasher = PasswordHasher()
_slots = threading.BoundedSemaphore(HASHES_AT_ONCE)


def hash_password(password: str) -> str:
    with _slots:
        return _hasher.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    """Whether the password is the one hashed; a damaged hash matches nothing."""
    with _slots:
        try:
            return _hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False
