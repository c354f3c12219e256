"""Facets as people read them, on the web page and in `archive search` alike: Russian
names for the facets, readable values (an item's title for its index, a case's title for
its id, a pupil's ФИО for their id; years and classes read as they are), and the
internal facets left out."""

from __future__ import annotations

from sqlalchemy import select

from archive_service.archive import Archive
from archive_service.catalog import Case, NomenclatureItem, Pupil, School
from archive_service.catalog.models import Nomenclature
from search.port import HIDDEN_FACETS

FACET_NAMES_RU = {
    "kind": "Вид (статья номенклатуры)",
    "case": "Дело",
    "year": "Учебный год",
    "class": "Класс",
    "pupil": "Обучающийся",
    "school": "Организация",
}


def shown_facets(facets: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Facet counts as a person sees them: internal facets left out, and the school
    facet only where hits come from more than one school (a district archive)."""
    return {
        name: counts
        for name, counts in facets.items()
        if name not in HIDDEN_FACETS and not (name == "school" and len(counts) < 2)
    }


def facet_labels(archive: Archive, facets: dict[str, dict[str, int]]) -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {
        name: {v: v for v in values} for name, values in facets.items()
    }
    with archive.catalog.session() as s:
        if facets.get("kind"):
            rows = s.execute(
                select(NomenclatureItem.index, NomenclatureItem.title)
                .join(Nomenclature)
                .where(NomenclatureItem.index.in_(list(facets["kind"])))
                .order_by(Nomenclature.year, Nomenclature.version)
            )
            for index, title in rows:  # the newest version's title wins
                labels["kind"][index] = f"{index} {title}"
        if facets.get("case"):
            ids = [int(v) for v in facets["case"] if v.isdigit()]
            for case in s.scalars(select(Case).where(Case.id.in_(ids))):
                labels["case"][str(case.id)] = case.title
        if facets.get("school"):
            ids = [int(v) for v in facets["school"] if v.isdigit()]
            for school in s.scalars(select(School).where(School.id.in_(ids))):
                labels["school"][str(school.id)] = school.name
        if facets.get("pupil"):
            for p in s.scalars(select(Pupil).where(Pupil.id.in_(list(facets["pupil"])))):
                labels["pupil"][p.id] = p.full_name
    return labels
