"""A school's whole archive exported as a BagIt bag and imported into another deployment
of the same mode: its cases, pupils, filings, holds and originals arrive, search finds
its records there, a damaged bag is refused whole, and an import cut short is finished
by running it again."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archive_service.archive import Archive
from archive_service.schools import SchoolError, SchoolService
from archive_service.services.disposal.holds import HoldService
from archive_service.services.moving.bags import BagError
from archive_service.services.moving.school_bag import SchoolExport, SchoolImport
from archive_service.services.pipeline.documents import DocumentService
from archive_service.services.pipeline.ingest import IngestService
from archive_service.services.records.filing import Filing, FilingService
from archive_service.services.records.pupils import PupilQueries, PupilService
from intake.class_list import read_class_list
from tests.pagegen import born_digital_pdf
from workers.context import bind_archive

LYCEUM = "Лицей № 2"
CLASS_LIST = "Фамилия;Имя;Отчество;Класс\nКузнецов;Иван;Петрович;9Б\nОрлова;Мария;;9Б\n"


@dataclasses.dataclass
class Lyceum:
    school_id: int
    journal: str
    personal: str
    pupil: str
    journal_case: int


@pytest.fixture
def lyceum(archive: Archive, tmp_path: Path) -> Lyceum:
    """A second school of the source archive with a journal, a personal file and a hold
    (the archive's own school has a record too, which must not travel)."""
    schools = SchoolService(archive)
    schools.id_of(None)  # the archive's own school comes first
    school_id = schools.add(LYCEUM)
    rows, _ = read_class_list(CLASS_LIST.encode(), "2024/2025")
    PupilService(archive).import_rows(rows, LYCEUM)
    pupil = next(p.id for p in PupilQueries(archive).all() if p.full_name.startswith("Кузнецов"))
    ingest = IngestService(archive, school_id)
    journal = ingest.ingest_path(
        born_digital_pdf(tmp_path / "j.pdf", [["Классный журнал 9Б", "Кузнецов Иван контрольная"]])
    ).id
    personal = ingest.ingest_path(
        born_digital_pdf(tmp_path / "p.pdf", [["Личное дело обучающегося Кузнецова Ивана"]])
    ).id
    assert journal and personal
    filing = FilingService(archive)
    case = filing.file(journal, Filing("02-01", school_year="2024/2025", class_label="9Б"))
    filing.file(personal, Filing("04-01", pupil_ids=[pupil]))
    HoldService(archive).add(
        reason="проверка прокуратуры", by="retention", pupil_id=pupil, school_id=school_id
    )
    own = IngestService(archive).ingest_path(born_digital_pdf(tmp_path / "o.pdf", [["Своё"]]))
    assert own.status == "queued"
    return Lyceum(school_id, journal, personal, pupil, case)


def _import(target: Archive, source: Archive, bag: Path, **kwargs: object):  # type: ignore[no-untyped-def]
    """Import with the in-process worker bound to the receiving archive, then back."""
    bind_archive(target)
    try:
        return SchoolImport(target).run(bag, **kwargs)  # type: ignore[arg-type]
    finally:
        bind_archive(source)


def test_a_school_moves_to_another_deployment_whole(
    archive: Archive, receiving: Archive, lyceum: Lyceum, tmp_path: Path
) -> None:
    bag = tmp_path / "bag"
    exported = SchoolExport(archive).run(lyceum.school_id, bag)

    assert (exported.documents, exported.pupils, exported.destroyed) == (2, 2, 0)
    payload = sorted(p.name for p in (bag / "data" / "originals").iterdir())
    assert payload == sorted([f"{lyceum.journal}.pdf", f"{lyceum.personal}.pdf"])
    assert "Source-Organization: Лицей № 2" in (bag / "bag-info.txt").read_text()

    report = _import(receiving, archive, bag)

    assert report.problems == [] and report.documents == 2
    docs = DocumentService(receiving)
    journal = docs.get(lyceum.journal)
    assert journal["status"] == "archived"  # read again by the receiving pipeline
    assert journal["filing"]["class_label"] == "9Б"
    assert journal["filing"]["case_title"] == "Классные журналы, 2024/2025 учебный год"
    personal = docs.get(lyceum.personal)["filing"]
    assert personal["pupils"][0]["name"] == "Кузнецов Иван Петрович"
    assert {s.name for s in SchoolService(receiving).all()} >= {LYCEUM}
    holds = HoldService(receiving).all()
    assert [(h.school_id, h.pupil_id, h.reason) for h in holds] == [
        (report.school_id, lyceum.pupil, "проверка прокуратуры")
    ]
    hits = receiving.index.search("контрольная")
    assert [h.id for h in hits.hits] == [lyceum.journal]
    events = [e["kind"] for e in docs.get(lyceum.journal)["events"]]
    assert "filed" in events and "imported" in events


def test_a_damaged_bag_is_refused_whole_and_nothing_is_taken_in(
    archive: Archive, receiving: Archive, lyceum: Lyceum, tmp_path: Path
) -> None:
    bag = tmp_path / "bag"
    SchoolExport(archive).run(lyceum.school_id, bag)
    original = bag / "data" / "originals" / f"{lyceum.journal}.pdf"
    original.write_bytes(original.read_bytes() + b"%")

    with pytest.raises(BagError, match="Пакет повреждён"):
        _import(receiving, archive, bag)

    assert [s.name for s in SchoolService(receiving).all()] == []
    with pytest.raises(BagError, match="не пуста"):
        SchoolExport(archive).run(lyceum.school_id, bag)


def test_an_import_cut_short_is_finished_by_running_it_again(
    archive: Archive, receiving: Archive, lyceum: Lyceum, tmp_path: Path
) -> None:
    bag = tmp_path / "bag"
    SchoolExport(archive).run(lyceum.school_id, bag)
    catalog = json.loads((bag / "data" / "school.json").read_text())
    order = [d["id"] for d in catalog["documents"]]

    def cut(done: int, total: int) -> None:
        raise KeyboardInterrupt  # the operator's Ctrl-C after the first document

    with pytest.raises(KeyboardInterrupt):
        _import(receiving, archive, bag, progress=cut)
    with pytest.raises(SchoolError, match="уже есть"):
        _import(receiving, archive, bag)

    report = _import(receiving, archive, bag, resume=True)

    assert report.problems == [] and report.documents == 2
    docs = DocumentService(receiving)
    for doc_id in order:
        events = [e["kind"] for e in docs.get(doc_id)["events"]]
        assert events.count("imported") == 1


def test_the_cli_exports_and_imports_a_school(tmp_path: Path) -> None:
    source, target, bag = tmp_path / "source", tmp_path / "target", tmp_path / "bag"

    def run(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "archive_service.cli", "--data-dir", str(data), *args],
            capture_output=True,
            text=True,
            timeout=300,
        )

    assert run(source, "schools", "add", LYCEUM).returncode == 0
    pdf = born_digital_pdf(tmp_path / "j.pdf", [["Протокол экзамена по алгебре"]])
    assert run(source, "ingest", "--wait", "--school", LYCEUM, str(pdf)).returncode == 0

    exported = run(source, "schools", "export", LYCEUM, str(bag), "--json")
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["documents"] == 1
    digest = hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert digest in (bag / "manifest-sha256.txt").read_text()

    imported = run(target, "schools", "import", str(bag), "--json")
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["documents"] == 1
    again = run(target, "schools", "import", str(bag))
    assert again.returncode == 1 and "уже есть" in again.stderr
    shutil.rmtree(bag / "data" / "originals")
    broken = run(target, "schools", "import", str(bag), "--name", "Другая")
    assert broken.returncode == 1 and "Пакет повреждён" in broken.stderr
