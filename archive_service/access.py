"""Who may see what: the one permission policy (152-ФЗ: only those whose work needs it).

Roles grant permissions; a staff member (a class teacher) is further limited to the
classes they teach. The web layer asks this policy for every route and every record, and
search asks it for a filter, so no one sees a hit, a snippet or a facet count from a
record they may not open. Anything not allowed answers 404, as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    ARCHIVIST = "archivist"
    STAFF = "staff"  # a teacher; a class teacher sees their own classes
    RETENTION_OFFICER = "retention_officer"
    DIRECTOR = "director"
    AUDITOR = "auditor"  # reads the audit log only


ROLE_LABELS_RU = {
    Role.ADMINISTRATOR: "администратор",
    Role.ARCHIVIST: "архивист",
    Role.STAFF: "сотрудник (классный руководитель)",
    Role.RETENTION_OFFICER: "ответственный за хранение",
    Role.DIRECTOR: "директор",
    Role.AUDITOR: "аудитор",
}


class Permission(StrEnum):
    READ_RECORDS = "records.read"  # documents, search, pupils, cases
    WRITE_RECORDS = "records.write"  # upload, filing, class lists, cover sheets, cases
    READ_NOMENCLATURE = "nomenclature.read"
    WRITE_NOMENCLATURE = "nomenclature.write"
    READ_AUDIT = "audit.read"
    MANAGE_USERS = "users.manage"
    READ_HEALTH = "health.read"  # ПМПК conclusions and other health data


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMINISTRATOR: frozenset(Permission),
    Role.ARCHIVIST: frozenset(
        {
            Permission.READ_RECORDS,
            Permission.WRITE_RECORDS,
            Permission.READ_NOMENCLATURE,
            Permission.WRITE_NOMENCLATURE,
        }
    ),
    Role.STAFF: frozenset({Permission.READ_RECORDS, Permission.READ_NOMENCLATURE}),
    Role.RETENTION_OFFICER: frozenset(
        {Permission.READ_RECORDS, Permission.READ_NOMENCLATURE, Permission.WRITE_NOMENCLATURE}
    ),
    Role.DIRECTOR: frozenset(
        {Permission.READ_RECORDS, Permission.READ_NOMENCLATURE, Permission.READ_HEALTH}
    ),
    Role.AUDITOR: frozenset({Permission.READ_AUDIT}),
}


@dataclass(frozen=True)
class Policy:
    role: Role
    # The classes a staff member may see («9Б»); None means the role is not limited.
    classes: frozenset[str] | None = field(default=None)

    @classmethod
    def for_account(cls, role: str, classes: str | None) -> Policy:
        try:
            parsed = Role(role)
        except ValueError:
            parsed = Role.AUDITOR  # an unknown role gets the least: no records at all
        scope = None
        if parsed is Role.STAFF:
            scope = frozenset(c.strip() for c in (classes or "").split(",") if c.strip())
        return cls(parsed, scope)

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    @property
    def scoped(self) -> bool:
        return self.classes is not None

    def may_open(self, class_label: str | None, health: bool = False) -> bool:
        """A record of this class (None: not filed under a class), maybe health data."""
        if not self.can(Permission.READ_RECORDS):
            return False
        if health and not self.can(Permission.READ_HEALTH):
            return False
        return self.classes is None or (class_label is not None and class_label in self.classes)

    @property
    def sees_health(self) -> bool:
        return self.can(Permission.READ_HEALTH)
