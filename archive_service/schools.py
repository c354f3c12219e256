"""The schools of an archive: one for a school's own archive, thirty for a district's.

The archive's own school is the first registered; it is created, under a default name,
the first time anything needs a school and none exists, so a newcomer's archive needs
no setup. A district adds its schools by name (`archive schools add`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archive_service.archive import Archive
from archive_service.catalog import School, User

DEFAULT_SCHOOL = "Образовательная организация"
log = logging.getLogger(__name__)


class SchoolError(ValueError):
    pass


@dataclass(frozen=True)
class SchoolInfo:
    id: int
    name: str
    merged_into: int | None = None  # merged into that school: it takes no new records
    address: str | None = None  # the operator's address the personal-data act names


def school_row(s: Session, name: str | None) -> School:
    """The school by name, the only one when name is None; created on first use.

    Two sessions may create the same school at once (two class lists of a school new to
    a PostgreSQL catalog, imported together): the one that loses on the unique name
    undoes only its insert, to a savepoint, and takes the winner's row, so its own
    import goes on instead of failing whole.
    """
    if name is None:
        school = s.scalars(select(School).order_by(School.id)).first()
        name = DEFAULT_SCHOOL if school is None else school.name
    school = school_named(s, name)
    if school is not None:
        return school
    try:
        with s.begin_nested():
            school = School(name=name)
            s.add(school)
    except IntegrityError:
        log.info("school %r was created by another session meanwhile", name)
        winner = school_named(s, name)
        if winner is None:
            raise
        return winner
    return school


def school_named(s: Session, name: str) -> School | None:
    """The school of that name, if the catalog has it (tests make it miss on purpose)."""
    return s.scalars(select(School).where(School.name == name)).first()


def predecessors_of(s: Session, school_id: int | None) -> frozenset[int]:
    """The schools merged into this one, and those merged into them in turn."""
    found: set[int] = set()
    frontier = {school_id} if school_id is not None else set()
    while frontier:
        merged = set(s.scalars(select(School.id).where(School.merged_into_id.in_(frontier))))
        frontier = merged - found
        found |= merged
    return frozenset(found)


def own_school_id(s: Session) -> int:
    """The archive's own school (the first registered), created if there is none."""
    return school_row(s, None).id


class SchoolService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def add(self, name: str, address: str | None = None) -> int:
        """A new school of the archive; a name already held is refused, not joined."""
        name = " ".join(name.split())
        address = _clean_address(address)
        if not name:
            raise SchoolError("Укажите название организации")
        if len(name) > 500:
            raise SchoolError("Название организации длиннее 500 знаков")
        with self.archive.catalog.session() as s:
            if school_named(s, name) is not None:
                raise SchoolError(f"Организация «{name}» уже есть")
            try:
                with s.begin_nested():
                    school = School(name=name, address=address)
                    s.add(school)
            except IntegrityError as exc:
                raise SchoolError(f"Организация «{name}» уже есть") from exc
            return school.id

    def all(self) -> list[SchoolInfo]:
        with self.archive.catalog.reading() as s:
            return [
                SchoolInfo(x.id, x.name, x.merged_into_id, x.address)
                for x in s.scalars(select(School).order_by(School.id))
            ]

    def id_of(self, name: str | None) -> int:
        """The school named (None: the archive's own); an unknown name is refused."""
        with self.archive.catalog.session() as s:
            if name is None:
                return own_school_id(s)
            school = school_named(s, name)
            if school is None:
                known = ", ".join(f"«{x.name}»" for x in s.scalars(select(School)))
                raise SchoolError(f"Организации «{name}» нет; есть: {known or 'никакой'}")
            return school.id

    def merge(self, name: str, into: str) -> tuple[int, int, int]:
        """Merge a school into another (реорганизация в форме присоединения): its cases,
        documents and pupils stay its own, kept apart from the successor's; the
        successor's people see them, the merged school's accounts become the
        successor's, and nothing new is taken in for the merged school. Returns the two
        ids and the number of accounts moved."""
        with self.archive.catalog.session() as s:
            merged, successor = school_named(s, name), school_named(s, into)
            for given, row in ((name, merged), (into, successor)):
                if row is None:
                    raise SchoolError(f"Организации «{given}» нет")
            assert merged is not None and successor is not None
            if merged.id == successor.id:
                raise SchoolError("Организация не присоединяется к самой себе")
            if merged.merged_into_id is not None:
                raise SchoolError(f"«{merged.name}» уже присоединена к другой организации")
            if successor.merged_into_id is not None:
                raise SchoolError(
                    f"«{successor.name}» сама присоединена к другой организации: "
                    "присоединяйте к её правопреемнику"
                )
            if merged.id == own_school_id(s):
                raise SchoolError("Собственная организация архива не присоединяется к другой")
            merged.merged_into_id = successor.id
            accounts = list(s.scalars(select(User).where(User.school_id == merged.id)))
            for user in accounts:
                user.school_id = successor.id
            return merged.id, successor.id, len(accounts)

    def set_address(self, school_id: int, address: str | None) -> None:
        """The school's postal address, as its papers print it; empty clears it."""
        with self.archive.catalog.session() as s:
            school = s.get(School, school_id)
            if school is None:
                raise SchoolError(f"Организации № {school_id} нет")
            school.address = _clean_address(address)

    def count(self) -> int:
        with self.archive.catalog.reading() as s:
            return int(s.scalar(select(func.count()).select_from(School)) or 0)

    def name_of(self, school_id: int | None) -> str:
        """The school's name; None: the archive's own school (the papers it prints)."""
        with self.archive.catalog.session() as s:
            school = s.get(School, school_id if school_id is not None else own_school_id(s))
            return school.name if school is not None else ""


def _clean_address(address: str | None) -> str | None:
    cleaned = " ".join((address or "").split())
    if len(cleaned) > 1000:
        raise SchoolError("Адрес длиннее 1000 знаков")
    return cleaned or None
