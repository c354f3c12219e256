"""Rebuild from storage alone: after the catalog and the search index are lost, the
objects in the store give back the documents with their filing, the cases, the pupils,
the nomenclature and the search, row for row, on both modes (issue 25, point 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from archive_service.archive import Archive
from archive_service.catalog import Document, Page, Pupil, PupilClass, School
from archive_service.catalog.models import Base
from archive_service.catalog.rows import to_json
from archive_service.mirror import AGGREGATES, DOCUMENT_CHILDREN
from archive_service.services.admin.rebuild import RebuildError, StorageRebuild
from archive_service.services.pipeline.documents import DocumentService
from archive_service.services.pipeline.ingest import IngestService
from archive_service.services.records.filing import Filing, FilingService
from archive_service.services.records.nomenclature import NomenclatureService
from tests.pagegen import born_digital_pdf
from tests.services import elasticsearch_index, postgres_database

TABLES: list[type[Base]] = [
    *(a.root for a in AGGREGATES),
    *(c for a in AGGREGATES for c, _ in a.children),
    Document,
    Page,
    *DOCUMENT_CHILDREN,
]


def _rows(archive: Archive) -> dict[str, list[dict[str, Any]]]:
    """Every mirrored table's rows, in a stable order."""
    with archive.catalog.session() as s:
        return {
            model.__tablename__: sorted(
                (to_json(r) for r in s.scalars(select(model))),
                key=lambda r: json.dumps(r, sort_keys=True, default=str),
            )
            for model in TABLES
        }


@contextmanager
def _lost_catalog_and_index(archive: Archive, tmp_path: Path) -> Iterator[Archive]:
    """The same store with an empty catalog and an empty index: what is left after
    losing the database server (or file) and the search engine."""
    with ExitStack() as stack:
        if archive.settings.database_url.startswith("sqlite"):
            fresh = tmp_path / "after-loss"
            fresh.mkdir()
            database = f"sqlite:///{fresh / 'catalog.sqlite3'}"
            search = f"sqlite:///{fresh / 'search.sqlite3'}"
        else:
            database = stack.enter_context(postgres_database())
            search = stack.enter_context(elasticsearch_index())
        settings = replace(archive.settings, database_url=database, search_url=search)
        again = Archive.open(settings)
        stack.callback(again.close)
        yield again


@pytest.fixture
def filed_world(archive: Archive, tmp_path: Path) -> dict[str, str]:
    """Two schools (one merged into the other), a pupil with her class, and three
    documents: a personal file's sheet filed with her, a journal filed by year and
    class, and one still waiting to be filed."""
    NomenclatureService(archive).current("Школа № 7")
    with archive.catalog.session() as s:
        school = s.scalars(select(School).where(School.name == "Школа № 7")).one()
        old = School(name="Школа № 3", merged_into_id=school.id)
        s.add(old)
        pupil = Pupil(
            school_id=school.id,
            surname="Смирнова",
            name="Анна",
            patronymic="Петровна",
            birth_date=date(2011, 3, 9),
        )
        s.add(pupil)
        s.flush()
        s.add(PupilClass(pupil_id=pupil.id, school_year="2024/2025", class_label="7Б"))
        anna = pupil.id
    ids = {}
    for name, text in (
        ("card", "Личная карта обучающейся Смирновой Анны"),
        ("journal", "Классный журнал 7 Б класса по алгебре"),
        ("waiting", "Протокол педагогического совета о переводе"),
    ):
        pdf = born_digital_pdf(tmp_path / f"{name}.pdf", [[text]])
        outcome = IngestService(archive, school.id).ingest_path(pdf)
        assert outcome.id is not None
        ids[name] = outcome.id
    filing = FilingService(archive)
    filing.file(ids["card"], Filing("04-01", title="Личная карта", pupil_ids=[anna]))
    filing.file(ids["journal"], Filing("02-01", school_year="2024/2025", class_label="7Б"))
    return ids | {"anna": anna}


def test_a_lost_catalog_and_index_come_back_from_storage_alone(
    archive: Archive, tmp_path: Path, filed_world: dict[str, str]
) -> None:
    before = _rows(archive)
    shown = {k: DocumentService(archive).get(v) for k, v in filed_world.items() if k != "anna"}
    found = [h.id for h in archive.index.search("Смирнова").hits]
    assert found == [filed_world["card"]]  # by the name of her pupil, through the filing

    with _lost_catalog_and_index(archive, tmp_path) as after:
        assert after.index.search("Смирнова").hits == []
        report = StorageRebuild(after).run()

        assert (report.schools, report.pupils, report.documents, report.indexed) == (2, 1, 3, 3)
        assert report.problems == [] and report.orphans == [] and report.without_record == []
        assert _rows(after) == before
        for key, doc_id in filed_world.items():
            if key != "anna":
                assert DocumentService(after).get(doc_id) == shown[key]
        assert [h.id for h in after.index.search("Смирнова").hits] == found
        assert [h.id for h in after.index.search("алгебре").hits] == [filed_world["journal"]]
        # ids go on from where they were: a new school is not given an old one's id
        with after.catalog.session() as s:
            s.add(School(name="Школа № 12"))
            s.flush()
            assert max(s.scalars(select(School.id))) > max(r["id"] for r in before["schools"])
        with pytest.raises(RebuildError, match="Каталог не пуст"):
            StorageRebuild(after).run()


def test_a_refiling_after_archiving_reaches_the_stored_manifest(
    archive: Archive, filed_world: dict[str, str]
) -> None:
    """The manifest follows the catalog: a document filed after it was archived has the
    filing, the case and its pupil by name in its stored record."""
    from archive_service.storage import keys

    manifest = json.loads(archive.store.get_bytes(keys.manifest(filed_world["card"])))
    record = manifest["record"]

    assert record["document"]["case_id"] is not None
    assert record["case"]["title"] == "Личные дела обучающихся: Смирнова Анна"
    assert record["pupils"] == [
        {"id": filed_world["anna"], "name": "Смирнова Анна Петровна", "birth_date": "2011-03-09"}
    ]
    assert record["nomenclature_item"]["index"] == "04-01"
    assert manifest["files"]  # the pipeline's list of files is kept as it was
    waiting = json.loads(archive.store.get_bytes(keys.manifest(filed_world["waiting"])))
    assert waiting["record"]["document"]["case_id"] is None


def test_the_cli_rebuilds_a_deleted_catalog_and_says_what_came_back(tmp_path: Path) -> None:
    embedded = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "archive_service.cli", "--data-dir", str(data), *args],
            capture_output=True, text=True, timeout=300, check=False, env=embedded,
        )  # fmt: skip

    data = tmp_path / "data"
    pdf = born_digital_pdf(tmp_path / "p.pdf", [["Протокол итогового собеседования"]])
    taken = json.loads(cli("ingest", str(pdf), "--wait", "--json").stdout)
    shown = json.loads(cli("show", taken["id"], "--json").stdout)
    for name in ("catalog.sqlite3", "search.sqlite3"):
        for path in data.glob(f"{name}*"):
            path.unlink()

    rebuilt = cli("rebuild", "--from-storage", "--json")

    assert rebuilt.returncode == 0, rebuilt.stderr
    report = json.loads(rebuilt.stdout)
    assert (report["documents"], report["indexed"]) == (1, 1)
    assert json.loads(cli("show", taken["id"], "--json").stdout) == shown
    found = json.loads(cli("search", "собеседования", "--json").stdout)
    assert [h["id"] for h in found["hits"]] == [taken["id"]]
    again = cli("rebuild", "--from-storage")
    assert again.returncode == 1 and "Каталог не пуст" in again.stderr
    neither = cli("rebuild")
    assert neither.returncode == 2 and "--from-storage" in neither.stderr


def test_the_daily_pass_writes_what_the_store_missed_and_nothing_else(
    archive: Archive, filed_world: dict[str, str]
) -> None:
    """What the store did not take while it was away (here: removed from it) is written
    by the daily task; a second pass finds everything in place and writes nothing."""
    from archive_service.mirror import CatalogMirror, row_key
    from archive_service.storage import keys
    from workers.tasks import mirror_catalog

    card = keys.manifest(filed_world["card"])
    manifest = json.loads(archive.store.get_bytes(card))
    del manifest["record"]
    archive.store.put_bytes(card, json.dumps(manifest).encode())
    assert archive.store.delete_prefix("catalog/pupils/") == 1

    assert mirror_catalog.apply().state == "SUCCESS"  # eager: run here, in this process

    assert (
        json.loads(archive.store.get_bytes(card))["record"]["pupils"][0]["id"]
        == (filed_world["anna"])
    )
    pupil = json.loads(archive.store.get_bytes(row_key("pupils", filed_world["anna"])))
    assert pupil["pupil_classes"][0]["class_label"] == "7Б"
    again = CatalogMirror(archive.store).write_all(archive.catalog.session_factory)
    assert again.written == 0 and again.checked >= 7
