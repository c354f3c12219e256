"""The `archive` command as a user runs it: real processes, a real Celery worker on the
file broker, no server. These are the acceptance contracts of the embedded issue."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.pagegen import born_digital_pdf, page_lines, render_page, save_tiff, scanned

pytestmark = pytest.mark.usefixtures("tesseract")


def run(
    data: Path, *args: str, check: bool = True, settings: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    env.update(settings or {})
    return subprocess.run(
        [sys.executable, "-m", "archive_service.cli", "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=check,
    )


def lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("batch")
    scan = save_tiff(
        [scanned(render_page(page_lines(i)), seed=i, rotate=r) for i, r in enumerate((0, 180))],
        d / "журнал-5А.tiff",
    )
    digital = born_digital_pdf(
        d / "протокол.pdf", [["Протокол итогового собеседования 9 «Б»"], ["Лист 2"]]
    )
    fake = d / "не-pdf.pdf"
    fake.write_text("это не PDF")
    return {"scan": scan, "digital": digital, "fake": fake}


@pytest.fixture(scope="module")
def ingested(
    batch: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[dict], int]:
    data = tmp_path_factory.mktemp("archive") / "data"
    given = [str(batch["scan"]), str(batch["digital"]), str(batch["fake"])]
    proc = run(data, "ingest", *given, "--wait", "--json", check=False)
    return data, lines(proc.stdout), proc.returncode


def test_help_lists_the_commands_without_loading_the_catalog_or_celery() -> None:
    """`archive --help`, a newcomer's first command, loads click and the commands alone:
    not SQLAlchemy, not Celery, which every other command loads (issue 26: under 0.5 s)."""
    out = _in_a_fresh_interpreter(
        "sys.argv = ['archive', '--help']\n"
        "from archive_service.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        f"{PRINT_HEAVY_MODULES}\n"
    )
    assert "ingest" in out and "search" in out and "disposal" in out
    assert out.splitlines()[-1] == "[]"


def test_ingest_wait_starts_its_worker_before_loading_the_catalog_or_celery(
    tmp_path: Path,
) -> None:
    """The worker's own start (~1–2.5 s) runs on the other core while the command loads
    what it uses (issue 26, point 6): nothing heavy is loaded when it is started."""
    page = tmp_path / "page.png"
    page.write_bytes(b"not read: the command stops as its worker would start")
    out = _in_a_fresh_interpreter(
        f"sys.argv = ['archive', '--data-dir', {str(tmp_path / 'data')!r}, 'ingest',"
        f" {str(page)!r}, '--wait']\n"
        "import workers.spawn\n"
        "def started(settings):\n"
        f"    {PRINT_HEAVY_MODULES}\n"
        "    raise SystemExit(0)\n"
        "workers.spawn.start_worker = started\n"
        "from archive_service.cli import main\n"
        "main()\n"
    )
    assert out.splitlines() == ["[]"]


# What a probe prints last: which of the heavy libraries its interpreter has loaded.
PRINT_HEAVY_MODULES = "print(sorted(m for m in ('sqlalchemy', 'celery') if m in sys.modules))"


def _in_a_fresh_interpreter(probe: str) -> str:
    """What `probe` (with `sys` imported) prints, run where nothing is loaded yet."""
    return subprocess.run(
        [sys.executable, "-c", "import sys\n" + probe],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def test_ingest_wait_json_reports_every_file(
    ingested: tuple[Path, list[dict], int], batch: dict[str, Path]
) -> None:
    _, out, code = ingested
    assert [o["file"] for o in out] == [
        str(batch["scan"]),
        str(batch["digital"]),
        str(batch["fake"]),
    ]
    assert [o["status"] for o in out] == ["archived", "archived", "rejected"]
    assert all(set(o) == {"file", "id", "status", "error"} for o in out)
    assert out[0]["id"] and out[1]["id"] and out[2]["id"] is None
    assert out[2]["error"] and "Неподдерживаемый тип" in out[2]["error"]
    assert code == 2  # a rejected file makes the batch exit non-zero


def test_show_json_has_pages_with_source_confidence_rotation(
    ingested: tuple[Path, list[dict], int],
) -> None:
    data, out, _ = ingested
    doc = json.loads(run(data, "show", out[0]["id"], "--json").stdout)
    assert doc["id"] == out[0]["id"] and doc["filename"] == "журнал-5А.tiff"
    assert doc["status"] == "archived" and len(doc["sha256"]) == 64
    assert [p["number"] for p in doc["pages"]] == [1, 2]
    assert [p["rotation"] for p in doc["pages"]] == [0, 180]
    assert {p["source"] for p in doc["pages"]} == {"ocr"}
    assert all(p["confidence"] > 80 and "Классный журнал" in p["text"] for p in doc["pages"])
    digital = json.loads(run(data, "show", out[1]["id"], "--json").stdout)
    assert [p["source"] for p in digital["pages"]] == ["text_layer", "text_layer"]


def test_search_json_groups_pages_per_document(ingested: tuple[Path, list[dict], int]) -> None:
    data, out, _ = ingested
    result = json.loads(run(data, "search", "собеседований", "--json").stdout)
    assert result["total"] == 2
    by_id = {h["id"]: h for h in result["hits"]}
    assert set(by_id) == {out[0]["id"], out[1]["id"]}
    digital = by_id[out[1]["id"]]
    assert set(digital) == {"id", "filename", "title", "score", "pages"}
    assert digital["filename"] == "протокол.pdf" and digital["title"] == "протокол"
    assert [p["number"] for p in digital["pages"]] == [1]
    assert "<mark>собеседования</mark>" in digital["pages"][0]["snippet"]
    limited = json.loads(run(data, "search", "собеседование", "--limit", "1", "--json").stdout)
    assert limited["total"] == 2 and len(limited["hits"]) == 1


def test_search_prints_snippets_as_plain_text(tmp_path: Path) -> None:
    """A terminal shows the page's own characters: no <mark> tags, no «&#34;»."""
    data = tmp_path / "data"
    page = 'Протокол собеседования 9 "А" класса & комиссии'
    pdf = born_digital_pdf(tmp_path / "протокол-9А.pdf", [[page]])
    run(data, "ingest", str(pdf), "--wait")
    said = run(data, "search", "собеседование").stdout.splitlines()
    assert f"  лист 1: {page}" in said


def test_second_ingest_of_same_file_is_a_duplicate(
    ingested: tuple[Path, list[dict], int], batch: dict[str, Path]
) -> None:
    data, out, _ = ingested
    again = lines(run(data, "ingest", str(batch["digital"]), "--json").stdout)
    assert again == [
        {"file": str(batch["digital"]), "id": out[1]["id"], "status": "duplicate", "error": None}
    ]


def test_data_dir_can_come_from_the_environment(ingested: tuple[Path, list[dict], int]) -> None:
    data, out, _ = ingested
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(data)}
    proc = subprocess.run(
        [sys.executable, "-m", "archive_service.cli", "show", out[1]["id"], "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert json.loads(proc.stdout)["id"] == out[1]["id"]


def test_ingest_without_wait_queues_and_a_later_worker_finishes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    pdf = born_digital_pdf(tmp_path / "later.pdf", [["Книга учёта и выдачи аттестатов"]])
    (queued,) = lines(run(data, "ingest", str(pdf), "--json").stdout)
    assert queued["status"] == "queued"
    assert json.loads(run(data, "show", queued["id"], "--json").stdout)["status"] == "queued"
    # --wait on another file starts a worker, which also takes the waiting one.
    other = born_digital_pdf(tmp_path / "other.pdf", [["Алфавитная книга"]])
    run(data, "ingest", str(other), "--wait", "--json")
    assert json.loads(run(data, "show", queued["id"], "--json").stdout)["status"] == "archived"


def test_unknown_document_is_a_clear_error(tmp_path: Path) -> None:
    proc = run(tmp_path / "data", "show", "nope", "--json", check=False)
    assert proc.returncode != 0 and "не найден" in proc.stderr


def test_nomenclature_show_and_export_start_from_the_one_in_force(tmp_path: Path) -> None:
    """With next year's nomenclature approved ahead, `show` and `export` still give this
    year's, the one cases open under; --year gives another; a year not held is refused
    with the years there are."""
    from datetime import date

    from archive_service.services.records.nomenclature import for_year
    from retention.nomenclature import default_nomenclature, dump_yaml

    data, this, ahead = tmp_path / "data", date.today().year, date.today().year + 1
    for year in (this, ahead):
        spec = for_year(default_nomenclature(), year)
        (tmp_path / f"{year}.yaml").write_text(dump_yaml(spec), encoding="utf-8")
        run(data, "nomenclature", "import", str(tmp_path / f"{year}.yaml"))

    shown = run(data, "nomenclature", "show").stdout
    assert shown.startswith(f"Номенклатура дел на {this} год, версия 1\nДействует")
    assert f"вступит в силу 1 января {ahead} года" in shown and "02-01" in shown
    later = run(data, "nomenclature", "show", "--year", str(ahead)).stdout
    assert f"Вступит в силу 1 января {ahead} года" in later
    run(data, "nomenclature", "export", str(tmp_path / "out.yaml"))
    assert (tmp_path / "out.yaml").read_text(encoding="utf-8").startswith(f"year: {this}\n")
    missing = run(data, "nomenclature", "show", "--year", "1999", check=False)
    assert missing.returncode == 1
    assert f"Номенклатуры на 1999 год нет; есть на годы: {ahead}, {this}" in missing.stderr


def test_serve_on_a_busy_port_says_so_without_a_traceback(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = run(tmp_path / "data", "serve", "--port", str(port), "--no-worker", check=False)
    assert proc.returncode == 1
    assert f"Порт {port} на 127.0.0.1 уже занят" in proc.stderr
    assert f"--port {port + 1}" in proc.stderr and "Traceback" not in proc.stderr
    assert "Архив открыт" not in proc.stdout


def test_pupils_find_by_name_in_any_case_and_by_class(tmp_path: Path) -> None:
    data = tmp_path / "data"
    rows = tmp_path / "list.csv"
    rows.write_text(
        "Фамилия;Имя;Отчество;Класс\nКузнецов;Иван;Петрович;9Б\nПетров;Иван;;5А\n"
        "Иванов;Пётр;;10А\n",
        encoding="utf-8",
    )
    run(data, "pupils", "import", str(rows), "--school-year", "2026/2027")
    said = run(data, "pupils", "find", "Ивану").stdout.splitlines()
    assert said[0] == "Найдено: 2 из 3"
    assert [line.split("  ")[1] for line in said[1:]] == ["Кузнецов Иван Петрович", "Петров Иван"]
    found = json.loads(run(data, "pupils", "find", "Ивану", "--class", "5А", "--json").stdout)
    assert found["total"] == 1
    assert found["pupils"][0]["full_name"] == "Петров Иван"
    assert found["pupils"][0]["classes"] == [{"school_year": "2026/2027", "class": "5А"}]


def _filed_essay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """An archive holding one handwritten-looking essay filed under 03-02 for Смирнова
    Анна, 9Б, 2024/2025, its index written: the data directory and the document's id."""
    from archive_service.archive import Archive, NoDispatch
    from archive_service.config import load_settings
    from archive_service.services.pipeline.indexing import IndexingService
    from archive_service.services.records.filing import Filing, FilingService

    data = tmp_path / "data"
    rows = tmp_path / "list.csv"
    rows.write_text("Фамилия;Имя;Класс\nСмирнова;Анна;9Б\n", encoding="utf-8")
    run(data, "pupils", "import", str(rows), "--school-year", "2024/2025")
    essay = born_digital_pdf(tmp_path / "scan-0042.pdf", [["Тма: Челвек и природа"]])
    (shown,) = lines(run(data, "ingest", str(essay), "--wait", "--json").stdout)
    (pupil,) = json.loads(run(data, "pupils", "find", "Смирнова", "--json").stdout)["pupils"]
    for name in [k for k in os.environ if k.startswith("ARCHIVE_")]:
        monkeypatch.delenv(name)  # the archive as the commands above opened it
    archive = Archive.open(load_settings(data), NoDispatch())
    try:
        filing = Filing(
            "03-02",
            title="Итоговое сочинение",
            document_date=date(2024, 12, 4),
            school_year="2024/2025",
            class_label="9Б",
            pupil_ids=[pupil["id"]],
        )
        FilingService(archive).file(shown["id"], filing)
        IndexingService(archive).relay()  # what the worker's relay task does
    finally:
        archive.close()
    return data, str(shown["id"])


def test_search_prints_each_hits_filing_and_says_when_only_the_heading_matched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, document_id = _filed_essay(tmp_path, monkeypatch)
    said = run(data, "search", "сочинение Смирновой").stdout.splitlines()
    at = said.index(f"Итоговое сочинение (scan-0042.pdf) [{document_id}]")
    assert said[at + 1 : at + 3] == [
        "  9Б класс · 2024/2025 уч. год · 04.12.2024 · Смирнова Анна",
        "  найден по названию, имени файла или ФИО обучающихся",
    ]


def test_search_counts_its_facets_under_russian_names_with_readable_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The facets as the search page shows them: a kind by its item's title, a pupil by
    ФИО, not by internal ids, and the internal access facet not at all."""
    data, _ = _filed_essay(tmp_path, monkeypatch)
    said = run(data, "search", "сочинение Смирновой").stdout.splitlines()
    at = said.index("Найдено документов: 1")
    facets = said[at + 1 : said.index("", at)]
    (kind,) = [line for line in facets if line.startswith("  Вид (статья номенклатуры): ")]
    assert kind.startswith("  Вид (статья номенклатуры): 03-02 Итогов") and kind.endswith(" (1)")
    (case,) = [line for line in facets if line.startswith("  Дело: ")]
    assert "Итогов" in case and case.endswith(" (1)")
    assert sorted(line for line in facets if line not in (kind, case)) == [
        "  Класс: 9Б (1)",
        "  Обучающийся: Смирнова Анна (1)",
        "  Учебный год: 2024/2025 (1)",
    ]


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_until_open(data: Path, settings: dict[str, str] | None = None) -> str:
    """What `archive serve` says from its start until the archive is open (or it fails
    with a traceback); the server is stopped then."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    env.update(settings or {})
    command = [sys.executable, "-m", "archive_service.cli", "--data-dir", str(data), "serve"]
    with subprocess.Popen(
        [*command, "--port", str(free_port()), "--no-worker"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    ) as server:
        assert server.stdout is not None
        said = []
        for line in server.stdout:
            said.append(line)
            if line.startswith("Архив открыт") or "Traceback" in line:
                break
        server.terminate()
    return "".join(said)


def test_serve_rebuilds_a_search_index_an_update_left_empty(tmp_path: Path) -> None:
    """A release that changes the stems drops the old SQLite index on open; `archive
    serve` builds it again before the first search, and says so."""
    import sqlite3

    data = tmp_path / "data"
    pdf = born_digital_pdf(tmp_path / "p.pdf", [["Грамота вручена Ивану Смирнову, 9 «Б»"]])
    run(data, "ingest", str(pdf), "--wait")
    with sqlite3.connect(data / "search.sqlite3") as db:  # as an older release left it
        db.execute("PRAGMA user_version = 3")
    said = serve_until_open(data)
    assert "Поисковый индекс пуст, а в архиве документов: 1" in said
    assert "Проиндексировано документов: 1" in said
    # and the stems are the new ones: the name and the surname in another case
    found = json.loads(run(data, "search", "Иван Смирнов", "--json").stdout)
    assert found["total"] == 1


def test_serve_opens_the_archive_when_the_search_index_does_not_answer(tmp_path: Path) -> None:
    """A search server down at start must not keep the archive shut: it opens, says so,
    and search reports its own error until the index answers."""
    dead = free_port()  # nothing listens there: the index is down
    said = serve_until_open(tmp_path / "d", {"ARCHIVE_SEARCH_URL": f"http://127.0.0.1:{dead}/x"})
    assert "Traceback" not in said and "Архив открыт" in said
    assert "Поисковый индекс недоступен" in said and "Архив открывается без поиска" in said


def test_list_counts_each_state_and_retry_failed_queues_them_all(tmp_path: Path) -> None:
    """A scan read with a language Tesseract does not have fails for real; `list
    --status failed` finds it with its reason and `retry --failed`, with the setting put
    right, archives it."""
    data = tmp_path / "data"
    pdf = born_digital_pdf(tmp_path / "p.pdf", [["Книга учёта и выдачи аттестатов"]])
    scan = save_tiff([scanned(render_page(page_lines(1)), seed=1)], tmp_path / "лист.tiff")
    wrong_language = {"ARCHIVE_OCR_LANGUAGES": "xyz"}
    run(data, "ingest", str(pdf), str(scan), "--wait", check=False, settings=wrong_language)
    assert run(data, "list").stdout.startswith("Всего документов: 2 (в архиве: 1, ошибка: 1)\n")
    failed = run(data, "list", "--status", "failed").stdout.splitlines()
    assert failed[0] == "Всего документов: 2 (в архиве: 1, ошибка: 1); в отборе: 1"
    assert "лист.tiff" in failed[1] and "нет языка распознавания «xyz»" in failed[2]
    retried = run(data, "retry", "--failed", "--wait").stdout
    assert retried == "Снова поставлено в очередь документов: 1\nВ архиве: 1, снова с ошибкой: 0\n"
    assert run(data, "list").stdout.startswith("Всего документов: 2 (в архиве: 2)\n")
    neither = run(data, "retry", check=False)
    assert neither.returncode == 2 and "Укажите ID документа или --failed" in neither.stderr
    wrong = run(data, "list", "--status", "lost", check=False)
    assert wrong.returncode == 2 and "failed" in wrong.stderr
