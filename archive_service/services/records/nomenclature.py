"""The school's nomenclature of cases in the catalog: versions in, versions out.

An import never changes a version documents may be filed under; it adds the next
version for that year. Until a school imports its own, the archive works with the
editable default (retention/default_nomenclature.yaml), stored as version 1 the first
time anything asks for it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archive_service.archive import Archive
from archive_service.catalog import (
    Case,
    DisposalAct,
    DisposalActCase,
    Nomenclature,
    NomenclatureItem,
    School,
)
from archive_service.schools import school_row
from retention.nomenclature import (
    ItemSpec,
    NomenclatureError,
    NomenclatureSpec,
    default_nomenclature,
)
from retention.rules import Closing, RetentionKind, RetentionRule

DEFAULT_ATTEMPTS = 3  # a lost race costs one more read; three losses in a row is a fault
log = logging.getLogger(__name__)


def _of_school(name: str | None) -> ColumnElement[bool]:
    """The condition on `School` for a school named by the caller; None is the archive's
    own, the first registered, as in `school_row`. Without it a catalog that also holds
    another school's nomenclature (a district archive's, a lyceum's imported to compare)
    mixed both into the list in force, and filing took whichever had the index newest."""
    return _first_school() if name is None else School.name == name


def _first_school() -> ColumnElement[bool]:
    return School.id == select(func.min(School.id)).scalar_subquery()


def _add_version(
    s: Session, owner: School, spec: NomenclatureSpec, source: str, version: int | None = None
) -> int:
    """Add spec as the school's next version for its year (or as the version given);
    returns the version.

    A spec the latest version already holds item for item (the same file imported
    again, «approve for next year» pressed twice, an edit saved with nothing changed)
    adds nothing: its version is returned, as a class list imported again adds nobody.
    """
    if version is None:
        latest = s.scalars(
            select(Nomenclature)
            .where(Nomenclature.school_id == owner.id, Nomenclature.year == spec.year)
            .order_by(Nomenclature.version.desc())
        ).first()
        if latest is not None and _by_index(item_spec(i) for i in latest.items) == _by_index(
            spec.items
        ):
            return latest.version
        version = (latest.version if latest is not None else 0) + 1
    row = Nomenclature(school_id=owner.id, year=spec.year, version=version, source=source)
    row.items = [_item_row(item) for item in spec.items]
    s.add(row)
    return version


def _period(rule: RetentionRule | None) -> tuple[str, int | None] | None:
    return None if rule is None else (rule.kind.value, rule.years)


def _shorter(now: RetentionRule, old: RetentionRule) -> bool:
    return (now.years or 0) < (old.years or 0)


def _by_index(items: Iterable[ItemSpec]) -> list[ItemSpec]:
    return sorted(items, key=lambda item: item.index)


def _item_row(spec: ItemSpec) -> NomenclatureItem:
    rule = spec.retention
    return NomenclatureItem(
        index=spec.index,
        title=spec.title,
        retention_kind=rule.kind.value,
        retention_years=rule.years,
        review_date=rule.review_date,
        epk=rule.epk,
        basis=rule.basis,
        closes=spec.closes.value,
        event=spec.event,
        note=spec.note,
        keywords="\n".join(spec.keywords),
        case_count=spec.case_count,
    )


def item_spec(row: NomenclatureItem) -> ItemSpec:
    return ItemSpec(
        index=row.index,
        title=row.title,
        retention=RetentionRule(
            RetentionKind(row.retention_kind),
            years=row.retention_years,
            review_date=row.review_date,
            epk=row.epk,
            basis=row.basis,
        ),
        closes=Closing(row.closes),
        event=row.event,
        note=row.note,
        keywords=tuple(k for k in row.keywords.split("\n") if k),
        case_count=row.case_count,
    )


class NomenclatureService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def import_spec(
        self, spec: NomenclatureSpec, school: str | None = None, source: str = ""
    ) -> tuple[int, int]:
        """Store spec as the next version of the school's nomenclature for its year.

        Two edits saved at once (two staff in the web form, on PostgreSQL) may count the
        same next version: the unique (school, year, version) refuses the later commit,
        and that import counts again and takes the number after the winner's.
        """
        attempt = 1
        while True:
            try:
                with self.archive.catalog.session() as s:
                    version = _add_version(s, school_row(s, school), spec, source)
                return spec.year, version
            except IntegrityError:
                if attempt == DEFAULT_ATTEMPTS:
                    raise
                attempt += 1
                log.info("another import took the same version first; counting again")

    def acts_keep_their_periods(
        self, spec: NomenclatureSpec, school: str | None = None
    ) -> list[str]:
        """What saving `spec` leaves as it was, in words for the one saving it: a case in
        an approved act stays under the period the act states, whatever the new period
        of its item (cases keep the version of the item they were opened under).

        Shortening cannot hasten a signed act; lengthening does not stop one either, so
        the notice says how to keep such cases (a hold) before the act is executed.
        """
        try:
            saved = {item.index: item.retention for item in self.current(school, spec.year).items}
        except LookupError:  # a first version for the year: every period is new
            saved = {}
        new = {
            item.index: item.retention
            for item in spec.items
            if _period(item.retention) != _period(saved.get(item.index))
        }
        if not new:
            return []
        with self.archive.catalog.session() as s:
            rows = s.execute(
                select(DisposalAct.number, DisposalAct.year, DisposalAct.status, NomenclatureItem)
                .join(DisposalActCase, DisposalActCase.act_id == DisposalAct.id)
                .join(Case, Case.id == DisposalActCase.case_id)
                .join(NomenclatureItem, NomenclatureItem.id == Case.item_id)
                .join(School, School.id == DisposalAct.school_id)
                .where(
                    _of_school(school),
                    DisposalAct.status.in_(("approved", "executing", "executed")),
                    NomenclatureItem.index.in_(list(new)),
                )
                .order_by(NomenclatureItem.index, DisposalAct.year, DisposalAct.number)
                .distinct()
            ).all()
            notices: list[str] = []
            for number, year, status, item in rows:
                old = item_spec(item).retention
                now = new[item.index]
                if _period(old) == _period(now):
                    continue
                text = (
                    f"Статья {item.index}: срок «{now.label}» не относится к делам акта "
                    f"№ {number} за {year} год — они хранятся по сроку «{old.label}», "
                    "как записано в утверждённом акте"
                )
                shorter = now.kind is old.kind is RetentionKind.YEARS and _shorter(now, old)
                if status != "executed" and not shorter:
                    text += "; чтобы сохранить их дольше, поставьте приостановку уничтожения"
                notices.append(text)
            return notices

    def current(self, school: str | None = None, year: int | None = None) -> NomenclatureSpec:
        """The newest version (of the year, if given); the default if there is none yet."""
        attempts = 0
        while True:
            with self.archive.catalog.reading() as s:
                row = self._current_row(s, school, year)
                if row is not None:
                    return NomenclatureSpec(year=row.year, items=[item_spec(i) for i in row.items])
            if year is not None:
                raise LookupError(f"Номенклатуры на {year} год нет")
            if attempts == DEFAULT_ATTEMPTS:
                raise RuntimeError(f"Номенклатура по умолчанию не сохранена за {attempts} попытки")
            attempts += 1
            self._store_default(school)

    def for_filing(self, school: str | None = None, on: date | None = None) -> NomenclatureSpec:
        """What a document may be filed under on `on` (today): the nomenclature in force,
        and the items of a later one approved ahead that it does not have. The form's
        list, cover sheets and manifests offer these, as filing takes them
        (`item_in_force`): in December an item dropped from next year's list is still in
        force, and one added for next year may already be used."""
        newest = self.current(school)  # the default is stored before the first filing
        with self.archive.catalog.session() as s:
            query = select(Nomenclature).join(School).where(_of_school(school))
            rows = list(
                s.scalars(query.order_by(Nomenclature.year.desc(), Nomenclature.version.desc()))
            )
            if not rows:
                return newest
            year = year_in_force((row.year for row in rows), on)
            in_force = next(row for row in rows if row.year == year)
            items = {item.index: item_spec(item) for item in in_force.items}
            for row in rows:  # newest first: an index keeps its newest later wording
                if (row.year, row.version) > (in_force.year, in_force.version):
                    for item in row.items:
                        items.setdefault(item.index, item_spec(item))
            return NomenclatureSpec(in_force.year, _by_index(items.values()))

    def _store_default(self, school: str | None) -> None:
        """Store the default as version 1 unless some version exists by now.

        Several workers archive their first documents at once and each asks for the
        nomenclature: the check and the insert share one transaction, and a process that
        loses the race on PostgreSQL (the school or version 1 inserted meanwhile) keeps
        the winner's rows and reads them, instead of failing or adding a version 2.

        The default is always inserted as version 1, never as "the next": under READ
        COMMITTED the loser's max(version) would already see the winner's committed row
        and add a version 2, where a fixed version 1 meets the unique constraint instead.
        """
        try:
            with self.archive.catalog.session() as s:
                if self._current_row(s, school, None) is None:
                    owner = school_row(s, school)
                    _add_version(s, owner, default_nomenclature(), "по умолчанию", version=1)
        except IntegrityError:
            log.info("another process stored the default nomenclature first")

    def current_version(
        self, school: str | None = None, year: int | None = None
    ) -> tuple[int, int] | None:
        with self.archive.catalog.reading() as s:
            row = self._current_row(s, school, year)
            return None if row is None else (row.year, row.version)

    def schools(self) -> list[str]:
        """Every organisation with a catalog of its own (a district archive has several)."""
        with self.archive.catalog.reading() as s:
            return list(s.scalars(select(School.name).order_by(School.name)))

    def year_in_force(self, school: str | None = None, on: date | None = None) -> int:
        """The year whose nomenclature new cases open under on `on` (today): what the
        nomenclature page and `archive nomenclature show` start from, so that in
        December they show the list in force, not the one approved for next year."""
        self.current(school)  # the default is stored before anything is shown
        return year_in_force(self.years(school), on)

    def years(self, school: str | None = None) -> list[int]:
        """The years a school has a nomenclature for, newest first."""
        with self.archive.catalog.reading() as s:
            query = select(Nomenclature.year).join(School).where(_of_school(school)).distinct()
            return sorted(s.scalars(query), reverse=True)

    @staticmethod
    def _current_row(s: Session, school: str | None, year: int | None) -> Nomenclature | None:
        query = select(Nomenclature).join(School).where(_of_school(school))
        if year is not None:
            query = query.where(Nomenclature.year == year)
        return s.scalars(
            query.order_by(Nomenclature.year.desc(), Nomenclature.version.desc())
        ).first()


def item_in_force(
    s: Session, index: str, school_id: int | None = None, on: date | None = None
) -> NomenclatureItem | None:
    """The item a new case or volume with this index opens under, on `on` (today).

    A nomenclature is approved for a year, often ahead, in December: until 1 January the
    year in force is still the current one, so its newest version holds the item. An
    index that version lacks (added for next year, or a catalog holding only a later
    year) is taken from the newest version that has it. Without `school_id`, the
    archive's own school's (the first registered).
    """
    query = select(NomenclatureItem, Nomenclature.year).join(Nomenclature).join(School)
    query = query.where(NomenclatureItem.index == index)
    query = query.where(_first_school() if school_id is None else School.id == school_id)
    rows = s.execute(query.order_by(Nomenclature.year.desc(), Nomenclature.version.desc())).all()
    if not rows:
        return None
    year = year_in_force((item_year for _, item_year in rows), on)
    return next(item for item, item_year in rows if item_year == year)


def year_in_force(years: Iterable[int], on: date | None = None) -> int:
    """Of the years a nomenclature is approved for, the one in force on `on` (today): the
    latest not after it, since one approved ahead takes over on 1 January. A catalog
    holding only later years (a school starting with next year's list) works with the
    latest of them."""
    today = (on or date.today()).year
    known = sorted(set(years), reverse=True)
    if not known:
        raise LookupError("Номенклатуры нет ни на один год")
    return next((year for year in known if year <= today), known[0])


def standing(year: int, years: Iterable[int], on: date | None = None) -> str:
    """How the year's nomenclature stands on `on` (today), as the nomenclature page and
    `archive nomenclature show` say it: whether new cases open under it, and when one
    approved ahead takes over."""
    known = set(years) | {year}
    in_force = year_in_force(known, on)
    if year > in_force:
        return (
            f"Вступит в силу 1 января {year} года; до тех пор действует номенклатура на "
            f"{in_force} год, а статьи, которых в ней нет, берутся из этой."
        )
    if year < in_force:
        return (
            f"Не действует: действует номенклатура на {in_force} год. "
            "Дела, заведённые по этой, хранятся по её срокам."
        )
    later = min((y for y in known if y > year), default=None)
    ahead = (
        f" На {later} год утверждена новая — вступит в силу 1 января {later} года." if later else ""
    )
    return "Действует: по ней заводятся новые дела и тома." + ahead


def with_item(spec: NomenclatureSpec, item: ItemSpec, replacing: str | None) -> NomenclatureSpec:
    """The nomenclature with one item added or replaced (kept in index order)."""
    items = [i for i in spec.items if i.index not in {replacing, item.index}]
    if replacing != item.index and any(i.index == item.index for i in spec.items):
        raise NomenclatureError([f"индекс «{item.index}» уже есть"])
    return NomenclatureSpec(spec.year, sorted([*items, item], key=lambda i: i.index))


def for_year(spec: NomenclatureSpec, year: int) -> NomenclatureSpec:
    """The same items approved for another year (a new year's nomenclature)."""
    if not 1990 <= year <= 2100:
        raise NomenclatureError(["год номенклатуры — четыре цифры"])
    return NomenclatureSpec(year, list(spec.items))
