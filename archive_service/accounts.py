"""Accounts: people who sign in, their role, and the rules of signing in.

Passwords are stored as argon2id hashes only. The first administrator's password is
generated, shown once when the archive is first started, and never stored in clear.
After LOCK_AFTER failed sign-ins in a row an account refuses every sign-in, the right
password included, for LOCK_MINUTES: guessing becomes too slow to matter, and the owner
is not locked out for good. A new password or a reset ends every signed-in session of
the account (`archive_service.sessions`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from archive_service.access import DISTRICT_ROLES, Policy, Role
from archive_service.archive import Archive
from archive_service.catalog import AccountSchool, User
from archive_service.catalog.models import ApiToken, utcnow
from archive_service.passwords import hash_password, password_matches
from archive_service.schools import own_school_id, predecessors_of, school_named
from archive_service.sessions import SessionService
from intake.class_list import normalize_class

ADMIN_ROLE = Role.ADMINISTRATOR.value
FIRST_ADMIN = "admin"
LOCK_AFTER = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 10

TOKEN_PREFIX = "sa_"
# An administrator's lock has no end: a date no failed sign-in lock ever reaches.
LOCKED_FOR_GOOD = datetime(9999, 1, 1)


def _token_hash(token: str) -> str:
    # Tokens carry 256 random bits, so a plain SHA-256 is as good as a slow hash here.
    return hashlib.sha256(token.encode()).hexdigest()


class AccountError(ValueError):
    pass


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    role: str
    classes: str = ""
    school_id: int | None = None  # None: a district role, every school
    predecessors: frozenset[int] = frozenset()  # schools merged into this one's school
    granted: frozenset[int] = frozenset()  # a district role's granted schools (none: all)

    @property
    def policy(self) -> Policy:
        return Policy.for_account(
            self.role, self.classes, self.school_id, self.predecessors, self.granted
        )


@dataclass(frozen=True)
class AccountRow:
    """An account as the administrator's page lists it."""

    username: str
    role: str
    classes: str
    school_id: int | None
    granted: list[int]
    locked: str  # "" | "administrator" (until unlocked) | "failed_logins" (for a while)
    tokens: int  # API tokens not revoked


def _account(user: User) -> Account:
    s = object_session(user)
    assert s is not None
    granted = frozenset(
        s.scalars(select(AccountSchool.school_id).where(AccountSchool.user_id == user.id))
    )
    return Account(
        user.id,
        user.username,
        user.role,
        user.classes or "",
        user.school_id,
        predecessors_of(s, user.school_id),
        granted,
    )


def _classes(classes: list[str] | None) -> str:
    labels = []
    for raw in classes or []:
        label = normalize_class(raw)
        if label is None:
            raise AccountError(f"Класс «{raw}» не похож на «9Б»")
        labels.append(label)
    return ",".join(sorted(set(labels)))


def _school_id(s: Session, school: str | None) -> int:
    if school is None:
        return own_school_id(s)
    found = school_named(s, school)
    if found is None:
        raise AccountError(f"Организации «{school}» нет: добавьте её (archive schools add)")
    return found.id


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Пароль короче {MIN_PASSWORD} символов")


class AccountService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def ensure_first_admin(self) -> str | None:
        """Create the administrator if there are no accounts; return its new password."""
        with self.archive.catalog.session() as s:
            if (s.scalar(select(func.count()).select_from(User)) or 0) > 0:
                return None
            password = secrets.token_urlsafe(12)
            s.add(
                User(username=FIRST_ADMIN, password_hash=hash_password(password), role=ADMIN_ROLE)
            )
            return password

    def create(
        self,
        username: str,
        password: str,
        role: str,
        classes: list[str] | None = None,
        school: str | None = None,
        grant: list[str] | None = None,
    ) -> Account:
        """A new account. A school role works in `school` (None: the archive's own); a
        district role sees every school, or only the schools named in `grant`."""
        try:
            parsed = Role(role)
        except ValueError as exc:
            known = ", ".join(r.value for r in Role)
            raise AccountError(f"Неизвестная роль «{role}»; есть: {known}") from exc
        if not username.strip() or len(username) > 64:
            raise AccountError("Имя пользователя — от 1 до 64 символов")
        _check_password(password)
        taken = AccountError(f"Пользователь «{username}» уже есть")
        password_hash = hash_password(password)  # slow on purpose: not inside the transaction
        try:
            with self.archive.catalog.session() as s:
                if s.scalar(select(User).where(User.username == username)) is not None:
                    raise taken
                if parsed in DISTRICT_ROLES:
                    if school is not None:
                        raise AccountError(
                            f"Роль {role} — районная: она видит все организации "
                            "или те, что ей даны (--grant)"
                        )
                    school_id = None
                else:
                    if grant:
                        raise AccountError(f"Роль {role} — школьная: она видит свою организацию")
                    school_id = _school_id(s, school)
                granted = {_school_id(s, name) for name in grant or [] if name.strip()}
                user = User(
                    username=username,
                    password_hash=password_hash,
                    role=role,
                    classes=_classes(classes),
                    school_id=school_id,
                )
                s.add(user)
                s.flush()
                for granted_id in sorted(granted):
                    s.add(AccountSchool(user_id=user.id, school_id=granted_id))
                s.flush()
                return _account(user)
        except IntegrityError as exc:  # the same name created by another request meanwhile
            raise taken from exc

    def authenticate(self, username: str, password: str) -> Account | None:
        """The account, or None: a wrong name, a wrong password and a locked account all
        look the same to the caller (and cost the same time)."""
        with self.archive.catalog.session() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                hash_password(password)  # same cost whether or not the name exists
                return None
            now = utcnow()
            if user.locked_until is not None and user.locked_until > now:
                hash_password(password)
                return None
            if not password_matches(user.password_hash, password):
                user.failed_logins = (user.failed_logins or 0) + 1
                if user.failed_logins >= LOCK_AFTER:
                    user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
                    user.failed_logins = 0
                return None
            user.failed_logins = 0
            user.locked_until = None
            return _account(user)

    def change_password(self, account_id: int, old: str, new: str) -> None:
        _check_password(new)
        with self.archive.catalog.session() as s:
            user = s.get(User, account_id)
            if user is None:
                raise AccountError("Пользователь не найден")
            if not password_matches(user.password_hash, old):
                raise AccountError("Текущий пароль неверен")
            user.password_hash = hash_password(new)
            username = user.username
        SessionService(self.archive).close_all(username)

    def reset_password(self, username: str) -> str:
        """A new generated password for a user who lost theirs (administrator's CLI)."""
        password = secrets.token_urlsafe(12)
        with self.archive.catalog.session() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                raise AccountError(f"Пользователя «{username}» нет")
            user.password_hash = hash_password(password)
            user.failed_logins = 0
            user.locked_until = None
        SessionService(self.archive).close_all(username)
        return password

    def issue_token(self, username: str, label: str) -> str:
        """A new API token for a user's scripts; shown once, only its hash is kept."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.archive.catalog.session() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                raise AccountError(f"Пользователя «{username}» нет")
            s.add(ApiToken(user_id=user.id, label=label[:100], token_hash=_token_hash(token)))
        return token

    def revoke_tokens(self, username: str) -> int:
        with self.archive.catalog.session() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                raise AccountError(f"Пользователя «{username}» нет")
            tokens = s.scalars(
                select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            ).all()
            for token in tokens:
                token.revoked_at = utcnow()
            return len(tokens)

    def by_token(self, token: str) -> Account | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        with self.archive.catalog.reading() as s:
            row = s.scalar(
                select(ApiToken).where(
                    ApiToken.token_hash == _token_hash(token), ApiToken.revoked_at.is_(None)
                )
            )
            user = s.get(User, row.user_id) if row else None
            # An administrator's lock stops scripts too; failed sign-ins do not (a guesser
            # could otherwise stop a school's scripts by mistyping its password).
            if user is None or (user.locked_until or utcnow()) >= LOCKED_FOR_GOOD:
                return None
            return _account(user)

    def overview(self, username: str | None = None) -> list[AccountRow]:
        """Every account (or the one named) with its scope, lock and live tokens, for
        the administrator."""
        now = utcnow()
        users = select(User).order_by(User.username)
        if username is not None:
            users = users.where(User.username == username)
        with self.archive.catalog.reading() as s:
            tokens = dict(
                s.execute(
                    select(ApiToken.user_id, func.count())
                    .where(ApiToken.revoked_at.is_(None))
                    .group_by(ApiToken.user_id)
                ).all()
            )
            rows = []
            for user in s.scalars(users):
                locked = ""
                if user.locked_until is not None and user.locked_until > now:
                    locked = (
                        "administrator" if user.locked_until >= LOCKED_FOR_GOOD else "failed_logins"
                    )
                account = _account(user)
                rows.append(
                    AccountRow(
                        user.username,
                        user.role,
                        user.classes or "",
                        user.school_id,
                        sorted(account.granted),
                        locked,
                        int(tokens.get(user.id, 0)),
                    )
                )
            return rows

    def row(self, username: str) -> AccountRow | None:
        """The administrator's view of one account; None if there is no such account."""
        return next(iter(self.overview(username)), None)

    def update(
        self,
        username: str,
        role: str,
        classes: list[str] | None = None,
        school: str | None = None,
        by: str | None = None,
    ) -> Account:
        """Give an account another role, classes or school, by the rules `create` keeps;
        its signed-in sessions end, so the new scope holds from the next request. `by`
        (the administrator acting) may not take the administrator's role from
        themselves: the archive would be left with nobody to undo it."""
        try:
            parsed = Role(role)
        except ValueError as exc:
            known = ", ".join(r.value for r in Role)
            raise AccountError(f"Неизвестная роль «{role}»; есть: {known}") from exc
        if by == username and parsed != Role.ADMINISTRATOR:
            raise AccountError("Свою роль администратора снять нельзя: это сделает другой")
        with self.archive.catalog.session() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                raise AccountError(f"Пользователя «{username}» нет")
            user.role = role
            user.classes = _classes(classes)
            if parsed in DISTRICT_ROLES:
                if school is not None:
                    raise AccountError(f"Роль {role} — районная: организация ей не указывается")
                user.school_id = None
            else:
                user.school_id = (
                    _school_id(s, school) if school or user.school_id is None else user.school_id
                )
                for grant in s.scalars(
                    select(AccountSchool).where(AccountSchool.user_id == user.id)
                ):
                    s.delete(grant)
            s.flush()
            account = _account(user)
        SessionService(self.archive).close_all(username)
        return account

    def set_locked(self, username: str, locked: bool, by: str | None = None) -> None:
        """Lock an account until an administrator unlocks it (its sessions end and its
        tokens stop answering), or unlock it, a failed-sign-in lock included."""
        if locked and by == username:
            raise AccountError("Собственную учётную запись заблокировать нельзя")
        with self.archive.catalog.session() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                raise AccountError(f"Пользователя «{username}» нет")
            user.locked_until = LOCKED_FOR_GOOD if locked else None
            user.failed_logins = 0
        if locked:
            SessionService(self.archive).close_all(username)

    def all(self) -> list[Account]:
        with self.archive.catalog.reading() as s:
            return [_account(u) for u in s.scalars(select(User).order_by(User.username))]

    def get(self, account_id: int) -> Account | None:
        with self.archive.catalog.reading() as s:
            user = s.get(User, account_id)
            return _account(user) if user else None

    def named(self, username: str) -> Account | None:
        """The account of that name: a command run `--as` a person acts with their role."""
        with self.archive.catalog.reading() as s:
            user = s.scalars(select(User).where(User.username == username)).first()
            return _account(user) if user else None
