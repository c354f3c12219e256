"""Signed-in browsers, kept on the server.

A signed cookie alone cannot be taken back: a copy of it worked after signing out and
after a password change, and its eight hours began again with every request. So the
cookie carries only a random token naming a row here; the row ends at a fixed time
from signing in (SESSION_HOURS, never moved by use), and signing out, a new password
or a reset end it at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from archive_service.archive import Archive
from archive_service.catalog import User
from archive_service.catalog.models import WebSession, utcnow

SESSION_HOURS = 8


def _hash(token: str) -> str:
    # 256 random bits: a plain SHA-256 is as good as a slow hash here.
    return hashlib.sha256(token.encode()).hexdigest()


class SessionService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def open(self, user_id: int) -> str:
        """A new session for this user; the token is for the cookie only."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        with self.archive.catalog.session() as s:
            s.add(
                WebSession(
                    user_id=user_id,
                    token_hash=_hash(token),
                    created_at=now,
                    expires_at=now + timedelta(hours=SESSION_HOURS),
                )
            )
        return token

    def user_of(self, token: str | None) -> int | None:
        """The user a live session belongs to; None once it ended, or for no session."""
        if not token:
            return None
        with self.archive.catalog.reading() as s:
            row = s.scalar(select(WebSession).where(WebSession.token_hash == _hash(token)))
            if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
                return None
            return row.user_id

    def close(self, token: str | None) -> None:
        """Signing out: this session ends; the person's other browsers go on."""
        if not token:
            return
        with self.archive.catalog.session() as s:
            s.execute(
                update(WebSession)
                .where(WebSession.token_hash == _hash(token), WebSession.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )

    def close_all(self, username: str) -> int:
        """Every open session of a user (a new password, a reset, a locked account)."""
        with self.archive.catalog.session() as s:
            user_id = s.scalar(select(User.id).where(User.username == username))
            if user_id is None:
                return 0
            ended = s.execute(
                update(WebSession)
                .where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
            return int(getattr(ended, "rowcount", 0) or 0)
