"""The audit log of personal data (152-ФЗ): append-only and hash-chained.

Every row carries the SHA-256 of its own content and of the row before it, so
`verify()` finds any row changed, removed or inserted since: the chain breaks at the
first row that does not follow from its predecessor. Writers are serialised (SQLite's
BEGIN IMMEDIATE; a PostgreSQL advisory lock), so two concurrent writers never chain to
the same predecessor. The database itself refuses UPDATE and DELETE on the table
(triggers in migration 0006), so the application cannot edit the log either.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from archive_service.archive import Archive
from archive_service.catalog.models import (
    AuditEntry,
    Case,
    DisposalAct,
    Document,
    Hold,
    Nomenclature,
    NomenclatureItem,
    Pupil,
    utcnow,
)

GENESIS = "0" * 64
AUDIT_LOCK = 7_305_512_002


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in person, or the named local administrator of the CLI."""

    username: str
    role: str
    address: str = ""  # IP of a web request; "cli" for the command line
    school_id: int | None = None  # a school role's school; None: the district's


CLI_ACTOR = Actor("cli-admin", "administrator", "cli")


def _digest(prev: str, at: datetime, fields: dict[str, Any]) -> str:
    body = json.dumps(
        {"prev": prev, "at": at.isoformat(timespec="microseconds"), **fields},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _fields(entry: AuditEntry) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "actor": entry.actor,
        "role": entry.role,
        "address": entry.address,
        "action": entry.action,
        "target": entry.target,
        "outcome": entry.outcome,
        "detail": entry.detail,
    }
    if entry.school_id is not None:  # rows from before schools hash as they did
        fields["school"] = entry.school_id
    return fields


def _school_of(s: Session, target: str) -> int | None:
    """The school of the record a target names («document:…», «case:12», …), if any."""
    kind, _, key = target.partition(":")
    if kind == "document":
        return s.scalar(select(Document.school_id).where(Document.id == key))
    if kind == "pupil":
        return s.scalar(select(Pupil.school_id).where(Pupil.id == key))
    if not key.isdigit() or int(key) > 2**31 - 1:
        return None
    number = int(key)
    if kind == "case":
        return s.scalar(
            select(Nomenclature.school_id)
            .join(NomenclatureItem, NomenclatureItem.nomenclature_id == Nomenclature.id)
            .join(Case, Case.item_id == NomenclatureItem.id)
            .where(Case.id == number)
        )
    if kind == "act":
        return s.scalar(select(DisposalAct.school_id).where(DisposalAct.id == number))
    if kind == "hold":
        return s.scalar(select(Hold.school_id).where(Hold.id == number))
    if kind == "school":
        return number
    return None


@dataclass(frozen=True)
class VerifyReport:
    rows: int
    broken_at: int | None  # id of the first row that does not follow; None if intact
    reason: str | None


class AuditService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def record(
        self,
        actor: Actor,
        action: str,
        target: str,
        outcome: str = "ok",
        detail: str = "",
    ) -> None:
        """One row: who (and in what role), when, what, from where, with what outcome."""
        with self.archive.catalog.session() as s:
            if s.get_bind().dialect.name == "postgresql":
                s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK})
            prev = s.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
            school = _school_of(s, target)
            if school is None:
                school = actor.school_id
            entry = AuditEntry(
                at=utcnow(),
                actor=actor.username,
                role=actor.role,
                address=actor.address[:64],
                action=action,
                target=target[:200],
                outcome=outcome,
                detail=detail[:2000],
                school_id=school,
                prev_hash=prev or GENESIS,
            )
            entry.hash = _digest(entry.prev_hash, entry.at, _fields(entry))
            s.add(entry)

    def verify(self) -> VerifyReport:
        prev, rows = GENESIS, 0
        with self.archive.catalog.session() as s:
            for entry in s.scalars(select(AuditEntry).order_by(AuditEntry.id)).yield_per(1000):
                rows += 1
                if entry.prev_hash != prev:
                    return VerifyReport(
                        rows, entry.id, "предыдущая запись удалена или вставлена чужая"
                    )
                if _digest(entry.prev_hash, entry.at, _fields(entry)) != entry.hash:
                    return VerifyReport(rows, entry.id, "запись изменена")
                prev = entry.hash
        return VerifyReport(rows, None, None)

    def find(
        self,
        *,
        target: str | None = None,
        actor: str | None = None,
        schools: frozenset[int] | None = None,
    ) -> list[AuditEntry]:
        """«Who saw this record» (by target) and «what did this user see» (by actor),
        among the rows of `schools` (None: every row, for the district)."""
        query = select(AuditEntry).order_by(AuditEntry.id)
        if schools is not None:
            query = query.where(AuditEntry.school_id.in_(sorted(schools)))
        if target is not None:
            query = query.where(AuditEntry.target == target)
        if actor is not None:
            query = query.where(AuditEntry.actor == actor)
        with self.archive.catalog.session() as s:
            return list(s.scalars(query))
