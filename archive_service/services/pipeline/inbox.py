"""The queue to be filed («Ждут подшивки»): each waiting document with what the worker
proposed for it, why it still waits, and whether «Подшить как предложено» can file it.

The page, `/api/v1/inbox` and `archive inbox` all show this one list, so the button is
offered exactly where filing by the proposals would succeed: the reason a document waits
is the refusal filing would give (`what_is_missing`), said before anyone presses it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from archive_service.access import Policy
from archive_service.archive import Archive
from archive_service.schools import SchoolService
from archive_service.services.pipeline.documents import DocumentService
from archive_service.services.records.filing import parse_iso_date, what_is_missing
from archive_service.services.records.nomenclature import NomenclatureService
from archive_service.services.records.proposals import ProposalService, Stored, doubts_of
from retention.nomenclature import ItemSpec

NO_KIND = "вид документа не распознан: выберите его на странице документа"


@dataclass(frozen=True)
class Waiting:
    id: str
    title: str
    filename: str
    reason: str | None  # why it waits; None: the proposals file it as they are
    proposed: dict[str, list[Stored]] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        """«Подшить как предложено» files it."""
        return self.reason is None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ready"] = self.ready
        return out


class InboxService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def waiting(self, policy: Policy | None = None) -> list[Waiting]:
        """The documents of the schools `policy` sees that wait to be filed, oldest
        first, each with its reason to wait."""
        docs = DocumentService(self.archive).unfiled(policy)
        proposed = ProposalService(self.archive).best([d["id"] for d in docs])
        items: dict[int | None, dict[str, ItemSpec]] = {}
        out = []
        for doc in docs:
            school = doc["school_id"]
            if school not in items:
                name = SchoolService(self.archive).name_of(school) if school else None
                spec = NomenclatureService(self.archive).for_filing(name)
                items[school] = {item.index: item for item in spec.items}
            fields = proposed.get(doc["id"], {})
            reason = doc["reason"] or _reason(fields, items[school])
            out.append(Waiting(doc["id"], doc["title"], doc["filename"], reason, fields))
        return out


def _reason(fields: dict[str, list[Stored]], items: dict[str, ItemSpec]) -> str | None:
    """Why filing by these proposals would fail, as filing itself would say it."""
    if not fields.get("kind"):
        return NO_KIND
    doubts = doubts_of(fields)
    if doubts:
        return f"{'; '.join(doubts)} — проверьте на странице документа"
    index = fields["kind"][0].value
    item = items.get(index)
    if item is None:
        return f"статьи «{index}» нет в номенклатуре: выберите вид на странице документа"

    def first(name: str) -> str | None:
        return fields[name][0].value if fields.get(name) else None

    school_year = first("school_year")
    document_date = parse_iso_date(first("date"))
    pupils = len(fields.get("pupil", []))
    missing = what_is_missing(item.closes, item.title, school_year, document_date, pupils)
    return None if missing is None else f"{missing}: укажите на странице документа"
