"""Cases: sheet numbering through the case, the internal inventory, where the paper lies,
closing and volumes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from archive_service.archive import Archive
from archive_service.services.pipeline.ingest import IngestService
from archive_service.services.records.cases import CaseError, CaseService
from archive_service.services.records.filing import Filing, FilingError, FilingService
from tests.pagegen import born_digital_pdf
from tests.side_by_side import run_side_by_side


@pytest.fixture
def case_id(archive: Archive, tmp_path: Path) -> int:
    ids = []
    for n, pages in enumerate((3, 2)):
        pdf = born_digital_pdf(
            tmp_path / f"p{n}.pdf", [[f"Протокол {n}, лист {i}"] for i in range(pages)]
        )
        outcome = IngestService(archive).ingest_path(pdf)
        assert outcome.id
        ids.append(
            FilingService(archive).file(
                outcome.id,
                Filing("03-01", title=f"Протокол № {n + 1}", document_date=date(2025, 6, n + 1)),
            )
        )
    assert ids[0] == ids[1]
    return ids[0]


def test_sheets_are_numbered_through_the_case(archive: Archive, case_id: int) -> None:
    info, entries = CaseService(archive).get(case_id)
    assert [(e.number, e.registration_index, e.sheets, e.date) for e in entries] == [
        (1, "03-01/1", "1–3", "01.06.2025"),
        (2, "03-01/2", "4–5", "02.06.2025"),
    ]
    assert info["sheets"] == 5


def test_the_internal_inventory_lists_every_document(
    archive: Archive, case_id: int, tmp_path: Path
) -> None:
    path = tmp_path / "opis.pdf"
    path.write_bytes(CaseService(archive).inventory_pdf(case_id))
    doc = pdfium.PdfDocument(path)
    text = doc[0].get_textpage().get_text_range()
    doc.close()
    for words in (
        "ВНУТРЕННЯЯ ОПИСЬ",
        "Протокол № 1",
        "Протокол № 2",
        "4–5",
        "Итого 2 документа, 5 листов.",
    ):
        assert words in text


def test_the_inventory_breaks_a_long_word_only_where_russian_breaks_it(
    archive: Archive, tmp_path: Path
) -> None:
    """A heading or a title too long for its column is broken at a syllable, with a
    hyphen («Регистра-ционный»), never cut at whatever letter the column ends on."""
    long_words = ["Регистрационный", "Государственной", "экзаменационной", "Непредусмотренностью"]
    pdf = born_digital_pdf(tmp_path / "p.pdf", [["Протокол"]])
    outcome = IngestService(archive).ingest_path(pdf)
    assert outcome.id
    title = "Протокол Государственной экзаменационной Непредусмотренностью комиссии"
    case_id = FilingService(archive).file(
        outcome.id, Filing("03-01", title=title, document_date=date(2025, 6, 1))
    )
    doc = pdfium.PdfDocument(CaseService(archive).inventory_pdf(case_id))
    text = doc[0].get_textpage().get_text_range()
    doc.close()
    # PDFium reads a word broken at a hyphen as one, marking the break with U+FFFE; a
    # word cut without one stays in two pieces on two lines.
    assert "\ufffe" in text  # some word did need breaking
    whole = text.replace("\ufffe", "")
    for word in long_words:
        assert word in whole, f"«{word}» cut: {whole!r}"


def test_location_close_and_next_volume(archive: Archive, case_id: int, tmp_path: Path) -> None:
    service = CaseService(archive)
    service.set_location(case_id, "каб. 12", "стеллаж 3", "коробка 7")
    info, _ = service.get(case_id)
    assert (info["room"], info["shelf"], info["box"]) == ("каб. 12", "стеллаж 3", "коробка 7")
    with pytest.raises(CaseError, match="раньше"):
        service.close(case_id, date(2000, 1, 1))
    service.close(case_id, date.today())
    with pytest.raises(CaseError, match="уже закрыто"):
        service.close(case_id)
    pdf = born_digital_pdf(tmp_path / "late.pdf", [["Поздний протокол"]])
    outcome = IngestService(archive).ingest_path(pdf)
    assert outcome.id
    later = FilingService(archive).file(outcome.id, Filing("03-01", document_date=date(2025, 7, 1)))
    assert later != case_id
    assert service.get(later)[0]["volume"] == 2


def test_leaving_closes_the_pupils_personal_file(archive: Archive, tmp_path: Path) -> None:
    from archive_service.catalog import Pupil, School
    from archive_service.services.records.pupils import PupilEventError, events_of, record_event

    with archive.catalog.session() as s:
        school = School(name="СОШ")
        s.add(school)
        s.flush()
        pupil = Pupil(school_id=school.id, surname="Кузнецов", name="Иван")
        s.add(pupil)
        s.flush()
        pupil_id = pupil.id
    pdf = born_digital_pdf(tmp_path / "лд.pdf", [["Личное дело обучающегося"]])
    outcome = IngestService(archive).ingest_path(pdf)
    assert outcome.id
    case = FilingService(archive).file(outcome.id, Filing("04-01", pupil_ids=[pupil_id]))
    with pytest.raises(PupilEventError, match="основание"):
        record_event(archive, pupil_id, "transferred_out", date.today(), "")
    assert record_event(archive, pupil_id, "transferred_out", date.today(), "приказ № 15") == 1
    assert CaseService(archive).get(case)[0]["closed_on"] == date.today().isoformat()
    assert [e["label"] for e in events_of(archive, pupil_id)] == ["отчислен в порядке перевода"]
    with pytest.raises(PupilEventError, match="уже записано"):  # the form sent again
        record_event(archive, pupil_id, "transferred_out", date.today(), "приказ № 15")

    def admit() -> object:
        return record_event(archive, pupil_id, "admitted", date(2020, 9, 1), "приказ № 3")

    first, second = run_side_by_side(admit, admit)  # the button pressed twice
    assert {type(first), type(second)} == {int, PupilEventError}, (first, second)
    assert len(events_of(archive, pupil_id)) == 2


def test_asking_twice_for_the_next_volume_opens_one(archive: Archive, case_id: int) -> None:
    """«Next volume» sent again from a page still showing the closed volume (a second
    tab, the button pressed twice) lands on the volume the first opened."""
    service = CaseService(archive)
    second = service.new_volume(case_id)
    assert service.new_volume(case_id) == second
    assert sorted((c["volume"], c["closed_on"] is None) for c in service.all()) == [
        (1, False),
        (2, True),
    ]


def test_two_next_volume_requests_at_once_open_one_volume(archive: Archive, case_id: int) -> None:
    service = CaseService(archive)
    first, second = run_side_by_side(
        lambda: service.new_volume(case_id), lambda: service.new_volume(case_id)
    )
    assert isinstance(first, int) and first == second, (first, second)
    assert sorted(c["volume"] for c in service.all()) == [1, 2]


def test_a_filing_into_a_volume_closed_meanwhile_is_refused(
    archive: Archive, case_id: int, tmp_path: Path
) -> None:
    """The archivist files into volume 1 while a colleague closes it: the filing waits
    for the closing and is refused, instead of landing in a closed volume."""
    pdf = born_digital_pdf(tmp_path / "late.pdf", [["Поздний протокол"]])
    outcome = IngestService(archive).ingest_path(pdf)
    assert outcome.id
    document_id = outcome.id

    def file_into_volume_one() -> object:
        return FilingService(archive).file(document_id, Filing("03-01", case_id=case_id))

    closing, filing = run_side_by_side(
        lambda: CaseService(archive).new_volume(case_id), file_into_volume_one
    )
    assert isinstance(closing, int)
    assert isinstance(filing, FilingError) and "закрыто" in str(filing), filing
    assert document_id not in {e.document_id for e in CaseService(archive).get(case_id)[1]}


def test_the_next_volume_opens_under_the_nomenclature_in_force_and_numbers_on(
    archive: Archive, tmp_path: Path
) -> None:
    """A book of certificates runs for years. Its next volume, opened after the school
    edited this year's nomenclature and approved next year's ahead, is numbered after the
    first and opens under this year's newest version; filings go there."""
    from dataclasses import replace

    from archive_service.catalog import Case
    from archive_service.services.records.nomenclature import (
        NomenclatureService,
        for_year,
        with_item,
    )

    pdfs = [born_digital_pdf(tmp_path / f"к{n}.pdf", [[f"Книга выдачи, лист {n}"]]) for n in (1, 2)]
    first_doc, second_doc = (IngestService(archive).ingest_path(p).id for p in pdfs)
    assert first_doc and second_doc
    filing = FilingService(archive)
    first = filing.file(first_doc, Filing("04-03"))
    nomenclature = NomenclatureService(archive)
    this_year = for_year(nomenclature.current(), date.today().year)
    book = next(i for i in this_year.items if i.index == "04-03")
    edited = with_item(this_year, replace(book, note="Книга № 2"), replacing="04-03")
    in_force = nomenclature.import_spec(edited)
    nomenclature.import_spec(for_year(edited, date.today().year + 1))
    second = CaseService(archive).new_volume(first)
    assert filing.file(second_doc, Filing("04-03")) == second != first
    with archive.catalog.session() as s:
        volume = s.get(Case, second)
        assert volume is not None
        opened_under = (volume.item.nomenclature.year, volume.item.nomenclature.version)
        assert (volume.volume, opened_under) == (2, in_force)
