"""The archivist's day in a real browser: Debian's Chromium driven by Playwright against
`archive serve` (web, API and a real Celery worker), with nothing faked."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.needs import require
from tests.pagegen import born_digital_pdf, page_lines, render_page, save_tiff, scanned

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("tesseract")]

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """`archive serve` on a fresh data directory: its address, the first administrator's
    password, and the data directory (for the CLI to add people beside it)."""
    data = tmp_path_factory.mktemp("served") / "data"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "archive_service.cli",
            "--data-dir",
            str(data),
            "serve",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    password = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if match := re.search(r"пароль: (\S+)", line):
            password = match.group(1)
        if "Архив открыт" in line:
            break
    assert password, "serve printed no first administrator password"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}", password, data
    finally:
        proc.terminate()
        proc.wait(60)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    require(Path(chromium).exists(), "chromium (Debian package)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()


def sign_in(page: Any, url: str, password: str, username: str = "admin") -> None:
    """Through the sign-in form; by default as the first administrator, whose password
    `archive serve` printed."""
    page.goto(url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_upload_watch_progress_search_and_open(
    server: tuple[str, str, Path], browser: object, tmp_path: Path
) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    url, password, _ = server
    scan = save_tiff(
        [scanned(render_page(page_lines(i)), seed=i, rotate=90 * (i % 2)) for i in range(3)],
        tmp_path / "журнал 5А.tiff",
    )
    digital = born_digital_pdf(
        tmp_path / "протокол.pdf", [["Протокол итогового собеседования по русскому языку"]]
    )

    page = browser.new_page(locale="ru-RU")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(url + "/documents")
    expect(page).to_have_url(re.compile(r"/login"))
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Документы")

    not_a_scan = tmp_path / "заметки.png"
    not_a_scan.write_bytes(b"not an image at all")
    page.click("text=Загрузить")
    page.set_input_files("input[type=file]", [str(scan), str(digital), str(not_a_scan)])
    page.click("form.upload button[type=submit]")
    expect(page.locator("table.outcomes tr.queued")).to_have_count(2)
    refused = page.locator("table.outcomes tr.refused")  # a row of its own, marked
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("заметки.png")
    expect(refused.locator(".badge")).to_have_text("отклонён")

    page.click("text=К списку документов")
    rows = page.locator("table.documents tr[data-id]")
    expect(rows).to_have_count(2)
    # The list updates itself (app.js polls the API) until both are archived.
    expect(page.locator("table.documents .badge.archived")).to_have_count(2, timeout=120_000)
    # the tabs follow the same answers: both counted in «В архиве», none left in the queue
    expect(page.locator("nav.tabs [data-tab=archived]")).to_have_text("2")
    expect(page.locator("nav.tabs a", has_text="В очереди")).to_be_hidden()
    expect(rows.filter(has_text="журнал 5А.tiff").locator(".count")).to_have_text("3 из 3")
    page.screenshot(path=str(tmp_path / "documents.png"), full_page=True)

    page.fill("header input[name=q]", "собеседований")
    page.press("header input[name=q]", "Enter")
    expect(page.locator(".total")).to_have_text("Найдено документов: 2")
    expect(page.locator(".snippet mark").first).to_be_visible()
    page.screenshot(path=str(tmp_path / "search.png"), full_page=True)

    page.locator(".hit-title", has_text="журнал 5А").click()
    expect(page.locator("section.page")).to_have_count(3)
    expect(page.locator("#page-2 h2")).to_contain_text("повёрнут на 90°")
    expect(page.locator("#page-2 .page-text")).to_contain_text("Классный журнал")
    assert page.locator("#page-2 img").evaluate("img => img.naturalWidth") > 0
    with page.expect_download() as download:
        page.click("text=Скачать PDF с текстовым слоем")
    assert download.value.suggested_filename == "журнал 5А.searchable.pdf"
    page.screenshot(path=str(tmp_path / "document.png"), full_page=True)
    assert errors == []
    shots = os.environ.get("ARCHIVE_SCREENSHOTS")
    if shots:
        for name in ("documents.png", "search.png", "document.png"):
            shutil.copy(tmp_path / name, Path(shots) / name)


def test_class_list_filing_from_proposals_and_facets(
    server: tuple[str, str, Path], browser: object, tmp_path: Path
) -> None:
    """The archivist loads a class list, checks what the worker proposed for a protocol
    (seeing the words each proposal came from), files it, and finds it by pupil."""
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    url, password, _ = server
    class_list = tmp_path / "9Б.csv"
    class_list.write_bytes(
        "Фамилия;Имя;Отчество;Класс\nФёдорова;Ольга;Игоревна;9Б\n".encode("cp1251")
    )
    protocol = born_digital_pdf(
        tmp_path / "собеседование-9Б.pdf",
        [["ПРОТОКОЛ", "итогового собеседования по русскому языку", "9 «Б» класс, 2024/2025",
          "Фёдорова Ольга Игоревна — зачёт"]],
    )  # fmt: skip
    page = browser.new_page(locale="ru-RU")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, url, password)

    page.click("nav >> text=Обучающиеся")
    page.set_input_files("input[name=file]", str(class_list))
    page.fill("input[name=school_year]", "2024/2025")
    page.click("form.upload button[type=submit]")
    expect(page.locator("table.pupils")).to_contain_text("Фёдорова Ольга Игоревна")

    page.click("nav >> text=Загрузить")
    page.set_input_files("input[type=file]", str(protocol))
    page.click("form.upload button[type=submit]")
    page.locator("table.outcomes a").click()
    expect(page.locator(".badge.archived")).to_be_visible(timeout=120_000)
    page.reload()
    expect(page.locator("select[name=item_index]")).to_have_value("03-04")
    expect(page.locator("input[name=school_year]")).to_have_value("2024/2025")
    expect(page.locator("input[name=class_label]")).to_have_value("9Б")
    expect(page.locator("fieldset")).to_contain_text("«Фёдорова Ольга Игоревна», лист 1")
    page.fill("input[name=document_date]", "2025-02-12")
    page.click("text=Подшить в дело")
    expect(page.locator("p.filed")).to_contain_text("Протоколы итогового собеседования")
    page.screenshot(path=str(tmp_path / "filed.png"), full_page=True)

    page.fill("header input[name=q]", "собеседование")
    page.press("header input[name=q]", "Enter")
    page.locator(".facets a", has_text="Фёдорова Ольга Игоревна").click()
    expect(page.locator(".filters")).to_contain_text("Обучающийся: Фёдорова Ольга Игоревна")
    expect(page.locator(".total")).to_have_text("Найдено документов: 1")

    # the secretary finds the pupil by name as it came to her, and the protocol is filed
    page.click("nav >> text=Обучающиеся")
    expect(page.locator("details.class-list")).not_to_have_attribute("open", "")
    page.fill("form.find-pupil input[name=q]", "Фёдоровой Ольге")
    page.press("form.find-pupil input[name=q]", "Enter")
    expect(page.locator("p.count")).to_have_text("Найдено: 1 из 1")
    page.click("table.pupils >> text=Фёдорова Ольга Игоревна")
    expect(page.locator("ul.pupil-documents")).to_contain_text("2024/2025")
    assert errors == []


def test_a_stack_is_split_by_the_worker_while_its_page_shows_the_progress(
    server: tuple[str, str, Path], browser: object, tmp_path: Path
) -> None:
    """The archivist uploads a scanned stack; the answer comes at once with the stack's
    page, which follows the worker until the stack is split and lists its parts."""
    import pypdfium2 as pdfium
    from playwright.sync_api import Browser, expect

    from intake.cover_sheet import CoverPayload, CoverSheet, render_cover_sheets
    from tests.pagegen import save_pdf

    assert isinstance(browser, Browser)
    url, password, _ = server
    sheet_pdf = tmp_path / "лист.pdf"
    sheet_pdf.write_bytes(
        render_cover_sheets([CoverSheet(CoverPayload("02-08"), ["Журнал регистрации"])])
    )
    doc = pdfium.PdfDocument(sheet_pdf)
    sheet = scanned(doc[0].render(scale=300 / 72, grayscale=True).to_pil().convert("L"), seed=5)
    doc.close()
    pages = [scanned(render_page(page_lines(i)), seed=i) for i in range(10, 13)]
    stack = save_pdf([pages[0], sheet, pages[1], pages[2]], tmp_path / "пачка регистрации.pdf")

    page = browser.new_page(locale="ru-RU")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    sign_in(page, url, password)
    page.click("nav >> text=Загрузить")
    page.set_input_files("input[type=file]", str(stack))
    page.check("input[name=stack]")
    page.click("form.upload button[type=submit]")

    expect(page).to_have_url(re.compile(r"/stacks/[0-9a-f]{32}$"))
    expect(page.locator("h1")).to_contain_text("пачка регистрации.pdf")
    # app.js polls the API and reloads the page once the worker has split the stack.
    expect(page.locator(".meta .badge")).to_have_text("разделена", timeout=120_000)
    expect(page.locator(".meta .count")).to_have_text("4 из 4")
    parts = page.locator("table.outcomes tbody tr")
    expect(parts).to_have_count(2)
    expect(parts.nth(0)).to_contain_text("ждёт подшивки")
    expect(parts.nth(1)).to_contain_text("по титульному листу")
    # The parts' documents are read meanwhile; their badges follow without a reload.
    expect(parts.locator(".badge.archived")).to_have_count(2, timeout=120_000)
    page.screenshot(path=str(tmp_path / "stack.png"), full_page=True)
    page.click("text=Все пачки")
    expect(page.locator("table.outcomes")).to_contain_text("пачка регистрации.pdf")
    page.go_back()
    parts.nth(1).locator("a").first.click()
    expect(page.locator("dl.meta")).to_contain_text("пачка регистрации — листы 3–4.pdf")
    assert errors == []


def add_person(data: Path, name: str, role: str) -> str:
    """An account made with the CLI beside the running server; returns its password."""
    made = subprocess.run(
        [sys.executable, "-m", "archive_service.cli", "--data-dir", str(data),
         "users", "add", name, "--role", role],
        capture_output=True, text=True, check=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")},
    )  # fmt: skip
    match = re.search(r"показывается один раз\): (\S+)", made.stdout)
    assert match, made.stdout
    return match.group(1)


def test_the_retention_officer_holds_a_due_case_and_lifts_the_hold(
    server: tuple[str, str, Path], browser: object, tmp_path: Path
) -> None:
    """A 2019/2020 journal is filed; the retention officer finds it due this year, holds
    it from its case page, sees it held back with the reason, and lifts the hold; the
    director reads the same list without the means to hold anything."""
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    url, password, data = server
    journal = born_digital_pdf(tmp_path / "журнал-2019.pdf", [["Классный журнал 7В, 2019/2020"]])
    page = browser.new_page(locale="ru-RU")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, url, password)
    page.click("nav >> text=Загрузить")
    page.set_input_files("input[type=file]", str(journal))
    page.click("form.upload button[type=submit]")
    page.locator("table.outcomes a").click()
    expect(page.locator(".badge.archived")).to_be_visible(timeout=120_000)
    page.reload()
    page.select_option("select[name=item_index]", "02-01")
    page.fill("input[name=school_year]", "2019/2020")
    page.click("text=Подшить в дело")
    expect(page.locator("p.filed")).to_contain_text("Классные журналы")
    page.close()

    officer = browser.new_page(locale="ru-RU")
    officer.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(officer, url, add_person(data, "officer", "retention_officer"), "officer")
    officer.click("nav >> text=Сроки хранения")
    due = officer.locator("table.due tbody tr")
    expect(due).to_have_count(1)
    expect(due).to_contain_text("Классные журналы, 2019/2020 учебный год")
    expect(due).to_contain_text("хранить до 31.12.2025")
    due.locator("a").click()
    expect(officer.locator("dl.retention")).to_contain_text("2025-12-31")
    officer.fill("#hold-case input[name=reason]", "запрос прокуратуры № 12")
    officer.click("#hold-case button")
    expect(officer.locator("p.flash.info")).to_contain_text("Уничтожение приостановлено")
    expect(officer.locator("dl.retention")).to_contain_text("запрос прокуратуры № 12")
    officer.click("nav >> text=Сроки хранения")
    expect(officer.locator("table.due")).to_have_count(0)
    held = officer.locator('table.held-back tr[data-reason="hold"]')
    expect(held).to_contain_text("запрос прокуратуры № 12")
    officer.click("text=Приостановки уничтожения")
    officer.fill("table.holds input[name=reason]", "запрос исполнен")
    officer.click("table.holds button")
    expect(officer.locator("table.holds")).to_contain_text("запрос исполнен")
    officer.click("nav >> text=Сроки хранения")
    expect(officer.locator("table.due tbody tr")).to_have_count(1)
    officer.screenshot(path=str(tmp_path / "retention.png"), full_page=True)

    director = browser.new_page(locale="ru-RU")
    sign_in(director, url, add_person(data, "director", "director"), "director")
    director.click("nav >> text=Сроки хранения")
    expect(director.locator("table.due tbody tr")).to_have_count(1)
    director.click("text=Приостановки уничтожения")
    expect(director.locator("#new-hold")).to_have_count(0)
    expect(director.locator("table.holds")).to_contain_text("запрос исполнен")
    assert errors == []


def test_the_officer_drafts_the_director_approves_and_every_copy_is_destroyed(
    server: tuple[str, str, Path], browser: object, tmp_path: Path
) -> None:
    """An old exam protocol is due: the retention officer drafts the act and records the
    commission's decision, the director approves it («УТВЕРЖДАЮ»), the officer has the
    worker destroy every copy; the document is a stub and no search finds it."""
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    url, password, data = server
    protocol = born_digital_pdf(tmp_path / "протокол-2018.pdf", [["Протокол Ветхийпротокол 2018"]])
    errors: list[str] = []

    def person(name: str, secret: str) -> Any:
        page = browser.new_page(locale="ru-RU")
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        sign_in(page, url, secret, name)
        return page

    admin = browser.new_page(locale="ru-RU")
    sign_in(admin, url, password)
    admin.click("nav >> text=Загрузить")
    admin.set_input_files("input[type=file]", str(protocol))
    admin.click("form.upload button[type=submit]")
    admin.locator("table.outcomes a").click()
    expect(admin.locator(".badge.archived")).to_be_visible(timeout=120_000)
    document_url = admin.url
    admin.reload()
    admin.select_option("select[name=item_index]", "03-01")
    admin.fill("input[name=document_date]", "2018-06-20")
    admin.click("text=Подшить в дело")
    expect(admin.locator("p.filed")).to_contain_text("Протоколы итоговой аттестации")
    admin.close()

    officer = person("officer2", add_person(data, "officer2", "retention_officer"))
    officer.click("nav >> text=Сроки хранения")
    expect(officer.locator("table.due").last).to_contain_text("2018 год")
    officer.click("#draft-act button")
    expect(officer.locator("dd.status")).to_have_text("проект")
    expect(officer.locator("table.act-rows")).to_contain_text("Протоколы итоговой аттестации")
    officer.fill("#review input[name=protocol]", "12")
    officer.fill("#review input[name=date]", time.strftime("%Y-%m-%d"))
    officer.fill("#review textarea[name=members]", "Иванова И. И.\nПетров П. П.")
    officer.click("#review button")
    expect(officer.locator("dd.status")).to_have_text("согласован ЭК")
    expect(officer.locator("dl.act")).to_contain_text("Иванова И. И.; Петров П. П.")
    expect(officer.locator("#approve")).to_have_count(0)  # the drafter does not approve
    act_url = officer.url

    director = person("director2", add_person(data, "director2", "director"))
    director.goto(act_url)
    director.click("#approve button")
    expect(director.locator("dd.status")).to_have_text("утверждён")
    expect(director.locator("p.papers")).to_contain_text("Акт об уничтожении персональных данных")
    expect(director.locator("#execute")).to_have_count(0)

    officer.reload()
    officer.click("#execute button")
    for _ in range(120):  # the worker destroys; the page says so once it is done
        if officer.locator("dd.status").inner_text() == "исполнен":
            break
        time.sleep(0.5)
        officer.reload()
    expect(officer.locator("dd.status")).to_have_text("исполнен")
    officer.screenshot(path=str(tmp_path / "act.png"), full_page=True)
    officer.goto(document_url)
    expect(officer.locator("p.destroyed")).to_contain_text("Документ уничтожен")
    expect(officer.locator("text=Скачать оригинал")).to_have_count(0)
    officer.fill("header input[name=q]", "Ветхийпротокол")
    officer.press("header input[name=q]", "Enter")
    expect(officer.locator(".total")).to_have_text("Найдено документов: 0")
    assert errors == []


def test_the_successors_officer_drafts_an_act_for_a_merged_schools_cases(
    server: tuple[str, str, Path], browser: object, tmp_path: Path
) -> None:
    """A school merged into the archive's own keeps its cases apart, under acts of its
    own: the successor's retention officer picks it on «Сроки хранения», sees its due
    protocol and drafts its act."""
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    url, _, data = server
    if not json.loads(cli_beside(data, "schools", "list", "--json"))["schools"]:
        cli_beside(data, "schools", "add", "СОШ № 1")  # the first is the archive's own
    own = json.loads(cli_beside(data, "schools", "list", "--json"))["schools"][0]["name"]
    cli_beside(data, "schools", "add", "Школа № 9")
    protocol = born_digital_pdf(tmp_path / "протокол-9.pdf", [["Протокол Девятойшколы 2018"]])
    taken = json.loads(
        cli_beside(data, "ingest", "--wait", "--json", "--school", "Школа № 9", str(protocol))
    )
    cli_beside(data, "file", taken["id"], "--item", "03-01", "--date", "2018-06-20")
    cli_beside(data, "schools", "merge", "Школа № 9", "--into", own)

    officer = browser.new_page(locale="ru-RU")
    errors: list[str] = []
    officer.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(officer, url, add_person(data, "officer9", "retention_officer"), "officer9")
    officer.click("nav >> text=Сроки хранения")
    officer.select_option("select[name=school]", label="Школа № 9 (присоединена)")
    officer.click("form.inline button[type=submit] >> text=Показать")
    expect(officer.locator("p", has_text="В акт")).to_contain_text("Школа № 9")
    expect(officer.locator("table.due")).to_contain_text("Протоколы итоговой аттестации")
    officer.click("#draft-act button")
    expect(officer.locator("dd.status")).to_have_text("проект")
    expect(officer.locator("dl.act")).to_contain_text("Школа № 9")
    officer.screenshot(path=str(tmp_path / "merged-act.png"), full_page=True)
    assert errors == []


def cli_beside(data: Path, *args: str) -> str:
    """A command of the CLI run beside the running server, on its data directory."""
    done = subprocess.run(
        [sys.executable, "-m", "archive_service.cli", "--data-dir", str(data), *args],
        capture_output=True, text=True, check=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")},
    )  # fmt: skip
    return done.stdout


def test_the_secretary_issues_a_personal_file_and_prints_the_register(
    server: tuple[str, str, Path], browser: object, tmp_path: Path
) -> None:
    """A pupil's personal file is in the archive; the parents apply for a transfer: the
    secretary records the application and the order on the pupil's page, the file is
    issued (one PDF, its inventory first) and the register of issued files prints."""
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    url, _, data = server
    roster = tmp_path / "7А.csv"
    roster.write_text("Фамилия;Имя;Класс\nЛебедева;Анна;7А\n", encoding="utf-8")
    cli_beside(data, "pupils", "import", str(roster), "--school-year", "2026/2027")
    folder = tmp_path / "личное дело"
    folder.mkdir()
    born_digital_pdf(folder / "карта.pdf", [["Личная карта обучающегося Лебедева Анна"]])
    (folder / "опись.csv").write_text(
        "Файл;Вид;Обучающийся\nкарта.pdf;04-01;Лебедева Анна\n", encoding="utf-8"
    )
    cli_beside(data, "import", str(folder))
    page = browser.new_page(locale="ru-RU")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, url, add_person(data, "secretary", "secretary"), "secretary")
    page.click("nav >> text=Обучающиеся")
    page.click("table.pupils >> text=Лебедева Анна")
    for _ in range(120):  # the worker files the personal file from the manifest
        if page.locator("ul.pupil-documents a").count():
            break
        time.sleep(0.5)
        page.reload()
    expect(page.locator("ul.pupil-documents")).to_contain_text("карта")
    page.fill("#transfer input[name=application_date]", "2026-11-02")
    page.fill("#transfer input[name=applicant]", "Лебедева Ольга Ивановна")
    page.fill("#transfer input[name=applicant_document]", "паспорт 4510 654321")
    page.fill("#transfer input[name=destination]", "Гимназия № 3 г. Клин")
    page.fill("#transfer input[name=order_number]", "88")
    page.fill("#transfer input[name=order_date]", "2026-11-03")
    page.click("#transfer button")
    expect(page.locator("p.flash.info")).to_contain_text("Личное дело выдано")
    expect(page.locator("ul.events")).to_contain_text("отчислен в порядке перевода")
    with page.expect_download() as got:
        page.click("ul.transfers >> text=личное дело (PDF)")
    issued = got.value.path()
    assert issued is not None and Path(issued).read_bytes().startswith(b"%PDF")
    with page.expect_download() as got:
        page.click("ul.transfers >> text=пакет для принимающей школы (ZIP)")
    package = got.value.path()
    assert package is not None and Path(package).read_bytes().startswith(b"PK")
    page.fill("form.notice input[name=notice_on]", "2026-11-10")
    page.fill("form.notice input[name=notice]", "Гимназия № 3, приказ № 41 от 09.11.2026")
    page.click("form.notice button")
    expect(page.locator("ul.transfers")).to_contain_text("уведомление о зачислении от 10.11.2026")
    page.click("#transfer >> text=Журнал выдачи личных дел")
    expect(page.locator("table.transfers")).to_contain_text("Лебедева Ольга Ивановна")
    with page.expect_download() as got:
        page.click("text=PDF")
    register = got.value.path()
    assert register is not None and Path(register).read_bytes().startswith(b"%PDF")
    page.screenshot(path=str(tmp_path / "register.png"), full_page=True)
    assert errors == []


def test_an_ejournal_export_uploaded_in_the_browser_shows_its_marks_on_the_pupils_page(
    server: tuple[str, str, Path], browser: object, tmp_path: Path
) -> None:
    """The archivist uploads a class's e-journal export like any scan; once read, the
    pupil's page shows the marks by subject, and the journal is filed for its class."""
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    url, password, data = server
    roster = tmp_path / "8В.csv"
    roster.write_text("Фамилия;Имя;Класс\nЗайцева;Полина;8В\n", encoding="utf-8")
    cli_beside(data, "pupils", "import", str(roster), "--school-year", "2025/2026")
    journal = tmp_path / "8В-химия.csv"
    journal.write_text(
        "Класс:;8В\nПредмет:;Химия\nУчебный год:;2025/2026\n"
        "№;ФИО;03.09;10.09;I четверть\n1;Зайцева Полина;5;4;5\n",
        encoding="cp1251",
    )
    page = browser.new_page(locale="ru-RU")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, url, password)
    page.click("text=Загрузить")
    page.set_input_files("input[type=file]", [str(journal)])
    page.click("form.upload button[type=submit]")
    expect(page.locator("table.outcomes tr.queued")).to_have_count(1)
    page.click("nav >> text=Обучающиеся")
    page.click("table.pupils >> text=Зайцева Полина")
    for _ in range(120):  # the worker reads the export, then links its pupils
        if page.locator("table.marks").count():
            break
        time.sleep(0.5)
        page.reload()
    expect(page.locator("table.marks")).to_contain_text("Химия")
    expect(page.locator("table.marks")).to_contain_text("I четверть: 5")
    expect(page.locator("ul.pupil-documents")).to_contain_text("Электронный журнал 8В, Химия")
    page.screenshot(path=str(tmp_path / "marks.png"), full_page=True)
    assert errors == []


def test_the_administrator_exports_a_school_and_takes_another_in_from_its_bag(
    server: tuple[str, str, Path], browser: object, tmp_path: Path
) -> None:
    """A school leaves: the administrator queues its export on «Организации», watches the
    worker copy its originals and downloads the bag. A school joins: its bag, written by
    another deployment, is uploaded on the same page, and its record is found here."""
    import zipfile

    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    url, password, data = server
    other = tmp_path / "other"
    joining = born_digital_pdf(tmp_path / "олимпиада.pdf", [["Протокол олимпиады по астрономии"]])
    cli_beside(other, "schools", "add", "Гимназия № 3")
    cli_beside(other, "ingest", "--wait", "--school", "Гимназия № 3", str(joining))
    bag = tmp_path / "гимназия.zip"
    cli_beside(other, "schools", "export", "Гимназия № 3", str(bag))
    leaving = born_digital_pdf(tmp_path / "лицей.pdf", [["Книга выдачи аттестатов лицея"]])
    cli_beside(data, "schools", "add", "Лицей № 7")
    cli_beside(data, "ingest", "--school", "Лицей № 7", str(leaving))

    page = browser.new_page(locale="ru-RU")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, url, password)
    page.click("nav >> text=Организации")
    page.locator("table.schools tr", has_text="Лицей № 7").locator("text=Выгрузить пакет").click()
    exported = page.locator("table.moves tr", has_text="выгрузка")
    expect(exported.locator(".badge.done")).to_be_visible(timeout=120_000)  # app.js polls
    expect(exported.locator(".count")).to_have_text("1 из 1")
    with page.expect_download() as download:
        exported.locator("text=Скачать пакет").click()
    saved = tmp_path / "лицей.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as zf:
        assert "bagit.txt" in zf.namelist() and "data/school.json" in zf.namelist()
    exported.locator("text=Удалить пакет").click()
    expect(page.locator("table.moves tr", has_text="выгрузка")).not_to_contain_text("Скачать")

    page.set_input_files("form.import-school input[name=package]", str(bag))
    page.click("form.import-school button[type=submit]")
    imported = page.locator("table.moves tr", has_text="приём")
    expect(imported.locator(".badge.done")).to_be_visible(timeout=120_000)
    expect(imported).to_contain_text("Гимназия № 3")
    expect(page.locator("table.schools")).to_contain_text("Гимназия № 3")
    page.screenshot(path=str(tmp_path / "schools.png"), full_page=True)
    for _ in range(120):  # the worker reads the imported original again
        page.goto(url + "/search?q=астрономия")
        if page.locator(".hit-title").count():
            break
        time.sleep(0.5)
    expect(page.locator(".total")).to_have_text("Найдено документов: 1")
    assert errors == []


def test_the_administrator_adds_locks_and_unlocks_an_account_on_its_page(
    server: tuple[str, str, Path], browser: object
) -> None:
    """An account made on «Учётные записи» signs in with the password shown once; locked
    there, it cannot sign in; unlocked, it can."""
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    url, password, _ = server
    admin = browser.new_page(locale="ru-RU")
    errors: list[str] = []
    admin.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(admin, url, password)
    admin.click("nav >> text=Учётные записи")
    admin.fill("form.add-account input[name=username]", "kuznetsova")
    admin.select_option("form.add-account select[name=role]", "staff")
    admin.fill("form.add-account input[name=classes]", "5а")
    admin.click("form.add-account button[type=submit]")
    shown = admin.locator(".flash", has_text="показывается один раз").inner_text()
    given = shown.split("): ")[1].strip()
    row = admin.locator("table.accounts tr[data-user=kuznetsova]")
    expect(row.locator("input[name=classes]")).to_have_value("5А")

    def signs_in() -> bool:
        person = browser.new_context(locale="ru-RU").new_page()
        sign_in(person, url, given, "kuznetsova")
        person.wait_for_load_state()
        inside = "/login" not in person.url
        person.context.close()
        return inside

    assert signs_in()
    row.locator("button[value=lock]").click()
    expect(row).to_contain_text("заблокирована")
    assert not signs_in()
    row.locator("button[value=unlock]").click()
    expect(row).to_contain_text("действует")
    assert signs_in()
    assert errors == []


def test_a_hits_sheet_link_opens_the_document_at_that_sheet(
    server: tuple[str, str, Path], browser: object, tmp_path: Path
) -> None:
    """«лист 4» of a search hit shows sheet 4 at the top of the window, though the
    images of sheets 1–3 above it arrive after the browser has scrolled."""
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    url, password, data = server
    sheets = [[f"Протокол педагогического совета, лист {n}", "Повестка дня"] for n in range(1, 6)]
    sheets[3].append("Решение о награждении выпускников медалями")
    cli_beside(data, "ingest", "--wait", str(born_digital_pdf(tmp_path / "педсовет.pdf", sheets)))
    page = browser.new_page(locale="ru-RU", viewport={"width": 1280, "height": 720})
    sign_in(page, url, password)
    page.goto(url + "/search?q=награждении")
    page.locator("a", has_text="лист 4").first.click()
    expect(page.locator("#page-4")).to_be_visible()
    page.wait_for_load_state("networkidle")
    for n in (3, 4):  # lazy: the sheets near the window arrive, the one above included
        expect(page.locator(f"#page-{n} img")).to_have_js_property("complete", True)
    top = page.locator("#page-4").evaluate("el => el.getBoundingClientRect().top")
    assert abs(top) < 60, top


def test_on_a_phone_no_main_page_scrolls_sideways_and_facets_follow_the_results(
    server: tuple[str, str, Path], browser: object, tmp_path: Path
) -> None:
    """At 390 px (a phone) the menu wraps, no main page is wider than the screen, and a
    search's facets come below its results."""
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    url, password, data = server
    folder = tmp_path / "пачка"
    folder.mkdir()
    born_digital_pdf(folder / "журнал.pdf", [["Классный журнал 9Б, протокол заседания"]])
    (folder / "опись.csv").write_text(
        "Файл;Вид;Учебный год;Класс\nжурнал.pdf;02-01;2024/2025;9Б\n", encoding="utf-8"
    )
    document_id = cli_beside(data, "import", "--wait", "--json", str(folder)).splitlines()[0]
    page = browser.new_page(locale="ru-RU", viewport={"width": 390, "height": 844})
    sign_in(page, url, password)
    wide = []
    import json

    doc = json.loads(document_id)["id"]
    for path in (
        "/documents", "/search?q=протокол", f"/documents/{doc}", "/upload", "/stacks",
        "/inbox", "/pupils", "/cases", "/nomenclature", "/retention", "/acts", "/audit",
        "/cover-sheets", "/schools", "/accounts", "/transfers",
    ):  # fmt: skip
        page.goto(url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            culprits = page.evaluate(
                "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect()"
                ".right > 392 && getComputedStyle(e.parentElement).overflowX === 'visible')"
                ".slice(0, 3).map(e => e.tagName + '.' + e.className)"
            )
            wide.append(f"{path}: {width}px {culprits}")
    assert wide == []
    page.goto(url + "/search?q=протокол")
    expect(page.locator(".facets")).to_be_visible()
    hits = page.locator("ol.hits").evaluate("el => el.getBoundingClientRect().bottom")
    facets = page.locator(".facets").evaluate("el => el.getBoundingClientRect().top")
    assert facets >= hits


def test_axe_finds_no_serious_or_critical_violation_on_the_main_pages(
    server: tuple[str, str, Path], browser: object, tmp_path: Path
) -> None:
    """axe-core (Deque's accessibility engine), run in Chromium on the sign-in page and
    every main page with a document, a pupil and a case in them: no serious or critical
    violation (labels, contrast, names of links and buttons, landmarks, language)."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    url, password, data = server
    folder = tmp_path / "опись"
    folder.mkdir()
    born_digital_pdf(folder / "карта.pdf", [["Личная карта обучающегося Орлова Вера"]])
    (folder / "опись.csv").write_text(
        "Файл;Вид;Обучающийся\nкарта.pdf;04-01;Орлова Вера\n", encoding="utf-8"
    )
    roster = tmp_path / "7А.csv"
    roster.write_text("Фамилия;Имя;Класс\nОрлова;Вера;7А\n", encoding="utf-8")
    cli_beside(data, "pupils", "import", str(roster), "--school-year", "2024/2025")
    import json

    doc = json.loads(cli_beside(data, "import", "--wait", "--json", str(folder)).splitlines()[0])
    page = browser.new_page(locale="ru-RU")
    axe = Axe()
    found: list[str] = []

    def check(path: str) -> None:
        page.goto(url + path)
        for v in axe.run(page).response["violations"]:
            if v["impact"] in ("serious", "critical"):
                targets = [n["target"] for n in v["nodes"][:3]]
                found.append(f"{path}: {v['id']} ({v['impact']}) {targets}")

    check("/login")
    sign_in(page, url, password)
    page.goto(url + f"/documents/{doc['id']}")
    pupil = page.locator("a[href^='/pupils/']").first.get_attribute("href")
    case = page.locator("a[href^='/cases/']").first.get_attribute("href")
    for path in (
        "/documents", "/search?q=карта", f"/documents/{doc['id']}", "/upload", "/stacks",
        "/inbox", "/pupils", str(pupil), "/cases", str(case), "/nomenclature",
        "/nomenclature/items/02-01", "/retention", "/retention/holds", "/acts", "/audit",
        "/cover-sheets", "/schools", "/accounts", "/transfers", "/account/password",
    ):  # fmt: skip
        check(path)
    assert found == [], "\n".join(found)

    # by keyboard: the first Tab reaches the skip link, Enter moves on to the page's
    # content; a search is typed and sent without the mouse, a hit opened with Enter
    page.goto(url + "/documents")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Перейти к содержанию"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.focus("header input[name=q]")
    page.keyboard.type("Орловой")  # in another case form: morphology finds her card
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=*")
    page.focus("ol.hits a")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/documents/{doc['id']}**")


def test_the_pupil_picker_finds_by_name_in_any_case_and_tells_namesakes_apart(
    server: tuple[str, str, Path], browser: object, tmp_path: Path
) -> None:
    """Two pupils named «Зимина Алла», in 6А and 8В: the archivist types «Зиминой
    Аллы» on a document's page, sees both with class and birth date, ticks the 8В one,
    and the personal file is filed for her."""
    import json

    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    url, password, data = server
    roster = tmp_path / "зимины.csv"
    roster.write_text(
        "Фамилия;Имя;Класс;Дата рождения\nЗимина;Алла;6А;12.03.2013\nЗимина;Алла;8В;01.02.2011\n",
        encoding="utf-8",
    )
    cli_beside(data, "pupils", "import", str(roster), "--school-year", "2024/2025")
    card = born_digital_pdf(tmp_path / "заявление.pdf", [["Заявление о приёме в школу"]])
    doc = json.loads(cli_beside(data, "ingest", "--wait", "--json", str(card)))["id"]
    page = browser.new_page(locale="ru-RU")
    sign_in(page, url, password)
    page.goto(f"{url}/documents/{doc}")
    page.select_option("select[name=item_index]", "04-01")
    page.fill("[data-pupil-picker] input[type=search]", "Зиминой Аллы")
    found = page.locator("[data-pupil-picker] li")
    expect(found).to_have_count(2)
    expect(found.nth(0)).to_contain_text("Зимина Алла")
    older = page.locator("[data-pupil-picker] li", has_text="8В")
    expect(older).to_contain_text("д. р. 01.02.2011")
    older.locator("input[type=checkbox]").check()
    page.click("form.filing-form button[type=submit]")
    expect(page.locator(".flash")).to_contain_text("Документ подшит в дело")
    filed = page.locator("p.filed")
    expect(filed).to_contain_text("Зимина Алла")
    expect(page.locator("a[href^='/cases/']").first).to_contain_text("Зимина Алла")
    (pupil,) = page.request.get(f"{url}/api/v1/documents/{doc}").json()["filing"]["pupils"]
    classes = page.request.get(f"{url}/api/v1/pupils/{pupil['id']}").json()["classes"]
    assert classes == [{"school_year": "2024/2025", "class": "8В"}]
