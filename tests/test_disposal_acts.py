"""The act of disposal, reviewed by two people: drafted from the year's list, the expert
commission's decision, the director's approval (never by the one who drafted), frozen,
its PDF and XLSX in the form domain.md gives, and the PDF archived in the act case."""

from __future__ import annotations

import io
from datetime import date

import pypdfium2 as pdfium
import pytest
from openpyxl import load_workbook

from archive_service.archive import Archive
from archive_service.services.disposal.acts import ActError, ActService
from archive_service.services.disposal.due import DueService
from archive_service.services.disposal.forms import ACT_COLUMNS, act_pdf, act_xlsx
from archive_service.services.pipeline.documents import DocumentService


def pdf_text(data: bytes) -> str:
    doc = pdfium.PdfDocument(data)
    try:
        text = "\n".join(page.get_textpage().get_text_range() for page in doc)
    finally:
        doc.close()
    # a word a column broke at a syllable («номен-/клатуре»), read as one, as a person
    # does: PDFium joins it itself, marking the break with U+FFFE
    return text.replace("\ufffe", "")


def test_an_act_is_drafted_reviewed_and_approved_by_two_people(
    archive: Archive, cases: dict[str, int]
) -> None:
    acts = ActService(archive)
    draft = acts.draft(2026, by="officer")
    assert draft.status == "draft" and draft.number == 1
    assert [r.case_id for r in draft.rows] == [
        cases["old_journal"],
        cases["protocol"],
        cases["personal"],
    ]
    assert [r.position for r in draft.rows] == [1, 2, 3]
    # a case goes into one act only: the next list holds it back
    back = {c.case_id: c for c in DueService(archive).due(2026).held_back}
    assert back[cases["old_journal"]].reason == "in_act"
    with pytest.raises(ActError, match="ещё не рассмотрен"):
        acts.approve(draft.id, by="director")

    taken = acts.take_out(draft.id, cases["protocol"])
    assert [(r.position, r.case_id) for r in taken.rows] == [
        (1, cases["old_journal"]),
        (2, cases["personal"]),
    ]
    reviewed = acts.review(
        draft.id, "3", date(2026, 11, 20), by="officer", members=["Иванова И. И.", "Петров П. П."]
    )
    assert reviewed.status == "reviewed" and reviewed.commission == [
        "Иванова И. И.",
        "Петров П. П.",
    ]
    with pytest.raises(ActError, match="составил"):
        acts.approve(draft.id, by="officer")  # the two-person rule
    approved = acts.approve(draft.id, by="director")
    assert approved.status == "approved" and approved.approved_by == "director"
    with pytest.raises(ActError, match="уже утверждён"):
        acts.approve(draft.id, by="director")
    with pytest.raises(ActError, match="его не меняют"):
        acts.take_out(draft.id, cases["old_journal"])

    # the approved act's PDF is in the archive, filed into the act case (01-01)
    assert approved.pdf_document_id is not None
    archived = DocumentService(archive).get(approved.pdf_document_id)
    assert archived["title"].startswith("Акт № 1 от")
    filing = archived["filing"]
    assert filing["item_index"] == "01-01"


def test_the_act_prints_the_eight_columns_header_and_footer(
    archive: Archive, cases: dict[str, int]
) -> None:
    acts = ActService(archive)
    act = acts.draft(2026, by="officer")
    acts.review(act.id, "7", date(2026, 11, 20), by="officer")
    approved = acts.approve(act.id, by="director")
    text = pdf_text(act_pdf(approved))
    flat = " ".join(text.split())
    for heading, _ in ACT_COLUMNS:
        assert " ".join(heading.split()) in flat, heading
    for words in (
        "УТВЕРЖДАЮ",
        "АКТ",
        "о выделении к уничтожению документов, не подлежащих хранению",
        "Итого 3 дела за 2018–2021 годы",
        "СОГЛАСОВАНО",
        "Протокол ЭК от 20.11.2026 № 7",
        "Классные журналы, 2019/2020 учебный год",
        "приёмо-сдаточной накладной",
    ):
        assert words in flat, words
    sheet = load_workbook(io.BytesIO(act_xlsx(approved))).active
    assert sheet is not None
    values = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert [name for name, _ in ACT_COLUMNS] in values
    assert any(row and row[0] == "Итого 3 дела за 2018–2021 годы" for row in values)


def test_bad_steps_are_refused_with_nothing_changed(
    archive: Archive, cases: dict[str, int]
) -> None:
    acts = ActService(archive)
    with pytest.raises(ActError, match="нечего"):
        acts.draft(2020, by="officer")
    with pytest.raises(ActError, match="не ждёт решения"):
        acts.draft(2026, by="officer", with_commission=frozenset({cases["book"]}))
    assert acts.all() == []
    act = acts.draft(2026, by="officer", with_commission=frozenset({cases["portfolio"]}))
    assert act.rows[-1].note == "по решению экспертной комиссии"
    with pytest.raises(ActError, match="номер протокола"):
        acts.review(act.id, " ", date(2026, 11, 1), by="officer")
    with pytest.raises(ActError, match="будущим"):
        acts.review(act.id, "1", date(2099, 1, 1), by="officer")
    assert acts.get(act.id).status == "draft"
    with pytest.raises(ActError, match="Акта № 999 нет"):
        acts.approve(999, by="director")


def test_a_nomenclature_edit_never_changes_a_case_already_in_an_approved_act(
    archive: Archive, cases: dict[str, int]
) -> None:
    """The school shortens its journals to one year after the act was approved (through
    /api/v1/nomenclature): a new version of the nomenclature; the act's case keeps the
    rule it was kept under, the approved act reads as it was approved, and the answer
    says so in words."""
    from base64 import b64encode
    from dataclasses import replace

    from archive_service.accounts import AccountService
    from archive_service.services.records.cases import CaseService
    from archive_service.services.records.nomenclature import NomenclatureService
    from retention.nomenclature import to_mapping
    from retention.rules import RetentionKind, RetentionRule
    from web import create_app

    acts = ActService(archive)
    act = acts.draft(2026, by="officer")
    acts.review(act.id, "2", date(2026, 11, 20), by="officer")
    before = acts.approve(act.id, by="director")
    service = NomenclatureService(archive)
    spec = service.current()
    shorter = replace(
        spec,
        items=[
            replace(i, retention=RetentionRule(RetentionKind.YEARS, years=1))
            if i.index == "02-01"
            else i
            for i in spec.items
        ],
    )
    AccountService(archive).create("nomenclaturist", "пароль-номенклатуры", "archivist")
    auth = {
        "Authorization": "Basic "
        + b64encode("nomenclaturist:пароль-номенклатуры".encode()).decode()
    }
    client = create_app(archive, TESTING=True).test_client()
    saved = client.post("/api/v1/nomenclature", json=to_mapping(shorter), headers=auth)
    assert saved.status_code == 201, saved.get_data(as_text=True)
    (notice,) = saved.get_json()["notices"]
    assert "Статья 02-01" in notice and f"акта № {before.number}" in notice
    assert "по сроку «5 лет»" in notice and "приостановку" not in notice
    listed = client.get("/api/v1/nomenclature", headers=auth).get_json()
    journal = next(i for i in listed["items"] if i["index"] == "02-01")
    assert journal["retention"] == {"years": 1} and listed["version"] == saved.get_json()["version"]
    info, _ = CaseService(archive).get(cases["old_journal"])
    assert info["retention"]["period"] == "5 лет"
    assert acts.get(act.id).rows == before.rows
    # saving it again changes no period: nothing to say
    assert service.acts_keep_their_periods(service.current()) == []
    # a longer period does not stop the act either: the notice says how to keep them
    longer = replace(
        shorter,
        items=[
            replace(i, retention=RetentionRule(RetentionKind.YEARS, years=10))
            if i.index == "02-01"
            else i
            for i in shorter.items
        ],
    )
    (notice,) = service.acts_keep_their_periods(longer)
    assert "срок «10 лет»" in notice and "поставьте приостановку уничтожения" in notice
    broken = client.post("/api/v1/nomenclature", json={"year": 2026, "items": [{}]}, headers=auth)
    assert broken.status_code == 400 and service.current() == shorter
