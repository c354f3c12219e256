"""Who may see what: the one permission policy (152-ФЗ: only those whose work needs it).

Roles grant permissions; a staff member (a class teacher) is further limited to the
classes they teach, and every school role to its own school: in a district archive the
teacher of «9Б» in one school sees no «9Б» of another. District roles (the district
archivist, the district auditor, the administrator) see every school. The web layer
asks this policy for every route and every record, and
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
    # The school's secretary (делопроизводитель): pupils, their transfers and personal
    # files of the whole school, and no other records.
    SECRETARY = "secretary"
    # District roles: every school of a district archive.
    DISTRICT_ARCHIVIST = "district_archivist"
    DISTRICT_AUDITOR = "district_auditor"


# The item of pupils' personal files in the default nomenclature (domain.md).
PERSONAL_FILE_ITEM = "04-01"

DISTRICT_ROLES = frozenset({Role.ADMINISTRATOR, Role.DISTRICT_ARCHIVIST, Role.DISTRICT_AUDITOR})


ROLE_LABELS_RU = {
    Role.ADMINISTRATOR: "администратор",
    Role.ARCHIVIST: "архивист",
    Role.STAFF: "сотрудник (классный руководитель)",
    Role.RETENTION_OFFICER: "ответственный за хранение",
    Role.DIRECTOR: "директор",
    Role.AUDITOR: "аудитор",
    Role.SECRETARY: "секретарь (делопроизводитель)",
    Role.DISTRICT_ARCHIVIST: "архивист района",
    Role.DISTRICT_AUDITOR: "аудитор района",
}


class Permission(StrEnum):
    READ_RECORDS = "records.read"  # documents, search, pupils, cases
    WRITE_RECORDS = "records.write"  # upload, filing, class lists, cover sheets, cases
    READ_NOMENCLATURE = "nomenclature.read"
    WRITE_NOMENCLATURE = "nomenclature.write"
    READ_AUDIT = "audit.read"
    MANAGE_USERS = "users.manage"
    READ_HEALTH = "health.read"  # ПМПК conclusions and other health data
    TRANSFER_PUPILS = "pupils.transfer"  # a pupil's transfer: application, order, issue
    READ_RETENTION = "retention.read"  # what is due, what is held back, holds
    MANAGE_HOLDS = "retention.holds"  # set and lift holds (приостановка уничтожения)
    DRAFT_DISPOSAL = "disposal.draft"  # draft an act, record the ЭК decision
    APPROVE_DISPOSAL = "disposal.approve"  # the director's «УТВЕРЖДАЮ»
    # Destroy every copy of an approved act's records, bypassing the store's governance
    # retention: the one path that may.
    DESTROY_RECORDS = "disposal.destroy"


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
        {
            Permission.READ_RECORDS,
            Permission.READ_NOMENCLATURE,
            Permission.WRITE_NOMENCLATURE,
            Permission.READ_RETENTION,
            Permission.MANAGE_HOLDS,
            Permission.DRAFT_DISPOSAL,
            Permission.DESTROY_RECORDS,
        }
    ),
    Role.DIRECTOR: frozenset(
        {
            Permission.READ_RECORDS,
            Permission.READ_NOMENCLATURE,
            Permission.READ_HEALTH,
            Permission.READ_RETENTION,
            Permission.APPROVE_DISPOSAL,
            Permission.TRANSFER_PUPILS,
        }
    ),
    Role.AUDITOR: frozenset({Permission.READ_AUDIT}),
    Role.SECRETARY: frozenset({Permission.READ_RECORDS, Permission.TRANSFER_PUPILS}),
    Role.DISTRICT_AUDITOR: frozenset({Permission.READ_AUDIT}),
}
ROLE_PERMISSIONS[Role.DISTRICT_ARCHIVIST] = ROLE_PERMISSIONS[Role.ARCHIVIST]


@dataclass(frozen=True)
class Policy:
    role: Role
    # The classes a staff member may see («9Б»); None means the role is not limited.
    classes: frozenset[str] | None = field(default=None)
    # The schools whose records this person may see; None: every school (district).
    schools: frozenset[int] | None = field(default=None)
    # The nomenclature items whose records this person may see (the secretary: personal
    # files); None: every item.
    kinds: frozenset[str] | None = field(default=None)

    @classmethod
    def for_account(
        cls,
        role: str,
        classes: str | None,
        school_id: int | None = None,
        predecessors: frozenset[int] = frozenset(),
        granted: frozenset[int] = frozenset(),
    ) -> Policy:
        """A school role sees its school and the schools merged into it (their records
        stay theirs); a district role sees every school, or only those granted to it."""
        try:
            parsed = Role(role)
        except ValueError:
            parsed = Role.AUDITOR  # an unknown role gets the least: no records at all
        scope = None
        if parsed is Role.STAFF:
            scope = frozenset(c.strip() for c in (classes or "").split(",") if c.strip())
        schools: frozenset[int] | None = granted or None
        if parsed not in DISTRICT_ROLES:  # a school role without a school sees nothing
            schools = frozenset() if school_id is None else predecessors | {school_id}
        kinds = frozenset({PERSONAL_FILE_ITEM}) if parsed is Role.SECRETARY else None
        return cls(parsed, scope, schools, kinds)

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    @property
    def scoped(self) -> bool:
        """Limited to part of a school's records (some classes, some kinds): pages that
        list the whole archive are not for this person."""
        return self.classes is not None or self.kinds is not None

    def may_open(
        self,
        class_label: str | None,
        health: bool = False,
        school_id: int | None = None,
        kind: str | None = None,
    ) -> bool:
        """A record of this class (None: not filed under a class), maybe health data, of
        this school (None: of no school, which only district roles see), filed under
        this nomenclature item (None: not filed)."""
        if not self.can(Permission.READ_RECORDS):
            return False
        if not self.sees_school(school_id):
            return False
        if health and not self.can(Permission.READ_HEALTH):
            return False
        if self.kinds is not None and kind not in self.kinds:
            return False
        return self.classes is None or (class_label is not None and class_label in self.classes)

    def sees_school(self, school_id: int | None) -> bool:
        return self.schools is None or (school_id is not None and school_id in self.schools)

    @property
    def sees_health(self) -> bool:
        return self.can(Permission.READ_HEALTH)
