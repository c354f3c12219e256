"""The audit log: append-only in the database itself, and any tampering found by verify."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from archive_service.archive import Archive
from archive_service.services.admin.audit import CLI_ACTOR, Actor, AuditService

TEACHER = Actor("ivanova", "staff", "10.0.0.7")


def filled(archive: Archive) -> AuditService:
    audit = AuditService(archive)
    for n in range(5):
        audit.record(TEACHER, "view", f"document:{n}")
    audit.record(CLI_ACTOR, "download", "document:2", detail="original")
    return audit


def test_an_intact_log_verifies(archive: Archive) -> None:
    report = filled(archive).verify()
    assert (report.rows, report.broken_at) == (6, None)


def test_who_saw_a_record_and_what_a_user_saw(archive: Archive) -> None:
    audit = filled(archive)
    assert [(e.actor, e.action) for e in audit.find(target="document:2")] == [
        ("ivanova", "view"),
        ("cli-admin", "download"),
    ]
    seen = [e.target for e in audit.find(actor="ivanova")]
    assert seen == [f"document:{n}" for n in range(5)]
    assert audit.find(actor="ivanova")[0].address == "10.0.0.7"


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"])
def test_the_database_refuses_to_change_the_log(archive: Archive, statement: str) -> None:
    filled(archive)
    with pytest.raises(DBAPIError, match="append-only"), archive.catalog.session() as s:
        s.execute(text(statement))
    assert AuditService(archive).verify().broken_at is None


def _without_guard(archive: Archive, statement: str) -> None:
    """What someone with the database's own rights could still do: drop the guard."""
    with archive.catalog.session() as s:
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            s.execute(text(statement))
            s.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
        else:
            s.execute(text("DROP TRIGGER audit_log_no_update"))
            s.execute(text("DROP TRIGGER audit_log_no_delete"))
            s.execute(text(statement))


def test_a_changed_row_is_found(archive: Archive) -> None:
    audit = filled(archive)
    _without_guard(archive, "UPDATE audit_log SET target = 'document:9' WHERE id = 3")
    report = audit.verify()
    assert (report.broken_at, report.reason) == (3, "запись изменена")


def test_a_removed_row_is_found(archive: Archive) -> None:
    audit = filled(archive)
    _without_guard(archive, "DELETE FROM audit_log WHERE id = 2")
    report = audit.verify()
    assert report.broken_at == 3
    assert report.reason == "предыдущая запись удалена или вставлена чужая"


def test_an_inserted_row_is_found(archive: Archive) -> None:
    filled(archive)
    _without_guard(
        archive,
        "INSERT INTO audit_log (at, actor, role, address, action, target, outcome, detail, "
        "prev_hash, hash) SELECT at, 'ghost', role, address, action, target, outcome, "
        "detail, prev_hash, hash FROM audit_log WHERE id = 4",
    )
    assert AuditService(archive).verify().broken_at is not None


def test_concurrent_writers_keep_one_chain(archive: Archive) -> None:
    audit = AuditService(archive)
    barrier = threading.Barrier(6)

    def write(n: int) -> None:
        barrier.wait()
        for i in range(5):
            audit.record(TEACHER, "view", f"document:{n}-{i}")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report = audit.verify()
    assert (report.rows, report.broken_at) == (30, None)


def test_web_views_downloads_and_filing_are_recorded(archive: Archive, tmp_path: Path) -> None:
    from archive_service.accounts import AccountService
    from archive_service.services.pipeline.ingest import IngestService
    from tests.pagegen import born_digital_pdf
    from web import create_app

    AccountService(archive).create("sekretar", "пароль-секретаря", "administrator")
    client = create_app(archive, TESTING=True, WTF_CSRF_ENABLED=False).test_client()
    client.post("/login", data={"username": "sekretar", "password": "пароль-секретаря"})
    pdf = born_digital_pdf(tmp_path / "рег.pdf", [["Журнал регистрации"]])
    doc = IngestService(archive).ingest_path(pdf).id
    client.get(f"/documents/{doc}")
    client.get(f"/documents/{doc}/download/original")
    client.post(f"/documents/{doc}/file", data={"item_index": "02-08"})
    client.get(f"/api/v1/documents/{doc}", environ_base={"REMOTE_ADDR": "192.0.2.5"})
    rows = AuditService(archive).find(target=f"document:{doc}")
    assert [(e.actor, e.role, e.action, e.detail) for e in rows] == [
        ("sekretar", "administrator", "view", ""),
        ("sekretar", "administrator", "download", "original"),
        ("sekretar", "administrator", "change", "подшит: 02-08"),
        ("sekretar", "administrator", "view", ""),
    ]
    assert rows[-1].address == "192.0.2.5"
    assert AuditService(archive).verify().broken_at is None


def test_cli_show_is_recorded_as_the_local_administrator_and_verify_says_so(
    tmp_path: Path,
) -> None:
    import os
    import subprocess
    import sys

    from tests.pagegen import born_digital_pdf

    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "archive_service.cli", "--data-dir", str(data), *args],
            capture_output=True, text=True, timeout=300, env=env,
        )  # fmt: skip

    pdf = born_digital_pdf(tmp_path / "п.pdf", [["Протокол"]])
    doc = cli("ingest", str(pdf), "--wait", "--json").stdout.split('"id": "')[1][:32]
    cli("show", doc)
    shown = cli("audit", "show", "--target", f"document:{doc}").stdout
    assert "cli-admin (administrator, cli) create" in shown.splitlines()[0]
    assert "cli-admin (administrator, cli) view" in shown.splitlines()[1]
    ok = cli("audit", "verify")
    assert ok.returncode == 0 and "Журнал цел: записей 2" in ok.stdout
