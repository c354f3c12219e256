"""The nomenclature of cases in the browser's pages (Flask's client): versions in and
out, editing an item, the year in force, each school's own list."""

from __future__ import annotations

import io

from flask.testing import FlaskClient

from archive_service.archive import Archive
from retention.nomenclature import (
    ItemSpec,
    NomenclatureSpec,
    default_nomenclature,
    dump_yaml,
    load_xlsx,
)


def item(spec: NomenclatureSpec, index: str) -> ItemSpec:
    """The item of that index (the default's order changes as items are added)."""
    return next(i for i in spec.items if i.index == index)


def test_nomenclature_page_exports_and_imports_a_new_version(client: FlaskClient) -> None:
    page = client.get("/nomenclature").get_data(as_text=True)
    assert "Номенклатура дел на 2026 год, версия 1" in page
    assert "Книги учёта и выдачи аттестатов" in page and "постоянно" in page
    xlsx = client.get("/nomenclature/export.xlsx")
    assert load_xlsx(xlsx.data) == default_nomenclature()
    spec = default_nomenclature()
    short = dump_yaml(type(spec)(year=spec.year, items=spec.items[:2]))
    done = client.post(
        "/nomenclature",
        data={"file": (io.BytesIO(short.encode()), "n.yaml")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "версия 2" in done and "Журналы регистрации" not in done


def test_a_broken_nomenclature_lists_its_problems(client: FlaskClient) -> None:
    bad = b'year: 2026\nitems:\n  - {index: "2-7", title: "", retention: {years: 5}}\n'
    response = client.post(
        "/nomenclature",
        data={"file": (io.BytesIO(bad), "n.yaml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "статья 1: индекс «2-7» не похож на «02-07»" in text


def test_editing_an_item_makes_a_new_version_the_old_one_kept(
    client: FlaskClient, archive: Archive
) -> None:
    from archive_service.services.records.nomenclature import NomenclatureService

    form = client.get("/nomenclature/items/02-07").get_data(as_text=True)
    assert 'value="Журналы кружков и секций"' in form
    saved = client.post(
        "/nomenclature/items/02-07",
        data={"index": "02-07", "title": "Журналы кружков", "retention_kind": "years",
              "years": "1", "closes": "school_year", "keywords": "кружок; секция"},
        follow_redirects=True,
    ).get_data(as_text=True)  # fmt: skip
    assert "версия 2" in saved and "Журналы кружков</td>" in saved and "1 год" in saved
    bad = client.post(
        "/nomenclature/items/",
        data={"index": "02-01", "title": "Дубль", "retention_kind": "permanent",
              "closes": "book_closed"},
    )  # fmt: skip
    assert bad.status_code == 400 and "индекс «02-01» уже есть" in bad.get_data(as_text=True)
    moved = client.post("/nomenclature/year", data={"year": "2027"}, follow_redirects=True)
    assert "Номенклатура дел на 2027 год, версия 1" in moved.get_data(as_text=True)
    assert item(NomenclatureService(archive).current(year=2026), "02-07").title == "Журналы кружков"


def test_the_nomenclature_page_opens_on_the_one_in_force_and_edits_the_year_shown(
    client: FlaskClient, archive: Archive
) -> None:
    """In December next year's nomenclature is approved ahead: the page still opens on
    this year's, the one cases open under, says so and links to next year's; an item of
    the list in force can still be put right, and it is that year's version that grows."""
    from datetime import date

    from archive_service.services.records.nomenclature import NomenclatureService, for_year

    this, ahead = date.today().year, date.today().year + 1
    service = NomenclatureService(archive)
    service.import_spec(for_year(default_nomenclature(), this))
    approved = client.post(
        "/nomenclature/year", data={"year": str(ahead)}, follow_redirects=True
    ).get_data(as_text=True)
    assert f"Номенклатура дел на {ahead} год, версия 1" in approved
    assert f"Вступит в силу 1 января {ahead} года" in approved

    page = client.get("/nomenclature").get_data(as_text=True)
    assert f"Номенклатура дел на {this} год" in page
    assert f"Действует: по ней заводятся новые дела и тома. На {ahead} год утверждена" in page
    assert f"/nomenclature?year={ahead}" in page

    before = service.current_version(year=ahead)
    saved = client.post(
        f"/nomenclature/items/02-07?year={this}",
        data={"index": "02-07", "title": "Журналы кружков", "retention_kind": "years",
              "years": "3", "closes": "school_year"},
        follow_redirects=True,
    ).get_data(as_text=True)  # fmt: skip
    assert f"Номенклатура дел на {this} год" in saved and "Журналы кружков</td>" in saved
    assert service.current_version(year=ahead) == before
    assert item(service.current(year=ahead), "02-07").title == "Журналы кружков и секций"
    export = client.get("/nomenclature/export.yaml").get_data(as_text=True)
    assert export.startswith(f"year: {this}\n") and "title: Журналы кружков\n" in export


def test_each_school_and_year_has_its_own_nomenclature(
    client: FlaskClient, archive: Archive
) -> None:
    from archive_service.services.records.nomenclature import NomenclatureService

    spec = default_nomenclature()
    journals = [i for i in spec.items if i.index.startswith("02-")]
    service = NomenclatureService(archive)
    service.import_spec(spec, "Лицей № 1")
    service.import_spec(type(spec)(year=2025, items=journals[:1]), "СОШ № 20")
    service.import_spec(type(spec)(year=2026, items=journals[:2]), "СОШ № 20")
    lyceum = client.get("/nomenclature?school=Лицей № 1").get_data(as_text=True)
    assert "Книги учёта и выдачи аттестатов" in lyceum
    school_2025 = client.get("/nomenclature?school=СОШ № 20&year=2025").get_data(as_text=True)
    assert "Номенклатура дел на 2025 год" in school_2025
    assert "Сводные ведомости учёта успеваемости обучающихся" not in school_2025
    edited = client.post(
        "/nomenclature/items/02-01",
        data={"school": "СОШ № 20", "index": "02-01", "title": "Журналы классов",
              "retention_kind": "years", "years": "5", "closes": "school_year"},
        follow_redirects=True,
    ).get_data(as_text=True)  # fmt: skip
    assert "Журналы классов" in edited
    assert item(service.current("Лицей № 1"), "02-01").title == "Классные журналы"
    assert client.get("/nomenclature?school=Нет такой").status_code == 404


def test_the_nomenclature_prints_as_the_form_a_school_approves(client: FlaskClient) -> None:
    from archive_service.services.records.nomenclature_form import FORM_COLUMNS
    from tests.test_disposal_acts import pdf_text

    response = client.get("/nomenclature/export.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(pdf_text(response.data).split())
    for heading, _ in FORM_COLUMNS:
        assert " ".join(heading.split()) in text, heading
    for words in ("УТВЕРЖДАЮ", "НОМЕНКЛАТУРА ДЕЛ", "02-01", "Классные журналы", "Итоговая запись"):
        assert words in text, words
