"""Batch scanning: printed cover sheets, a scanned stack split at them, each part filed
by its sheet; what cannot be filed waits in the "to be filed" queue with the reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from archive_service.archive import Archive
from archive_service.catalog import Pupil, School
from archive_service.domain import MediaType
from archive_service.services.admin.audit import Actor, AuditService
from archive_service.services.batch.cover_sheets import CoverSheetService
from archive_service.services.batch.stack_jobs import StackJobs
from archive_service.services.batch.stacks import StackService
from archive_service.services.pipeline.documents import DocumentService
from archive_service.services.records.filing import FilingError
from intake.cover_sheet import CoverPayload, find_cover_sheets
from tests.pagegen import page_lines, render_page, save_pdf, save_tiff, scanned

pytestmark = pytest.mark.usefixtures("tesseract")


@pytest.fixture
def anna(archive: Archive) -> str:
    with archive.catalog.session() as s:
        school = School(name="СОШ № 20")
        s.add(school)
        s.flush()
        pupil = Pupil(school_id=school.id, surname="Смирнова", name="Анна", patronymic="С.")
        s.add(pupil)
        s.flush()
        return pupil.id


def sheet_images(pdf: bytes, tmp_path: Path) -> list[Image.Image]:
    """Print and scan: each cover page rendered at 300 dpi, then noised like a scan."""
    path = tmp_path / "covers.pdf"
    path.write_bytes(pdf)
    doc = pdfium.PdfDocument(path)
    try:
        images = [doc[n].render(scale=300 / 72, grayscale=True).to_pil() for n in range(len(doc))]
    finally:
        doc.close()
    return [scanned(img.convert("L"), seed=n, skew=0.6) for n, img in enumerate(images)]


def test_cover_sheets_name_what_they_file(archive: Archive, anna: str, tmp_path: Path) -> None:
    pdf = CoverSheetService(archive).render("04-01", pupil_ids=[anna], school_year="2024-25")
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    (found,) = find_cover_sheets(path, MediaType.PDF)
    with archive.catalog.session() as s:
        school = s.get(Pupil, anna).school_id  # type: ignore[union-attr]
    assert found.payload == CoverPayload(
        kind="04-01", pupil_id=anna, school_year="2024/2025", school_id=school
    )


def test_cover_sheets_refuse_what_they_could_not_file(archive: Archive) -> None:
    with pytest.raises(FilingError, match="нет статьи"):
        CoverSheetService(archive).render("99-99")
    with pytest.raises(FilingError, match="Дела № 7 нет"):
        CoverSheetService(archive).render("02-01", case_id=7)


@pytest.mark.parametrize("container", ["pdf", "tiff"])
def test_a_scanned_stack_is_split_filed_and_the_rest_queued(
    archive: Archive, anna: str, tmp_path: Path, container: str
) -> None:
    covers = sheet_images(CoverSheetService(archive).render("04-01", pupil_ids=[anna]), tmp_path)
    journal = sheet_images(
        CoverSheetService(archive).render("02-01", school_year="2024/2025", class_label="5А"),
        tmp_path,
    )
    no_year = sheet_images(CoverSheetService(archive).render("02-01"), tmp_path)
    record = [scanned(render_page(page_lines(i)), seed=i) for i in range(5)]
    stack = [record[0], covers[0], record[1], record[2], journal[0], record[3], no_year[0]]
    stack.append(record[4])
    path = (save_pdf if container == "pdf" else save_tiff)(stack, tmp_path / f"пачка.{container}")

    report = StackService(archive).ingest_stack(path)

    assert report.error is None
    assert [(p.first_page, p.last_page) for p in report.parts] == [(1, 1), (3, 4), (6, 6), (8, 8)]
    assert [p.outcome.status for p in report.parts] == ["queued"] * 4
    docs = DocumentService(archive)
    first, personal, journal_part, last = report.parts
    assert docs.get(personal.outcome.id or "")["page_count"] == 2  # the sheet is not archived
    filed = docs.get(personal.outcome.id or "")["filing"]
    assert filed["item_index"] == "04-01" and filed["pupils"][0]["id"] == anna
    assert docs.get(journal_part.outcome.id or "")["filing"]["class_label"] == "5А"
    queue = {d["id"]: d["reason"] for d in docs.unfiled()}
    assert queue == {
        first.outcome.id: None,
        last.outcome.id: "По титульному листу не подшит: Для «Классные журналы» нужен учебный год",
    }
    assert any("перед первым титульным листом" in p for p in report.problems)


def test_a_stack_that_is_not_a_scan_is_refused(archive: Archive, tmp_path: Path) -> None:
    path = tmp_path / "пачка.pdf"
    path.write_text("не PDF")
    report = StackService(archive).ingest_stack(path)
    assert report.error and not report.parts


def test_cli_ingest_stack_prints_a_line_per_part(tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    from intake.cover_sheet import CoverSheet, render_cover_sheets

    pdf = render_cover_sheets([CoverSheet(CoverPayload("02-08"), ["Журнал регистрации"])])
    cover = sheet_images(pdf, tmp_path)[0]
    pages = [scanned(render_page(page_lines(i)), seed=i) for i in range(2)]
    stack = save_pdf([cover, pages[0], pages[1]], tmp_path / "пачка.pdf")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    proc = subprocess.run(
        [sys.executable, "-m", "archive_service.cli", "--data-dir", str(tmp_path / "data"),
         "ingest", "--stack", str(stack), "--wait", "--json"],
        capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (line,) = [json.loads(x) for x in proc.stdout.splitlines()]
    assert line["file"] == f"{stack}: листы 2–3" and line["status"] == "archived"
    inbox = subprocess.run(
        [sys.executable, "-m", "archive_service.cli", "--data-dir", str(tmp_path / "data"),
         "inbox"],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert "Ждут подшивки: 0" in inbox.stdout


def test_a_sheet_with_unreadable_codes_is_caught_and_its_part_waits(
    archive: Archive, tmp_path: Path
) -> None:
    from PIL import ImageDraw

    good = sheet_images(CoverSheetService(archive).render("02-08"), tmp_path)[0]
    spoiled = sheet_images(CoverSheetService(archive).render("02-08"), tmp_path)[0]
    draw = ImageDraw.Draw(spoiled)  # a stain over both codes; the heading stays legible
    draw.rectangle((1600, 100, 2400, 900), fill=255)
    draw.rectangle((100, 2550, 900, 3350), fill=255)
    pages = [scanned(render_page(page_lines(i)), seed=i) for i in range(2)]
    path = save_pdf([good, pages[0], spoiled, pages[1]], tmp_path / "пачка.pdf")

    report = StackService(archive).ingest_stack(path)

    (part,) = report.parts  # the spoiled sheet was not recognised: one part, pages 2–4
    assert (part.first_page, part.last_page) == (2, 4)
    (waiting,) = DocumentService(archive).unfiled()
    assert waiting["id"] == part.outcome.id
    assert waiting["reason"].startswith("Лист 2 похож на титульный лист, но его QR-код не прочитан")


def test_a_sheet_naming_an_unknown_case_leaves_its_part_waiting(
    archive: Archive, tmp_path: Path
) -> None:
    from intake.cover_sheet import CoverSheet, render_cover_sheets

    # Printed for a case that has since gone (or printed elsewhere): case № 4242.
    pdf = render_cover_sheets([CoverSheet(CoverPayload("02-01", case_id=4242), ["Дело 4242"])])
    sheet = sheet_images(pdf, tmp_path)[0]
    record = scanned(render_page(page_lines(9)), seed=9)
    report = StackService(archive).ingest_stack(save_pdf([sheet, record], tmp_path / "п.pdf"))
    (part,) = report.parts
    assert part.payload is not None and part.payload.case_id == 4242
    (waiting,) = DocumentService(archive).unfiled()
    assert waiting["reason"] == "По титульному листу не подшит: Дела № 4242 нет"


ARCHIVIST = Actor("archivist", "archivist", "10.0.0.7")


def small_stack(archive: Archive, anna: str, tmp_path: Path) -> Path:
    """A record, its pupil's cover sheet, two pages of her personal file."""
    covers = sheet_images(CoverSheetService(archive).render("04-01", pupil_ids=[anna]), tmp_path)
    record = [scanned(render_page(page_lines(i)), seed=i) for i in range(3)]
    return save_pdf([record[0], covers[0], record[1], record[2]], tmp_path / "пачка.pdf")


def test_an_uploaded_stack_is_queued_then_split_by_the_worker_with_its_progress(
    archive: Archive, anna: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upload answers at once; the worker (eager here) splits the stack, records each
    part with its document, audits the parts under the uploader and drops the stack."""
    path = small_stack(archive, anna, tmp_path)
    heard: list[int] = []
    real_progress = StackJobs._progress

    def progress_seen(self: StackJobs, stack_id: str) -> Callable[[int], None]:
        report = real_progress(self, stack_id)
        monkeypatch.setattr("archive_service.services.batch.stack_jobs.PROGRESS_EVERY_SECONDS", 0.0)

        def heard_page(page: int) -> None:
            report(page)
            heard.append(self.get(stack_id)["pages_read"])

        return heard_page

    monkeypatch.setattr(StackJobs, "_progress", progress_seen)
    submission = StackJobs(archive).submit(path, "пачка.pdf", ARCHIVIST)

    assert submission.error is None and submission.id
    stack = StackJobs(archive).get(submission.id)
    assert (stack["status"], stack["page_count"], stack["pages_read"]) == ("split", 4, 4)
    assert heard == [1, 2, 3, 4]
    assert [(p["first_page"], p["last_page"]) for p in stack["parts"]] == [(1, 1), (3, 4)]
    assert [p["document_status"] for p in stack["parts"]] == ["archived", "archived"]
    personal = stack["parts"][1]
    assert personal["filed_by_sheet"] and personal["file"] == "пачка.pdf: листы 3–4"
    assert DocumentService(archive).get(personal["id"])["filing"]["item_index"] == "04-01"
    assert any("перед первым титульным листом" in p for p in stack["problems"])
    assert list(archive.store.list(f"stacks/{submission.id}/")) == []
    created = AuditService(archive).find(actor="archivist")
    assert sorted(e.target for e in created) == sorted(
        f"document:{p['id']}" for p in stack["parts"]
    )
    assert {e.address for e in created} == {"10.0.0.7"}


def test_a_stack_that_cannot_be_split_is_refused_at_upload_and_nothing_is_stored(
    archive: Archive, tmp_path: Path
) -> None:
    jpeg = tmp_path / "лист.jpg"
    scanned(render_page(page_lines(1))).save(jpeg, format="JPEG")
    submission = StackJobs(archive).submit(jpeg, "лист.jpg", ARCHIVIST)
    assert submission.id is None
    assert (
        submission.error == "Пачку с титульными листами принимают как PDF или многостраничный TIFF"
    )
    assert submission.as_dict()["status"] == "rejected"
    assert list(archive.store.list("stacks/")) == []
    assert StackJobs(archive).unfinished() == []


def test_a_stack_the_worker_fails_on_keeps_its_file_and_can_be_split_again(
    archive: Archive, anna: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = small_stack(archive, anna, tmp_path)

    def broken(*_args: object, **_kwargs: object) -> list[object]:
        raise ValueError("zxing упал")

    monkeypatch.setattr("archive_service.services.batch.stacks.find_cover_sheets", broken)
    submission = StackJobs(archive).submit(path, "пачка.pdf", ARCHIVIST)
    assert submission.id
    stack = StackJobs(archive).get(submission.id)
    assert (stack["status"], stack["error"]) == ("failed", "Не удалось разделить пачку: zxing упал")
    assert archive.store.exists(f"stacks/{submission.id}/stack.pdf")

    monkeypatch.undo()
    assert StackJobs(archive).retry(submission.id)
    again = StackJobs(archive).get(submission.id)
    assert again["status"] == "split" and again["error"] is None and len(again["parts"]) == 2
    assert not StackJobs(archive).retry(submission.id)  # only a failed stack goes again


@pytest.mark.parametrize("container", ["pdf", "tiff"])
def test_a_stack_split_again_archives_each_record_once(
    archive: Archive, anna: str, tmp_path: Path, container: str
) -> None:
    """A worker lost halfway splits the stack again, and an archivist may upload the same
    stack twice: its parts come out byte for byte the same and are met as duplicates."""
    covers = sheet_images(CoverSheetService(archive).render("04-01", pupil_ids=[anna]), tmp_path)
    record = [scanned(render_page(page_lines(i)), seed=i) for i in range(3)]
    save = save_pdf if container == "pdf" else save_tiff
    path = save([record[0], covers[0], record[1], record[2]], tmp_path / f"пачка.{container}")
    first = StackService(archive).ingest_stack(path)
    again = StackService(archive).ingest_stack(path)
    assert [p.outcome.status for p in first.parts] == ["queued", "queued"]
    assert [p.outcome.status for p in again.parts] == ["duplicate", "duplicate"]
    assert [p.outcome.id for p in again.parts] == [p.outcome.id for p in first.parts]


def test_a_sheet_of_another_school_files_there_for_the_district_and_waits_for_a_school(
    archive: Archive, tmp_path: Path
) -> None:
    from archive_service.catalog import Document
    from archive_service.schools import SchoolService

    schools = SchoolService(archive)
    own, other = schools.id_of(None), schools.add("Лицей № 2")
    sheet = sheet_images(
        CoverSheetService(archive).render(
            "02-01", school_year="2024/2025", class_label="5А", school_id=other
        ),
        tmp_path,
    )
    stack = [sheet[0], scanned(render_page(page_lines(1)), seed=1)]

    as_school = StackService(archive, own, follow_sheets=False).ingest_stack(
        save_pdf(stack, tmp_path / "школа.pdf")
    )
    stack.append(scanned(render_page(page_lines(2)), seed=2))  # another file, not a duplicate
    as_district = StackService(archive, None, follow_sheets=True).ingest_stack(
        save_pdf(stack, tmp_path / "район.pdf")
    )

    (kept,) = as_school.parts
    assert any("другой организации («Лицей № 2»)" in p for p in as_school.problems)
    (moved,) = as_district.parts
    with archive.catalog.session() as s:
        assert s.get(Document, kept.outcome.id).school_id == own  # type: ignore[union-attr]
        assert s.get(Document, moved.outcome.id).school_id == other  # type: ignore[union-attr]
    docs = DocumentService(archive)
    assert docs.get(kept.outcome.id or "")["filing"] is None
    assert docs.get(moved.outcome.id or "")["filing"]["class_label"] == "5А"
