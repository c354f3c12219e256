"""The school's records in the UI: nomenclature, class lists, pupils, filing with the
proposals and their evidence, and search narrowed by facets."""

from __future__ import annotations

import io
import re
from base64 import b64encode
from datetime import date
from pathlib import Path

from flask.testing import FlaskClient

from archive_service.archive import Archive
from archive_service.services.admin.audit import AuditService
from archive_service.services.pipeline.ingest import IngestService
from intake.class_list import school_year_on
from tests.pagegen import born_digital_pdf

PASSWORD = "пароль-для-тестов"
CLASS_LIST = "Фамилия;Имя;Отчество;Класс\nСмирнова;Анна;Сергеевна;9Б\n;Пётр;;9Б\n".encode("cp1251")


def test_class_list_upload_reports_broken_rows(client: FlaskClient) -> None:
    text = client.post(
        "/pupils",
        data={"file": (io.BytesIO(CLASS_LIST), "9Б.csv"), "school_year": "2025/2026"},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "строка 3: нет фамилии" in text
    assert "Смирнова Анна Сергеевна" in text


def test_the_class_list_form_offers_the_school_year_under_way(client: FlaskClient) -> None:
    """A list without a «Учебный год» column goes in for this school year as the form
    offers it; before, the field was empty and such a list was refused."""
    this_year = school_year_on(date.today())
    page = client.get("/pupils").get_data(as_text=True)
    offered = re.search(r'name="school_year" value="([^"]*)"', page)
    assert offered is not None and offered[1] == this_year
    text = client.post(
        "/pupils",
        data={"file": (io.BytesIO(CLASS_LIST), "9Б.csv"), "school_year": offered[1]},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Загружено строк: 1" in text and "Смирнова Анна Сергеевна" in text


def test_a_pupil_is_found_by_name_in_any_case_or_its_beginning_and_by_class(
    client: FlaskClient, archive: Archive
) -> None:
    """A school keeps a thousand pupils and more; the secretary types a name as it came
    («Ивану Кузнецову», «Смир») and narrows by class."""
    rows = (
        "Фамилия;Имя;Отчество;Класс\nСмирнова;Анна;Сергеевна;9Б\nКузнецов;Иван;Петрович;9Б\n"
        "Петров;Иван;Сергеевич;5А\nИванов;Пётр;;10А\n"
    )
    client.post(
        "/pupils",
        data={"file": (io.BytesIO(rows.encode()), "list.csv"), "school_year": "2026/2027"},
        content_type="multipart/form-data",
    )

    def found(query: str) -> list[str]:
        page = client.get(f"/pupils?{query}").get_data(as_text=True)
        return re.findall(r'<a href="/pupils/[0-9a-f]{32}">([^<]+)</a>', page)

    assert found("") == [
        "Иванов Пётр", "Кузнецов Иван Петрович", "Петров Иван Сергеевич",
        "Смирнова Анна Сергеевна",
    ]  # fmt: skip
    assert found("q=Ивану+Кузнецову") == ["Кузнецов Иван Петрович"]
    assert found("q=Ивану") == ["Кузнецов Иван Петрович", "Петров Иван Сергеевич"]
    assert found("q=смир") == found("q=Смирновой+Анне") == ["Смирнова Анна Сергеевна"]
    assert found("q=Иван&class=5А") == ["Петров Иван Сергеевич"]
    page = client.get("/pupils?q=Сидоров&class=9Б").get_data(as_text=True)
    assert "Найдено: 0 из 4" in page and "Никого не нашлось по «Сидоров» в 9Б" in page
    classes = re.findall(r'<option value="(\w+)"', page)
    assert classes == ["5А", "9Б", "10А"]
    looked = [e.detail for e in AuditService(archive).find(target="pupils") if e.action == "search"]
    assert looked[-1] == "«Сидоров» 9Б: найдено 0"


def protocol_of_a_known_pupil(client: FlaskClient, archive: Archive) -> Path:
    """Class 9Б's list uploaded, and a protocol naming its kind, class, year, date and
    one of the class's pupils, for the worker to propose from."""
    client.post(
        "/pupils",
        data={"file": (io.BytesIO(CLASS_LIST), "9Б.csv"), "school_year": "2024/2025"},
        content_type="multipart/form-data",
    )
    return born_digital_pdf(
        archive.settings.tmp_dir / "протокол.pdf",
        [["ПРОТОКОЛ", "итогового собеседования по русскому языку", "9 «Б» класс",
          "2024/2025 учебный год", "Дата проведения: 12 февраля 2025 года",
          "Смирнова Анна Сергеевна — зачёт"]],
    )  # fmt: skip


def test_filing_from_proposals_then_finding_by_pupil(client: FlaskClient, archive: Archive) -> None:
    outcome = IngestService(archive).ingest_path(protocol_of_a_known_pupil(client, archive))
    page = client.get(f"/documents/{outcome.id}").get_data(as_text=True)
    assert '<option value="03-04" selected>' in page
    assert "предложено по словам «" in page
    pupil_id = re.search(r'name="pupil_ids" value="([0-9a-f]{32})" checked', page)
    assert pupil_id is not None
    filed = client.post(
        f"/documents/{outcome.id}/file",
        data={
            "item_index": "03-04",
            "title": "Протокол итогового собеседования",
            "document_date": "2025-02-12",
            "school_year": "2024/2025",
            "class_label": "9Б",
            "pupil_ids": [pupil_id[1]],
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Подшит в дело" in filed and "2025 год" in filed
    pupil_page = client.get(f"/pupils/{pupil_id[1]}").get_data(as_text=True)
    assert "Протокол итогового собеседования" in pupil_page
    found = client.get(f"/search?q=собеседование&pupil={pupil_id[1]}").get_data(as_text=True)
    assert "Найдено документов: 1" in found
    assert "Обучающийся: Смирнова Анна Сергеевна" in found
    assert "03-04 Протоколы итогового собеседования" in found


def test_a_record_whose_sheets_lack_the_name_is_found_by_its_filed_pupil(
    client: FlaskClient, archive: Archive, tmp_path: Path
) -> None:
    client.post(
        "/pupils",
        data={
            "file": (io.BytesIO("Фамилия;Имя;Класс\nСмирнова;Анна;9Б\n".encode()), "9Б.csv"),
            "school_year": "2024/2025",
        },
        content_type="multipart/form-data",
    )
    pupil = re.search(r'href="/pupils/([0-9a-f]{32})"', client.get("/pupils").get_data(True))
    assert pupil is not None
    essay = born_digital_pdf(tmp_path / "scan-0042.pdf", [["Тма: Челвек и природа"]])
    outcome = IngestService(archive).ingest_path(essay)
    filed = client.post(
        f"/documents/{outcome.id}/file",
        data={
            "item_index": "03-02",  # «Рукописные: распознавание слабое, поиск по метаданным»
            "title": "Итоговое сочинение",
            "document_date": "2024-12-04",
            "school_year": "2024/2025",
            "class_label": "9Б",
            "pupil_ids": [pupil[1]],
        },
        follow_redirects=True,
    )
    assert "Подшит в дело" in filed.get_data(as_text=True)
    found = client.get("/search?q=сочинение Смирновой").get_data(as_text=True)
    assert "Найдено документов: 1" in found and "Итоговое сочинение" in found
    assert "Найден по названию, имени файла или ФИО обучающихся" in found
    # twenty hits titled «Итоговое сочинение» are told apart by their filing
    filed = re.search(r'<div class="filed">([^<]*)</div>', found)
    assert filed is not None
    assert filed[1] == "9Б класс · 2024/2025 уч. год · 04.12.2024 · Смирнова Анна"
    mixed = client.get("/search?q=Смирнова природа").get_data(as_text=True)
    assert "Найдено документов: 1" in mixed and "<mark>природа</mark>" in mixed
    assert "Найден по названию" not in mixed
    starred = client.get("/search?q=Смирн*+природ*").get_data(as_text=True)
    assert "Найдено документов: 1" in starred and "<mark>природа</mark>" in starred


def test_filing_that_does_not_fit_says_why(client: FlaskClient, archive: Archive) -> None:
    pdf = born_digital_pdf(archive.settings.tmp_dir / "ж.pdf", [["Классный журнал"]])
    outcome = IngestService(archive).ingest_path(pdf)
    page = client.post(
        f"/documents/{outcome.id}/file", data={"item_index": "02-01"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Документ не подшит: Для «Классные журналы» нужен учебный год" in page


def test_the_queue_shows_each_documents_proposals_and_files_them_as_proposed(
    client: FlaskClient, archive: Archive
) -> None:
    """The queue to be filed shows what the worker read from each document, with the
    words; «Подшить как предложено» files it so, and a document with no proposed kind,
    or a kind whose case needs what was not read (the date), says why it waits
    and is sent to its own page instead of offering a button that would fail."""
    from archive_service.services.pipeline.documents import DocumentService

    protocol = protocol_of_a_known_pupil(client, archive)
    note = born_digital_pdf(archive.settings.tmp_dir / "записка.pdf", [["Служебная записка"]])
    stray = born_digital_pdf(  # a cover sheet whose QR codes were not read, taken for a page
        archive.settings.tmp_dir / "пачка.pdf", [["ТИТУЛЬНЫЙ ЛИСТ АРХИВА", "Классный журнал"]]
    )
    protocol_id = IngestService(archive).ingest_path(protocol).id
    note_id = IngestService(archive).ingest_path(note).id
    stray_id = IngestService(archive).ingest_path(stray).id
    undated = born_digital_pdf(
        archive.settings.tmp_dir / "без-года.pdf",
        [["Протокол итогового собеседования по русскому языку", "Смирнова Анна Сергеевна"]],
    )
    undated_id = IngestService(archive).ingest_path(undated).id
    assert protocol_id and note_id and stray_id and undated_id

    queue = " ".join(client.get("/inbox").get_data(as_text=True).split())
    assert "Вид:</span> 03-04 Протоколы итогового собеседования по русскому языку" in queue
    assert "Класс:</span> 9 «Б» <small" in queue
    assert "Обучающиеся:</span> Смирнова Анна Сергеевна </div>" in queue
    assert f"/inbox/{protocol_id}/file" in queue and f"/inbox/{note_id}/file" not in queue
    assert "ничего не предложено" in queue and "Выбрать вид" in queue
    assert "похож на титульный лист" in queue and f"/inbox/{stray_id}/file" not in queue
    assert "Подшить вручную" in queue
    assert f"/inbox/{undated_id}/file" not in queue
    assert (
        "Ждёт: Для «Протоколы итогового собеседования по русскому языку (9 классы)» нужна дата"
        in queue
    )

    filed = client.post(f"/inbox/{protocol_id}/file", follow_redirects=True)
    assert "подшит в дело" in filed.get_data(as_text=True)
    filing = DocumentService(archive).get(protocol_id)["filing"]
    assert filing["item_index"] == "03-04" and filing["class_label"] == "9Б"
    assert filing["school_year"] == "2024/2025" and filing["document_date"] == "2025-02-12"
    assert [p["name"] for p in filing["pupils"]] == ["Смирнова Анна Сергеевна"]
    refused = client.post(f"/inbox/{note_id}/file", follow_redirects=True)
    note_title = DocumentService(archive).get(note_id)["title"]
    assert f"Документ «{note_title}» не подшит: вид документа не предложен" in " ".join(
        refused.get_data(as_text=True).split()
    )
    assert f"/inbox/{protocol_id}/file" not in refused.get_data(as_text=True)
    held = client.post(f"/inbox/{stray_id}/file", follow_redirects=True).get_data(as_text=True)
    assert "похож на титульный лист, но его QR-код не прочитан" in held
    assert "; подшейте его на странице документа" in held
    assert DocumentService(archive).get(stray_id)["filing"] is None


def test_cover_sheets_page_gives_a_pdf_with_the_filing_in_its_qr(
    client: FlaskClient, tmp_path: Path
) -> None:
    from archive_service.domain import MediaType
    from intake.cover_sheet import find_cover_sheets

    response = client.post(
        "/cover-sheets",
        data={"item_index": "02-01", "school_year": "2024/2025", "class_label": "5а", "copies": 2},
    )
    assert response.mimetype == "application/pdf"
    path = tmp_path / "covers.pdf"
    path.write_bytes(response.data)
    found = find_cover_sheets(path, MediaType.PDF)
    assert [(f.page, f.payload.kind, f.payload.class_label) for f in found if f.payload] == [
        (1, "02-01", "5А"),
        (2, "02-01", "5А"),
    ]
    refused = client.post("/cover-sheets", data={"item_index": "02-01", "case_id": "12"})
    assert refused.status_code == 400 and "Дела № 12 нет" in refused.get_data(as_text=True)


def test_uploading_a_stack_splits_it_and_queues_what_is_unfiled(
    client: FlaskClient, archive: Archive, tmp_path: Path
) -> None:
    import pypdfium2 as pdfium

    from tests.pagegen import page_lines, render_page, save_pdf, scanned

    sheet = client.post("/cover-sheets", data={"item_index": "02-01", "school_year": "2024/2025"})
    covers_pdf = tmp_path / "covers.pdf"
    covers_pdf.write_bytes(sheet.data)
    doc = pdfium.PdfDocument(covers_pdf)
    cover = scanned(doc[0].render(scale=300 / 72, grayscale=True).to_pil().convert("L"), seed=3)
    doc.close()
    pages = [scanned(render_page(page_lines(i)), seed=i) for i in range(2)]
    stack = save_pdf([pages[0], cover, pages[1]], tmp_path / "пачка.pdf")
    uploaded = client.post(
        "/upload",
        data={"files": (stack.open("rb"), "пачка.pdf"), "stack": "1"},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302 and "/stacks/" in uploaded.location  # to its page
    result = client.get(uploaded.location).get_data(as_text=True)  # split by the worker
    assert "разделена" in result and "3 из 3" in result
    assert "пачка — лист 1" in result and "ждёт подшивки" in result
    assert "по титульному листу" in result
    assert "перед первым титульным листом" in result
    assert "data-live-progress" in result  # the parts follow their documents
    stack_id = uploaded.location.rsplit("/", 1)[1]
    listed = client.get("/stacks").get_data(as_text=True)
    assert stack_id in listed and "разделена" in listed
    from archive_service.services.admin.audit import AuditService

    (queued,) = AuditService(archive).find(target=f"stack:{stack_id}")
    assert (queued.actor, queued.action, queued.detail) == ("archivist", "create", "пачка.pdf")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert inbox.count('<td class="proposed">') == 1  # only the part before the first sheet

    api = client.post(
        "/api/v1/stacks",
        data={"files": [(stack.open("rb"), "пачка.pdf"), (io.BytesIO(b"GIF89a"), "x.gif")]},
        content_type="multipart/form-data",
        headers={"Authorization": "Basic " + b64encode(f"archivist:{PASSWORD}".encode()).decode()},
    )
    assert api.status_code == 202
    again, refused = api.get_json()["results"]
    assert refused["status"] == "rejected" and refused["error"].startswith("Неподдерживаемый")
    shown = client.get(f"/api/v1/stacks/{again['id']}").get_json()
    assert shown["status"] == "split"
    assert [p["status"] for p in shown["parts"]] == ["duplicate", "duplicate"]  # known parts
    assert client.get("/api/v1/stacks/nope").status_code == 404


def test_case_page_records_location_and_gives_its_inventory(
    client: FlaskClient, archive: Archive
) -> None:
    from archive_service.services.records.filing import Filing, FilingService

    pdf = born_digital_pdf(archive.settings.tmp_dir / "рег.pdf", [["Журнал регистрации"]])
    outcome = IngestService(archive).ingest_path(pdf)
    assert outcome.id
    case_id = FilingService(archive).file(outcome.id, Filing("02-08"))
    assert "Журналы регистрации" in client.get("/cases").get_data(as_text=True)
    page = client.post(
        f"/cases/{case_id}",
        data={"action": "location", "room": "архив", "shelf": "3", "box": "12"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Место хранения записано" in page and 'value="12"' in page
    inventory = client.get(f"/cases/{case_id}/inventory.pdf")
    assert inventory.mimetype == "application/pdf" and inventory.data.startswith(b"%PDF")
    assert client.get("/cases/999999").status_code == 404


def test_pupil_event_is_recorded_with_its_basis(client: FlaskClient) -> None:
    client.post(
        "/pupils",
        data={"file": (io.BytesIO(CLASS_LIST), "9Б.csv"), "school_year": "2024/2025"},
        content_type="multipart/form-data",
    )
    listing = client.get("/pupils").get_data(as_text=True)
    pupil_id = re.search(r'/pupils/([0-9a-f]{32})"', listing)
    assert pupil_id is not None
    page = client.post(
        f"/pupils/{pupil_id[1]}/events",
        data={"kind": "graduated", "on": "2025-06-25", "basis": "приказ № 80 от 25.06.2025"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "25.06.2025 — окончил обучение (приказ № 80 от 25.06.2025)" in page
    refused = client.post(
        f"/pupils/{pupil_id[1]}/events",
        data={"kind": "graduated", "on": "2025-06-25", "basis": ""},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Укажите основание" in refused


def test_the_documents_list_shows_how_each_is_filed_and_narrows_by_it(
    client: FlaskClient, archive: Archive
) -> None:
    """Title, kind, class, school year and filed or waiting in the list, each a filter;
    the date in the Russian way."""
    from archive_service.services.records.filing import Filing, FilingService

    journal = (
        IngestService(archive)
        .ingest_path(born_digital_pdf(archive.settings.tmp_dir / "ж.pdf", [["Классный журнал 9Б"]]))
        .id
    )
    note = (
        IngestService(archive)
        .ingest_path(born_digital_pdf(archive.settings.tmp_dir / "з.pdf", [["Служебная записка"]]))
        .id
    )
    assert journal and note
    FilingService(archive).file(
        journal, Filing("02-01", title="Журнал 9Б", school_year="2024/2025", class_label="9Б")
    )

    def listed(query: str) -> str:
        return " ".join(client.get("/documents" + query).get_data(as_text=True).split())

    everything = listed("")
    assert "Журнал 9Б</a>" in everything
    assert "<td>02-01</td><td>9Б</td><td>2024/2025</td> <td>подшит</td>" in everything
    today = date.today().strftime("%d.%m.%Y")
    assert f'<td class="accepted">{today} ' in everything
    assert note in listed("?filed=no") and journal not in listed("?filed=no")
    assert journal in listed("?kind=02-01&class=9б") and note not in listed("?kind=02-01")
    assert journal in listed("?year=2024-25")
    assert "Таких документов нет" in listed("?year=2023/2024")
