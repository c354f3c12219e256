"""The transfer package: a pupil's personal file leaves one archive as a ZIP in BagIt
layout and arrives in another (same mode, its own servers) with every checksum checked,
the pupil found or registered, and every document filed into their personal file; the
same package twice adds nothing; a tampered package or one from a newer format is
refused whole, naming what is wrong."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import bagit
import pytest

from archive_service.archive import Archive
from archive_service.catalog import Pupil, PupilClass
from archive_service.services.moving.bags import BagError
from archive_service.services.moving.transfer_package import TransferPackages
from archive_service.services.pipeline.documents import DocumentService
from archive_service.services.pipeline.ingest import IngestService
from archive_service.services.records.filing import Filing, FilingService
from archive_service.services.records.pupils import PupilQueries
from tests.pagegen import born_digital_pdf
from tests.roles import World
from workers.context import bind_archive

TITLES = ("Личная карта обучающегося", "Заявление о приёме")


@pytest.fixture
def package(archive: Archive, world: World, tmp_path: Path) -> Path:
    """The pupil's personal file of two documents, written as a transfer package."""
    with archive.catalog.session() as s:
        s.add(PupilClass(pupil_id=world.pupil_other, school_year="2025/2026", class_label="7А"))
    for n, title in enumerate(TITLES):
        pdf = born_digital_pdf(tmp_path / f"лд{n}.pdf", [[title], [f"{title}, лист 2"]])
        outcome = IngestService(archive).ingest_path(pdf)
        assert outcome.id
        FilingService(archive).file(
            outcome.id, Filing("04-01", title=title, pupil_ids=[world.pupil_other])
        )
    out = tmp_path / "пакет.zip"
    assert TransferPackages(archive).write(world.pupil_other, out) == 2
    return out


def _read(target: Archive, source: Archive, path: Path):  # type: ignore[no-untyped-def]
    bind_archive(target)  # the in-process worker works for the receiving archive
    try:
        return TransferPackages(target).read(path)
    finally:
        bind_archive(source)


def _repacked(package: Path, tmp_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path / "unpacked"
    with zipfile.ZipFile(package) as zf:
        zf.extractall(root)
    change(root)
    out = tmp_path / "changed.zip"
    with zipfile.ZipFile(out, "w") as zf:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(root).as_posix())
    return out


def test_the_package_holds_originals_searchable_pdfs_and_their_checksums(
    archive: Archive, world: World, package: Path
) -> None:
    with zipfile.ZipFile(package) as zf:
        names = set(zf.namelist())
        metadata = json.loads(zf.read("data/pupil.json"))
        manifest = zf.read("manifest-sha256.txt").decode()
    assert {"bagit.txt", "bag-info.txt", "tagmanifest-sha256.txt"} <= names
    assert metadata["pupil"]["surname"] == "Кузнецов"
    assert {"school_year": "2025/2026", "class_label": "7А"} in metadata["classes"]
    assert [d["title"] for d in metadata["documents"]] == list(TITLES)
    for doc in metadata["documents"]:
        assert {f"data/{doc['original']}", f"data/{doc['searchable']}"} <= names
        assert f"{doc['sha256']}  data/{doc['original']}" in manifest
        assert doc["kind"] == "04-01" and doc["pages"] == 2


def test_a_package_arrives_filed_in_the_pupils_personal_file_once(
    archive: Archive, receiving: Archive, world: World, package: Path
) -> None:
    first = _read(receiving, archive, package)

    assert first.created and [d["status"] for d in first.documents] == ["queued"] * 2
    (pupil,) = PupilQueries(receiving).all()
    assert pupil.id == first.pupil_id and ("2025/2026", "7А") in pupil.classes
    docs = DocumentService(receiving)
    for outcome, title in zip(first.documents, TITLES, strict=True):
        doc = docs.get(outcome["id"])
        assert doc["status"] == "archived"
        assert doc["filing"]["item_index"] == "04-01" and doc["title"] == title
        assert [p["id"] for p in doc["filing"]["pupils"]] == [first.pupil_id]
    assert docs.unfiled() == []  # nothing left to file by hand

    again = _read(receiving, archive, package)

    assert not again.created and again.pupil_id == first.pupil_id
    assert [d["status"] for d in again.documents] == ["duplicate"] * 2
    with receiving.catalog.session() as s:
        assert s.query(Pupil).count() == 1


def test_a_tampered_package_is_refused_naming_the_file(
    archive: Archive, receiving: Archive, package: Path, tmp_path: Path
) -> None:
    with zipfile.ZipFile(package) as zf:
        original = json.loads(zf.read("data/pupil.json"))["documents"][0]["original"]

    def tamper(root: Path) -> None:
        path = root / "data" / original
        path.write_bytes(path.read_bytes() + b"%")

    with pytest.raises(BagError, match=original.split("/")[1]):
        _read(receiving, archive, _repacked(package, tmp_path, tamper))
    assert PupilQueries(receiving).all() == []  # nothing half-imported


def test_a_package_of_a_newer_format_is_refused(
    archive: Archive, receiving: Archive, package: Path, tmp_path: Path
) -> None:
    def newer(root: Path) -> None:
        path = root / "data" / "pupil.json"
        metadata = json.loads(path.read_text())
        metadata["version"] = 2
        path.write_text(json.dumps(metadata))
        bagit.Bag(str(root)).save(manifests=True)  # a well-made bag, only newer

    with pytest.raises(BagError, match="версии 2"):
        _read(receiving, archive, _repacked(package, tmp_path, newer))
    assert PupilQueries(receiving).all() == []


def test_the_cli_writes_the_package_on_transfer_and_imports_it(
    archive: Archive, world: World, package: Path, tmp_path: Path
) -> None:
    def cli(
        data: Path, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "archive_service.cli", "--data-dir", str(data), *args],
            capture_output=True, text=True, timeout=300, check=False, env=env,
        )  # fmt: skip

    out = tmp_path / "для-школы.zip"
    done = cli(archive.settings.data_dir, "pupils", "transfer", world.pupil_other,
               "--application-date", "02.11.2026", "--applicant", "Кузнецова Мария Петровна",
               "--applicant-document", "паспорт", "--to", "СОШ № 7", "--order", "214",
               "--order-date", "04.11.2026", "--package", str(out), "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["package"] == str(out)

    # The receiving school: an embedded archive of its own, whatever the sender's mode.
    own = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    other = tmp_path / "другая-школа"
    imported = cli(other, "import", str(out), "--wait", "--json", env=own)
    assert imported.returncode == 0, imported.stderr
    answer = json.loads(imported.stdout)
    assert answer["created"] and [d["status"] for d in answer["documents"]] == ["queued"] * 2
    again = cli(other, "import", str(out), "--json", env=own)
    assert [d["status"] for d in json.loads(again.stdout)["documents"]] == ["duplicate"] * 2
    shutil.rmtree(other)


def test_the_secretary_downloads_a_package_and_another_school_receives_it_in_the_ui(
    archive: Archive, receiving: Archive, world: World, package: Path
) -> None:
    from archive_service.accounts import AccountService
    from tests.roles import PASSWORD, client_as
    from web import create_app

    secretary = client_as(archive, "secretary")
    got = secretary.get(f"/pupils/{world.pupil_other}/transfer-package.zip")
    assert got.status_code == 200 and got.mimetype == "application/zip"
    assert got.data.startswith(b"PK")
    assert (
        client_as(archive, "staff")
        .get(f"/pupils/{world.pupil_other}/transfer-package.zip")
        .status_code
        == 404
    )

    AccountService(receiving).create("secretary-b", PASSWORD, "secretary")
    other = create_app(receiving, TESTING=True, WTF_CSRF_ENABLED=False).test_client()
    other.post("/login", data={"username": "secretary-b", "password": PASSWORD})
    bind_archive(receiving)
    try:
        sent = other.post(
            "/pupils/receive",
            data={"package": (io.BytesIO(got.data), "дело.zip")},
            content_type="multipart/form-data",
        )
        basic = base64.b64encode(f"secretary-b:{PASSWORD}".encode()).decode()
        refused = (
            create_app(receiving, TESTING=True)
            .test_client()
            .post(
                "/api/v1/transfer-packages",
                data={"package": (io.BytesIO(b"not a zip"), "x.zip")},
                content_type="multipart/form-data",
                headers={"Authorization": f"Basic {basic}"},
            )
        )
    finally:
        bind_archive(archive)
    (pupil,) = PupilQueries(receiving).all()
    assert sent.status_code == 302 and sent.location.endswith(f"/pupils/{pupil.id}")
    assert refused.status_code == 400 and "не пакет" in refused.get_json()["error"]
    counts = DocumentService(receiving).status_counts()
    assert sum(counts.values()) == 2 and DocumentService(receiving).unfiled() == []
