"""The disposal path as scripts drive it, in each mode: `archive disposal draft`,
`review`, `approve` (never by the drafter) and `execute --wait`, then `archive show`
answers a stub and `archive search` finds none of its words; the papers come out as
PDF and XLSX."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from archive_service.accounts import AccountService
from archive_service.archive import Archive
from archive_service.services.records.filing import Filing
from tests.disposal_world import file_document
from workers.liveness import worker_running


def start_worker(data: str) -> subprocess.Popen[bytes]:
    """`archive worker` as a scaled deployment runs it, ready when it holds its lock."""
    from archive_service.config import load_settings

    worker = subprocess.Popen(
        [sys.executable, "-m", "archive_service.cli", "--data-dir", data, "worker"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while not worker_running(load_settings(data).run_dir):
        assert worker.poll() is None and time.monotonic() < deadline, "the worker did not start"
        time.sleep(0.2)
    return worker


def test_scripts_draft_review_approve_and_execute_an_act(archive: Archive, tmp_path: Path) -> None:
    doc_case = file_document(
        archive, tmp_path, "журнал Отжившееслово", Filing("02-01", school_year="2019/2020")
    )
    accounts = AccountService(archive)
    accounts.create("ivanova", "пароль-хранителя", "retention_officer")
    accounts.create("petrov", "пароль-директора", "director")
    data = str(archive.settings.data_dir)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        """The CLI in the test's mode: the fixture put its servers' URLs in the environment."""
        return subprocess.run(
            [sys.executable, "-m", "archive_service.cli", "--data-dir", data, *args],
            capture_output=True, text=True, check=False, timeout=300,
        )  # fmt: skip

    refused = run("disposal", "draft", "--year", "2026", "--as", "petrov")
    assert refused.returncode == 1 and "не может составлять акты" in refused.stderr
    drafted = json.loads(
        run("disposal", "draft", "--year", "2026", "--as", "ivanova", "--json").stdout
    )
    act_id = drafted["act_id"]
    assert [c["case_id"] for c in drafted["cases"]] == [doc_case]
    bad_date = run(
        "disposal",
        "review",
        str(act_id),
        "--protocol",
        "5",
        "--date",
        "2026-11-20",
        "--as",
        "ivanova",
    )
    assert bad_date.returncode == 1 and "ДД.ММ.ГГГГ" in bad_date.stderr
    assert (
        run(
            "disposal",
            "review",
            str(act_id),
            "--protocol",
            "5",
            "--date",
            "20.11.2026",
            "--as",
            "ivanova",
        ).returncode
        == 0
    )
    own = run("disposal", "approve", str(act_id), "--as", "ivanova")
    assert own.returncode == 1 and "не может утверждать" in own.stderr
    unapproved = run("disposal", "execute", str(act_id))
    assert unapproved.returncode == 1 and "не утверждён" in unapproved.stderr
    assert run("disposal", "approve", str(act_id), "--as", "petrov").returncode == 0
    twice = run("disposal", "approve", str(act_id), "--as", "petrov")
    assert twice.returncode == 1 and "уже утверждён" in twice.stderr

    # embedded: the command starts a worker of its own; scaled: workers run beside it
    worker = None if archive.settings.embedded_broker else start_worker(data)
    try:
        done = run("disposal", "execute", str(act_id), "--as", "ivanova", "--wait", "--json")
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "executed"
    with archive.catalog.session() as s:
        from sqlalchemy import select

        from archive_service.catalog import Document

        doc_id = s.scalars(select(Document.id).where(Document.case_id == doc_case)).one()
    shown = json.loads(run("show", doc_id, "--json").stdout)
    assert shown["status"] == "destroyed" and shown["act_id"] == act_id and shown["pages"] == []
    found = json.loads(run("search", "Отжившееслово", "--json").stdout)
    assert found["total"] == 0
    for args, magic in (
        (["--format", "pdf"], b"%PDF"),
        (["--format", "xlsx", "--personal-data"], b"PK"),
        (["--format", "pdf", "--inventory"], b"%PDF"),
    ):
        out = tmp_path / "paper"
        assert run("disposal", "act", str(act_id), *args, "-o", str(out)).returncode == 0
        assert out.read_bytes().startswith(magic)
