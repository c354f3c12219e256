"""The web UI and API through Flask's test client, with processing run in-process."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from archive_service.accounts import AccountService
from archive_service.archive import Archive
from tests.pagegen import born_digital_pdf, page_lines, png_bytes, render_page, scanned
from web import create_app

PASSWORD = "пароль-для-тестов"


@pytest.fixture
def app(archive: Archive) -> Flask:
    AccountService(archive).create("archivist", PASSWORD, "administrator")
    return create_app(archive, TESTING=True)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    c = app.test_client()
    page = c.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    resp = c.post(
        "/login", data={"username": "archivist", "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert resp.status_code == 302
    return c


def csrf(client: FlaskClient, path: str = "/upload") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match
    return match.group(1)


def basic() -> dict[str, str]:
    token = base64.b64encode(f"archivist:{PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_pages_need_login(app: Flask) -> None:
    c = app.test_client()
    assert c.get("/documents").status_code == 302
    assert c.get("/api/v1/documents").status_code == 401


def test_wrong_password_is_refused(app: Flask) -> None:
    c = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").get_data(as_text=True))
    assert token
    resp = c.post(
        "/login", data={"username": "archivist", "password": "нет", "csrf_token": token.group(1)}
    )
    assert resp.status_code == 401 and "Неверное имя" in resp.get_data(as_text=True)


def test_form_without_csrf_token_is_refused(client: FlaskClient, tmp_path: Path) -> None:
    pdf = born_digital_pdf(tmp_path / "a.pdf", [["Журнал"]])
    resp = client.post("/upload", data={"files": (pdf.open("rb"), "a.pdf")})
    assert resp.status_code == 400


@pytest.mark.usefixtures("tesseract")
def test_upload_many_then_find_and_open(client: FlaskClient, tmp_path: Path) -> None:
    pdf = born_digital_pdf(tmp_path / "p.pdf", [["Протокол итогового собеседования"]])
    png = png_bytes(scanned(render_page(page_lines(3)), seed=3))
    resp = client.post(
        "/upload",
        data={
            "csrf_token": csrf(client),
            "files": [
                (pdf.open("rb"), "протокол.pdf"),
                (io.BytesIO(png), "лист.png"),
                (io.BytesIO(b"not an image"), "плохой.png"),
            ],
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302  # to the result, which a reload does not send again
    html = client.get(resp.location).get_data(as_text=True)
    assert html.count("поставлен в очередь") == 2
    refused = html[html.index('<tr class="refused">') :]
    refused = refused[: refused.index("</tr>")]
    assert "плохой.png" in refused and "отклонён" in refused and "Неподдерживаемый" in refused
    assert "протокол.pdf" not in refused
    again = client.get(resp.location).get_data(as_text=True)
    assert 'class="refused"' not in again  # said once, as a message is
    assert "data-live-progress" in html  # the result follows the processing

    listing = client.get("/documents").get_data(as_text=True)
    assert listing.count("в архиве") == 2 and "протокол.pdf" in listing

    found = client.get("/search?q=собеседований").get_data(as_text=True)
    assert "<mark>собеседования</mark>" in found and "протокол" in found
    link = re.search(r'href="(/documents/([0-9a-f]{32})\?q=[^"#]+)#page-1"', found)
    assert link
    doc_id = link.group(2)
    opened = client.get(link.group(1)).get_data(as_text=True)
    assert "Протокол итогового <mark>собеседования</mark>" in opened
    assert 'они есть на листах:\n  <a href="#page-1">1</a>.' in opened
    page = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "Протокол итогового собеседования" in page and "текстовый слой PDF" in page
    assert "<mark>" not in page and 'name="q" value=""' in page  # find on its sheets
    missing = client.get(f"/documents/{doc_id}?q=аттестат").get_data(as_text=True)
    assert "Слов запроса «аттестат» на листах этого документа нет." in missing
    img = client.get(f"/documents/{doc_id}/pages/1.jpg")
    assert img.status_code == 200 and img.mimetype == "image/jpeg"
    original = client.get(f"/documents/{doc_id}/download/original")
    assert original.data == pdf.read_bytes()
    assert "attachment" in original.headers["Content-Disposition"]


@pytest.mark.usefixtures("tesseract")
def test_a_batch_failed_for_one_cause_is_found_in_its_tab_and_retried_at_once(
    client: FlaskClient, archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tesseract set up without the language asked for fails every scan of a batch for
    real: the list's «С ошибкой» tab holds just those with their reason, and once the
    setting is put right one button queues them all again."""
    import dataclasses

    fine = archive.settings
    monkeypatch.setattr(archive, "settings", dataclasses.replace(fine, ocr_languages="xyz"))
    scans = [png_bytes(scanned(render_page(page_lines(n)), seed=n)) for n in (1, 2)]
    pdf = born_digital_pdf(tmp_path / "p.pdf", [["Протокол итогового собеседования"]])
    client.post(
        "/upload",
        data={
            "csrf_token": csrf(client),
            "files": [(io.BytesIO(scans[0]), "лист-1.png"), (io.BytesIO(scans[1]), "лист-2.png"),
                      (pdf.open("rb"), "протокол.pdf")],
        },
        content_type="multipart/form-data",
    )  # fmt: skip
    listing = client.get("/documents").get_data(as_text=True)
    failed_tab = 'href="/documents?status=failed">С ошибкой <span class="count" data-tab="failed">2'
    assert failed_tab in listing
    assert 'В архиве <span class="count" data-tab="archived">1</span>' in listing
    assert 'href="/documents?status=queued" hidden>' in listing  # none: shown once there are
    failed = client.get("/documents?status=failed").get_data(as_text=True)
    assert "лист-1.png" in failed and "лист-2.png" in failed and "протокол.pdf" not in failed
    assert (
        failed.count("У Tesseract нет языка распознавания «xyz» (ARCHIVE_OCR_LANGUAGES=xyz)") == 2
    )
    assert "установите пакет tesseract-ocr-xyz" in failed
    api = client.get("/api/v1/documents?status=failed").get_json()
    assert api["total"] == 2 and api["counts"] == {
        "queued": 0, "processing": 0, "archived": 1, "failed": 2, "destroyed": 0
    }  # fmt: skip
    assert client.get("/documents?status=lost").status_code == 404
    assert client.get("/api/v1/documents?status=lost").status_code == 400

    monkeypatch.setattr(archive, "settings", fine)
    done = client.post(
        "/documents/retry-failed", data={"csrf_token": csrf(client)}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Снова поставлено в очередь документов: 2" in done
    assert 'В архиве <span class="count" data-tab="archived">3</span>' in done
    assert 'href="/documents?status=failed" hidden>С ошибкой' in done  # none left
    again = client.post("/api/v1/documents/retry-failed", headers={"X-CSRFToken": csrf(client)})
    assert again.status_code == 202 and again.get_json() == {"retried": []}


def test_ocr_text_with_html_is_shown_inert(
    client: FlaskClient, archive: Archive, tmp_path: Path
) -> None:
    pdf = born_digital_pdf(tmp_path / "x.pdf", [['<script>alert("x")</script> журнал']])
    client.post(
        "/upload",
        data={"csrf_token": csrf(client), "files": [(pdf.open("rb"), "x.pdf")]},
        content_type="multipart/form-data",
    )
    found = client.get("/search?q=журнал").get_data(as_text=True)
    assert "<script>alert" not in found and "&lt;script&gt;" in found
    doc_id = re.search(r"/documents/([0-9a-f]{32})", found)
    assert doc_id
    page = client.get(f"/documents/{doc_id.group(1)}").get_data(as_text=True)
    assert "<script>alert" not in page
    marked = client.get(f"/documents/{doc_id.group(1)}?q=журнал").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; <mark>журнал</mark>" in marked


def test_a_hit_matching_on_many_sheets_shows_three_and_folds_the_rest(
    client: FlaskClient, tmp_path: Path
) -> None:
    """A class journal says «журнал» on every sheet: its hit shows the first three
    sheets, and the others fold under «Ещё листы», each still a link to its sheet."""
    pdf = born_digital_pdf(
        tmp_path / "j.pdf", [[f"Классный журнал, лист {n}"] for n in range(1, 7)]
    )
    client.post(
        "/upload",
        data={"csrf_token": csrf(client), "files": [(pdf.open("rb"), "j.pdf")]},
        content_type="multipart/form-data",
    )
    found = client.get("/search?q=журналы").get_data(as_text=True)
    shown, folded = found.split('<details class="more-pages">')
    assert re.findall(r">лист (\d+)</a>", shown) == ["1", "2", "3"]
    assert "<summary>Ещё листы с совпадениями: 3</summary>" in folded
    assert re.findall(r'#page-(\d+)">лист', folded) == ["4", "5", "6"]


def test_api_upload_show_search_download(app: Flask, tmp_path: Path) -> None:
    c = app.test_client()
    pdf = born_digital_pdf(tmp_path / "k.pdf", [["Книга учёта и выдачи медалей"]])
    resp = c.post(
        "/api/v1/documents",
        headers=basic(),
        data={"files": [(pdf.open("rb"), "книга.pdf"), (io.BytesIO(b""), "пусто.pdf")]},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 201
    results = resp.get_json()["results"]
    assert [r["status"] for r in results] == ["queued", "rejected"]
    doc_id = results[0]["id"]
    doc = c.get(f"/api/v1/documents/{doc_id}", headers=basic()).get_json()
    assert doc["status"] == "archived" and doc["pages"][0]["source"] == "text_layer"
    hits = c.get("/api/v1/search?q=медали", headers=basic()).get_json()
    assert hits["total"] == 1 and hits["hits"][0]["id"] == doc_id
    listed = c.get(f"/api/v1/documents?ids={doc_id}", headers=basic()).get_json()
    assert listed["documents"][0]["pages_done"] == 1
    pdf_resp = c.get(f"/api/v1/documents/{doc_id}/searchable.pdf", headers=basic())
    assert pdf_resp.status_code == 200 and pdf_resp.data.startswith(b"%PDF")
    assert c.get("/api/v1/documents/nope", headers=basic()).status_code == 404
    assert c.post(f"/api/v1/documents/{doc_id}/retry", headers=basic()).status_code == 409


def test_api_write_with_session_cookie_needs_csrf_header(client: FlaskClient) -> None:
    assert client.post("/api/v1/documents").status_code == 400
    token = csrf(client)
    resp = client.post("/api/v1/documents", headers={"X-CSRFToken": token})
    assert resp.status_code == 400 and "Нет файлов" in resp.get_json()["error"]


def test_security_headers_on_every_response(app: Flask) -> None:
    resp = app.test_client().get("/login")
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_openapi_is_valid_and_describes_every_api_route(app: Flask) -> None:
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    validate(spec)
    described = set(spec["paths"])
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
    }
    assert routes == described
    with open(Path(__file__).parents[1] / "web" / "openapi.yaml", encoding="utf-8") as fh:
        assert yaml.safe_load(fh) == spec


def test_health_check_answers_without_login(archive: Archive) -> None:
    client = create_app(archive, TESTING=True).test_client()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_api_search_filters_and_counts_facets(client: FlaskClient, archive: Archive) -> None:
    from archive_service.services.pipeline.ingest import IngestService
    from archive_service.services.records.filing import Filing, FilingService

    ids = []
    for n, year in enumerate(("2023/2024", "2024/2025")):
        pdf = born_digital_pdf(archive.settings.tmp_dir / f"j{n}.pdf", [[f"Классный журнал {n}"]])
        outcome = IngestService(archive).ingest_path(pdf)
        assert outcome.id
        FilingService(archive).file(outcome.id, Filing("02-01", school_year=year))
        ids.append(outcome.id)
    body = client.get("/api/v1/search?q=журнал&year=2024/2025").get_json()
    assert [h["id"] for h in body["hits"]] == [ids[1]]
    assert body["facets"]["year"] == {"2024/2025": 1}
    assert client.get("/api/v1/search?q=журнал").get_json()["facets"]["kind"] == {"02-01": 2}


def test_errors_are_russian_pages_with_the_menu_and_russian_json_for_the_api(
    archive: Archive, client: FlaskClient
) -> None:
    missing = client.get("/no-such-page")
    html = missing.get_data(as_text=True)
    assert missing.status_code == 404 and "Страница не найдена" in html
    assert "Not Found" not in html and "Документы</a>" in html  # the menu is there
    api = client.get("/api/v1/no-such-route")
    assert api.status_code == 404 and api.get_json()["error"].startswith("Такой страницы")
    wrong_method = client.delete("/documents")
    assert wrong_method.status_code == 405 and "Так эту страницу" in wrong_method.get_data(
        as_text=True
    )
    app = create_app(archive, TESTING=True, WTF_CSRF_ENABLED=False)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in service

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("сломалось")

    broken = app.test_client().get("/boom")
    assert broken.status_code == 500 and "Внутренняя ошибка архива" in broken.get_data(as_text=True)
