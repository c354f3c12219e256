"""Accounts: the first administrator now; roles and the rest with the access issue.

Passwords are stored as argon2id hashes only. The first administrator's password is
generated, shown once when the archive is first started, and never stored in clear.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from archive_service.archive import Archive
from archive_service.catalog import User

ADMIN_ROLE = "administrator"
FIRST_ADMIN = "admin"

_hasher = PasswordHasher()


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: str


class AccountService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def ensure_first_admin(self) -> str | None:
        """Create the administrator if there are no accounts; return its new password."""
        with self.archive.catalog.session() as s:
            if (s.scalar(select(func.count()).select_from(User)) or 0) > 0:
                return None
            password = secrets.token_urlsafe(12)
            s.add(User(username=FIRST_ADMIN, password_hash=_hasher.hash(password), role=ADMIN_ROLE))
            return password

    def create(self, username: str, password: str, role: str) -> Account:
        with self.archive.catalog.session() as s:
            user = User(username=username, password_hash=_hasher.hash(password), role=role)
            s.add(user)
            s.flush()
            return Account(user.id, user.username, user.role)

    def authenticate(self, username: str, password: str) -> Account | None:
        with self.archive.catalog.session() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                _hasher.hash(password)  # same cost whether or not the name exists
                return None
            try:
                _hasher.verify(user.password_hash, password)
            except (VerificationError, InvalidHashError):
                return None
            return Account(user.id, user.username, user.role)

    def get(self, account_id: int) -> Account | None:
        with self.archive.catalog.session() as s:
            user = s.get(User, account_id)
            return Account(user.id, user.username, user.role) if user else None
