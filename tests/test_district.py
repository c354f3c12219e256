"""A district archive: two schools on one deployment with the same class labels and
namesake pupils; a school's people see their own school only, on both engines, in the
pages, the API and the lists, and a district role sees both."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from archive_service.accounts import AccountError, AccountService
from archive_service.archive import Archive
from archive_service.schools import SchoolService
from archive_service.services.pipeline.documents import DocumentService
from archive_service.services.pipeline.ingest import IngestService
from archive_service.services.records.filing import Filing, FilingService
from archive_service.services.records.pupils import PupilQueries, PupilService
from intake.class_list import read_class_list
from tests.pagegen import born_digital_pdf
from web import create_app

PASSWORD = "пароль-для-района"
CLASS_LIST = "Фамилия;Имя;Класс\nКузнецов;Иван;9Б\n".encode()


@dataclass
class District:
    school_a: int
    school_b: int
    doc_a: str
    doc_b: str
    pupil_a: str
    pupil_b: str


@pytest.fixture
def district(archive: Archive, tmp_path: Path) -> District:
    schools = SchoolService(archive)
    school_a, school_b = schools.add("СОШ № 1"), schools.add("Лицей № 2")
    docs = []
    for n, (school_id, name) in enumerate(((school_a, "СОШ № 1"), (school_b, "Лицей № 2"))):
        rows, _ = read_class_list(CLASS_LIST, "2024/2025")
        PupilService(archive).import_rows(rows, name)
        pdf = born_digital_pdf(
            tmp_path / f"journal-{n}.pdf", [["Классный журнал 9Б", f"{name}, Кузнецов Иван"]]
        )
        outcome = IngestService(archive, school_id).ingest_path(pdf)
        assert outcome.id is not None
        FilingService(archive).file(
            outcome.id, Filing("02-01", school_year="2024/2025", class_label="9Б")
        )
        docs.append(outcome.id)
    pupils = {p.school_id: p.id for p in PupilQueries(archive).all()}
    accounts = AccountService(archive)
    accounts.create("teacher-a", PASSWORD, "staff", ["9Б"], school="СОШ № 1")
    accounts.create("archivist-a", PASSWORD, "archivist", school="СОШ № 1")
    accounts.create("district", PASSWORD, "district_archivist")
    return District(school_a, school_b, docs[0], docs[1], pupils[school_a], pupils[school_b])


def _basic(name: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{PASSWORD}".encode()).decode()}


def _signed_in(archive: Archive, name: str) -> FlaskClient:
    client = create_app(archive, TESTING=True, WTF_CSRF_ENABLED=False).test_client()
    assert client.post("/login", data={"username": name, "password": PASSWORD}).status_code == 302
    return client


def test_documents_belong_to_the_school_they_were_taken_in_for(
    archive: Archive, district: District
) -> None:
    assert DocumentService(archive).access_of(district.doc_a)[2] == district.school_a
    assert DocumentService(archive).access_of(district.doc_b)[2] == district.school_b


def test_a_teacher_of_9b_never_finds_the_other_schools_9b_through_the_api(
    archive: Archive, district: District
) -> None:
    client = create_app(archive, TESTING=True).test_client()
    for query in ("журнал", "Кузнецов", "журнал&class=9Б", f"журнал&school={district.school_b}"):
        body = client.get(f"/api/v1/search?q={query}", headers=_basic("teacher-a")).get_json()
        assert district.doc_b not in {h["id"] for h in body["hits"]}, query
        assert str(district.school_b) not in body["facets"].get("school", {}), query
    own = client.get("/api/v1/search?q=журнал", headers=_basic("teacher-a")).get_json()
    assert [h["id"] for h in own["hits"]] == [district.doc_a] and own["total"] == 1
    listed = client.get("/api/v1/documents", headers=_basic("teacher-a")).get_json()
    assert [d["id"] for d in listed["documents"]] == [district.doc_a]
    other = client.get(f"/api/v1/documents/{district.doc_b}", headers=_basic("teacher-a"))
    assert other.status_code == 404


def test_another_schools_records_answer_404_in_the_pages(
    archive: Archive, district: District
) -> None:
    for name in ("teacher-a", "archivist-a"):
        client = _signed_in(archive, name)
        assert client.get(f"/documents/{district.doc_b}").status_code == 404, name
        assert client.get(f"/documents/{district.doc_b}/pages/1.jpg").status_code == 404, name
        assert client.get(f"/pupils/{district.pupil_b}").status_code == 404, name
        assert client.get(f"/pupils/{district.pupil_a}").status_code == 200, name
        pupils = client.get("/pupils").get_data(as_text=True)
        assert district.pupil_b not in pupils and district.pupil_a in pupils, name
    archivist = _signed_in(archive, "archivist-a")
    listing = archivist.get("/documents").get_data(as_text=True)
    assert district.doc_b not in listing
    assert '<span class="school" title="Организация">СОШ № 1</span>' in listing


def test_a_district_archivist_sees_both_schools_with_a_facet_per_school(
    archive: Archive, district: District
) -> None:
    client = create_app(archive, TESTING=True).test_client()
    body = client.get("/api/v1/search?q=журнал", headers=_basic("district")).get_json()
    assert {h["id"] for h in body["hits"]} == {district.doc_a, district.doc_b}
    assert body["facets"]["school"] == {str(district.school_a): 1, str(district.school_b): 1}
    page = _signed_in(archive, "district").get("/search?q=журнал").get_data(as_text=True)
    assert "Организация" in page and "Лицей № 2" in page and "СОШ № 1" in page


def test_a_school_role_for_an_unknown_school_and_a_district_role_with_one_are_refused(
    archive: Archive, district: District
) -> None:
    from archive_service.accounts import AccountError

    with pytest.raises(AccountError, match="Организации «Гимназия» нет"):
        AccountService(archive).create("x1", PASSWORD, "staff", ["5А"], school="Гимназия")
    with pytest.raises(AccountError, match="районная"):
        AccountService(archive).create("x2", PASSWORD, "district_archivist", school="СОШ № 1")


def _cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "archive_service.cli", "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_cli_adds_and_lists_schools_and_takes_files_in_for_one(tmp_path: Path) -> None:
    data = tmp_path / "data"
    added = _cli(data, "schools", "add", "Лицей № 2", "--json")
    assert added.returncode == 0, added.stderr
    school_id = json.loads(added.stdout)["school_id"]
    again = _cli(data, "schools", "add", "Лицей № 2")
    assert again.returncode != 0 and "уже есть" in again.stderr
    listed = json.loads(_cli(data, "schools", "list", "--json").stdout)
    assert listed == {"schools": [{"school_id": school_id, "name": "Лицей № 2"}]}
    user = _cli(data, "users", "add", "petrova", "--role", "staff", "--classes", "9Б",
                "--school", "Лицей № 2")  # fmt: skip
    assert user.returncode == 0, user.stderr
    pdf = born_digital_pdf(tmp_path / "j.pdf", [["Классный журнал 9Б"]])
    unknown = _cli(data, "ingest", str(pdf), "--school", "Гимназия")
    assert unknown.returncode != 0 and "Организации «Гимназия» нет" in unknown.stderr
    taken = _cli(data, "ingest", str(pdf), "--school", "Лицей № 2", "--json")
    assert taken.returncode == 0, taken.stderr
    from archive_service.config import load_settings

    archive = Archive.open(load_settings(data))
    try:
        document_id = json.loads(taken.stdout)["id"]
        assert DocumentService(archive).access_of(document_id)[2] == school_id
    finally:
        archive.close()
    granted = _cli(data, "users", "add", "rono", "--role", "district_auditor",
                   "--grant", "Лицей № 2")  # fmt: skip
    assert granted.returncode == 0, granted.stderr
    gymnasium = _cli(data, "schools", "add", "Гимназия № 3", "--address", "ул. Мира, 3")
    assert gymnasium.returncode == 0, gymnasium.stderr
    assert _cli(data, "schools", "address", "Лицей № 2", "ул. Лицейская, 2").returncode == 0
    addresses = [
        s.get("address")
        for s in json.loads(_cli(data, "schools", "list", "--json").stdout)["schools"]
    ]
    assert addresses == ["ул. Лицейская, 2", "ул. Мира, 3"]
    merged = _cli(data, "schools", "merge", "Гимназия № 3", "--into", "Лицей № 2", "--json")
    assert merged.returncode == 0, merged.stderr
    assert json.loads(merged.stdout)["merged_into"] == school_id
    listed = json.loads(_cli(data, "schools", "list", "--json").stdout)
    assert listed["schools"][1]["merged_into"] == school_id
    closed = _cli(data, "ingest", str(pdf), "--school", "Гимназия № 3")
    assert closed.returncode != 0 and "присоединена к «Лицей № 2»" in closed.stdout + closed.stderr


def test_each_school_files_into_its_own_cases(archive: Archive, district: District) -> None:
    from archive_service.catalog import Case, Document, Nomenclature, NomenclatureItem
    from archive_service.services.records.filing import FilingError

    with archive.catalog.session() as s:
        owners = {}
        for doc_id in (district.doc_a, district.doc_b):
            doc = s.get(Document, doc_id)
            assert doc is not None and doc.case_id is not None
            case = s.get(Case, doc.case_id)
            assert case is not None
            item = s.get(NomenclatureItem, case.item_id)
            assert item is not None
            owners[doc_id] = (doc.case_id, s.get(Nomenclature, item.nomenclature_id).school_id)  # type: ignore[union-attr]
    (case_a, school_of_a), (case_b, school_of_b) = owners[district.doc_a], owners[district.doc_b]
    assert (school_of_a, school_of_b) == (district.school_a, district.school_b)
    assert case_a != case_b  # the same item and year: one case per school
    filing = FilingService(archive)
    with pytest.raises(FilingError, match=f"Дела № {case_a} нет"):
        filing.file(district.doc_b, Filing("02-01", case_id=case_a))
    cases = _signed_in(archive, "archivist-a").get("/cases").get_data(as_text=True)
    assert f"/cases/{case_a}" in cases and f"/cases/{case_b}" not in cases
    assert _signed_in(archive, "archivist-a").get(f"/cases/{case_b}").status_code == 404


def test_a_schools_auditor_reads_its_own_schools_rows_and_the_chain_stays_whole(
    archive: Archive, district: District
) -> None:
    """Both schools' records are viewed by the district archivist; the auditor of school
    A finds who saw A's journal but nothing of B's, the district auditor finds both, and
    the hash chain, old rows and new, verifies."""
    from archive_service.services.admin.audit import AuditService

    accounts = AccountService(archive)
    accounts.create("auditor-a", PASSWORD, "auditor", school="СОШ № 1")
    accounts.create("auditor-d", PASSWORD, "district_auditor")
    district_archivist = _signed_in(archive, "district")
    for doc in (district.doc_a, district.doc_b):
        assert district_archivist.get(f"/documents/{doc}").status_code == 200
    rows = {r.target: r.school_id for r in AuditService(archive).find(actor="district")}
    assert rows[f"document:{district.doc_a}"] == district.school_a
    assert rows[f"document:{district.doc_b}"] == district.school_b
    school_auditor = _signed_in(archive, "auditor-a")
    own = school_auditor.get(f"/audit?target=document:{district.doc_a}").get_data(as_text=True)
    other = school_auditor.get(f"/audit?target=document:{district.doc_b}").get_data(as_text=True)
    assert "district" in own and f"document:{district.doc_a}" in own
    assert "<td>district</td>" not in other and "Записей нет" in other
    by_user = school_auditor.get("/audit?user=district").get_data(as_text=True)
    assert district.doc_a in by_user and district.doc_b not in by_user
    whole = _signed_in(archive, "auditor-d").get("/audit?user=district").get_data(as_text=True)
    assert district.doc_a in whole and district.doc_b in whole
    assert AuditService(archive).verify().broken_at is None


def test_a_district_archivist_uploads_for_the_school_chosen(
    archive: Archive, district: District, tmp_path: Path
) -> None:
    """The upload form offers a district archivist the schools; the file belongs to the
    one chosen. A school's archivist is offered none and always takes in for their own,
    whatever a crafted form says; an unknown school is refused."""
    district_archivist = _signed_in(archive, "district")
    form = district_archivist.get("/upload").get_data(as_text=True)
    assert 'name="school"' in form and "Лицей № 2" in form
    pdf = born_digital_pdf(tmp_path / "для-лицея.pdf", [["Протокол для лицея"]])
    with pdf.open("rb") as fh:
        done = district_archivist.post(
            "/api/v1/documents",
            data={"files": (fh, "для-лицея.pdf"), "school": str(district.school_b)},
            headers=_basic("district"),
        )
    assert done.status_code == 201, done.get_data(as_text=True)
    new_id = done.get_json()["results"][0]["id"]
    assert DocumentService(archive).access_of(new_id)[2] == district.school_b
    with pdf.open("rb") as fh:
        unknown = district_archivist.post(
            "/api/v1/documents",
            data={"files": (fh, "x.pdf"), "school": "999"},
            headers=_basic("district"),
        )
    assert unknown.status_code == 400 and "999" in unknown.get_json()["error"]
    archivist_a = _signed_in(archive, "archivist-a")
    assert 'name="school"' not in archivist_a.get("/upload").get_data(as_text=True)
    other = born_digital_pdf(tmp_path / "подмена.pdf", [["Подмена школы"]])
    with other.open("rb") as fh:
        crafted = archivist_a.post(
            "/api/v1/documents",
            data={"files": (fh, "подмена.pdf"), "school": str(district.school_b)},
            headers=_basic("archivist-a"),
        )
    crafted_id = crafted.get_json()["results"][0]["id"]
    assert DocumentService(archive).access_of(crafted_id)[2] == district.school_a


def test_a_district_role_switches_to_one_school_and_back(
    archive: Archive, district: District
) -> None:
    client = _signed_in(archive, "district")
    page = client.get("/documents").get_data(as_text=True)
    assert 'class="school-view"' in page and "все организации" in page
    assert district.doc_a in page and district.doc_b in page
    assert client.post("/school-view", data={"school": str(district.school_b)}).status_code == 302
    page = client.get("/documents").get_data(as_text=True)
    assert '<span class="school" title="Организация">Лицей № 2</span>' in page
    assert district.doc_b in page and district.doc_a not in page
    found = client.get("/api/v1/search?q=журнал").get_json()
    assert [h["id"] for h in found["hits"]] == [district.doc_b]
    assert client.get(f"/documents/{district.doc_a}").status_code == 404
    assert client.post("/school-view", data={"school": "999"}).status_code == 400
    assert client.post("/school-view", data={"school": ""}).status_code == 302
    both = client.get("/api/v1/search?q=журнал").get_json()
    assert {h["id"] for h in both["hits"]} == {district.doc_a, district.doc_b}
    assert both["facets"]["school"] == {str(district.school_a): 1, str(district.school_b): 1}
    teacher = _signed_in(archive, "teacher-a")
    assert 'class="school-view"' not in teacher.get("/documents").get_data(as_text=True)
    assert teacher.post("/school-view", data={"school": str(district.school_b)}).status_code == 404


def test_a_file_another_school_holds_is_refused_without_naming_it(
    archive: Archive, district: District, tmp_path: Path
) -> None:
    """School B takes in the very file school A holds: the answer says another school
    has it and gives no id."""
    pdf = born_digital_pdf(tmp_path / "общий.pdf", [["Один и тот же протокол"]])
    first = IngestService(archive, district.school_a).ingest_path(pdf)
    again_a = IngestService(archive, district.school_a).ingest_path(pdf)
    assert again_a.status == "duplicate" and again_a.id == first.id
    from_b = IngestService(archive, district.school_b).ingest_path(pdf)
    assert from_b.status == "rejected" and from_b.id is None
    assert from_b.error == "Этот файл уже хранится в архиве другой организации"


def test_proposals_take_the_documents_own_schools_pupils(
    archive: Archive, district: District
) -> None:
    """Both schools have a Кузнецов Иван in 9Б: school A's journal is proposed for A's."""
    from archive_service.services.records.proposals import ProposalService

    for doc, pupil in ((district.doc_a, district.pupil_a), (district.doc_b, district.pupil_b)):
        proposed = [p.value for p in ProposalService(archive).refresh(doc) if p.field == "pupil"]
        assert proposed == [pupil]


def test_an_event_for_another_schools_pupil_is_refused(
    archive: Archive, district: District
) -> None:
    client = _signed_in(archive, "archivist-a")
    refused = client.post(
        f"/pupils/{district.pupil_b}/events",
        data={"kind": "left", "on": "2026-01-10", "basis": "приказ № 1"},
    )
    assert refused.status_code == 404
    from archive_service.services.records.pupils import events_of

    assert events_of(archive, district.pupil_b) == []


def test_a_cover_sheet_names_only_the_schools_own_cases_and_pupils(
    archive: Archive, district: District
) -> None:
    from archive_service.services.batch.cover_sheets import CoverSheetService
    from archive_service.services.records.filing import FilingError

    b_case = FilingService(archive).file(
        district.doc_b, Filing("02-01", school_year="2024/2025", class_label="9Б")
    )
    sheets = CoverSheetService(archive)
    assert sheets.render("04-01", [district.pupil_a], school_id=district.school_a).startswith(
        b"%PDF"
    )
    with pytest.raises(FilingError, match="неизвестный"):
        sheets.render("04-01", [district.pupil_b], school_id=district.school_a)
    with pytest.raises(FilingError, match=f"Дела № {b_case} нет"):
        sheets.render("02-01", case_id=b_case, school_id=district.school_a)
    client = _signed_in(archive, "archivist-a")
    refused = client.post(
        "/cover-sheets", data={"item_index": "04-01", "pupil_ids": district.pupil_b}
    )
    assert refused.status_code == 400 and "неизвестный" in refused.get_data(as_text=True)


def test_a_district_role_granted_one_school_sees_that_school_only(
    archive: Archive, district: District
) -> None:
    AccountService(archive).create("inspector", PASSWORD, "district_archivist", grant=["СОШ № 1"])
    client = create_app(archive, TESTING=True).test_client()
    body = client.get("/api/v1/search?q=журнал", headers=_basic("inspector")).get_json()
    assert [h["id"] for h in body["hits"]] == [district.doc_a]
    assert str(district.school_b) not in body["facets"].get("school", {})
    other = client.get(f"/api/v1/documents/{district.doc_b}", headers=_basic("inspector"))
    assert other.status_code == 404
    signed_in = _signed_in(archive, "inspector")
    signed_in.post("/school-view", data={"school": str(district.school_b)})
    assert signed_in.get(f"/documents/{district.doc_b}").status_code == 404
    with pytest.raises(AccountError, match="нет"):
        AccountService(archive).create("x", PASSWORD, "district_auditor", grant=["Гимназия"])
    with pytest.raises(AccountError, match="школьная"):
        AccountService(archive).create("y", PASSWORD, "archivist", grant=["СОШ № 1"])


def test_a_merged_school_keeps_its_cases_apart_and_its_successor_sees_them(
    archive: Archive, district: District, tmp_path: Path
) -> None:
    from archive_service.schools import SchoolError

    AccountService(archive).create("teacher-b", PASSWORD, "staff", ["9Б"], school="Лицей № 2")
    client = create_app(archive, TESTING=True).test_client()
    before = client.get("/api/v1/search?q=журнал", headers=_basic("teacher-b")).get_json()
    assert [h["id"] for h in before["hits"]] == [district.doc_b]

    schools = SchoolService(archive)
    with pytest.raises(SchoolError, match="Собственная"):
        schools.merge("СОШ № 1", "Лицей № 2")
    merged, successor, moved = schools.merge("Лицей № 2", "СОШ № 1")

    assert (merged, successor, moved) == (district.school_b, district.school_a, 1)
    for teacher in ("teacher-a", "teacher-b"):  # both are the successor's teachers now
        found = client.get("/api/v1/search?q=журнал", headers=_basic(teacher)).get_json()
        assert {h["id"] for h in found["hits"]} == {district.doc_a, district.doc_b}, teacher
    docs = DocumentService(archive)
    case_a = docs.get(district.doc_a)["filing"]["case_id"]
    case_b = docs.get(district.doc_b)["filing"]["case_id"]
    assert case_a != case_b  # the same journal of 9Б, in two cases: each school's own
    assert docs.access_of(district.doc_b)[2] == district.school_b
    late = IngestService(archive, district.school_b).ingest_path(
        born_digital_pdf(tmp_path / "late.pdf", [["Поздний документ"]])
    )
    assert late.status == "rejected" and "присоединена к «СОШ № 1»" in (late.error or "")
    with pytest.raises(SchoolError, match="уже присоединена"):
        schools.merge("Лицей № 2", "СОШ № 1")


def test_the_successors_officer_lists_and_acts_on_a_merged_schools_cases(
    archive: Archive, district: District
) -> None:
    """After a merge the merged school's cases stay its own, so they go into acts of
    its own; the successor's retention officer is the one to draft them, and the due
    list offers the merged school beside the successor."""
    schools = SchoolService(archive)
    third = schools.add("Гимназия № 3")
    schools.merge("Лицей № 2", "СОШ № 1")
    AccountService(archive).create("officer-a", PASSWORD, "retention_officer", school="СОШ № 1")
    case_b = DocumentService(archive).get(district.doc_b)["filing"]["case_id"]
    page = _signed_in(archive, "officer-a")

    own = page.get("/retention?year=2100").get_data(as_text=True)
    assert f'<option value="{district.school_b}" >Лицей № 2 (присоединена)</option>' in own
    assert f'data-case="{case_b}"' not in own
    merged = page.get(f"/retention?year=2100&school={district.school_b}")
    assert merged.status_code == 200 and f'data-case="{case_b}"' in merged.get_data(as_text=True)
    assert page.get(f"/retention?year=2100&school={third}").status_code == 404

    api = create_app(archive, TESTING=True).test_client()
    due = api.get(
        f"/api/v1/retention/due?year=2100&school={district.school_b}", headers=_basic("officer-a")
    ).get_json()
    assert case_b in [c["case_id"] for c in due["due"]]
    drafted = api.post(
        "/api/v1/acts",
        json={"year": 2100, "school": district.school_b},
        headers=_basic("officer-a"),
    )
    assert drafted.status_code == 201, drafted.get_json()
    act = drafted.get_json()
    assert act["school_id"] == district.school_b
    assert [c["case_id"] for c in act["cases"]] == [case_b]


@pytest.mark.parametrize("settings", ["scaled"], indirect=True)
def test_serve_rebuilds_an_elasticsearch_index_written_before_the_school_filter(
    archive: Archive, district: District
) -> None:
    """An index an older release wrote holds pages without the school: a school's people
    (always filtered by it) would find none of their records of before the update, so
    `archive serve` rebuilds it before the first search, and says why."""
    from archive_service.cli.servers import _rebuild_a_stale_index
    from archive_service.services.pipeline.indexing import IndexingService
    from search.es_mapping import MAPPING_VERSION, MAPPINGS, document_action, index_settings

    index = archive.index
    es = index.es  # type: ignore[attr-defined]
    older = dict(MAPPINGS, _meta={"mapping_version": MAPPING_VERSION - 1})
    older["properties"] = {k: v for k, v in MAPPINGS["properties"].items() if k != "facet_school"}
    name = f"{index.prefix}-pages-v{MAPPING_VERSION - 1}-0"  # type: ignore[attr-defined]
    current = list(es.indices.get_alias(name=index.read_alias).body)  # type: ignore[attr-defined]
    es.indices.create(index=name, settings=index_settings(1, 0), mappings=older)
    for document in IndexingService(archive)._archived_documents():
        action = document_action(document, name)
        action["_source"].pop("facet_school", None)
        es.index(index=name, id=action["_id"], document=action["_source"], refresh=True)
    es.indices.update_aliases(
        actions=[
            *({"remove_index": {"index": old}} for old in current),
            {"add": {"index": name, "alias": index.read_alias}},  # type: ignore[attr-defined]
            {"add": {"index": name, "alias": index.write_alias, "is_write_index": True}},  # type: ignore[attr-defined]
        ]
    )
    teacher = create_app(archive, TESTING=True).test_client()
    before = teacher.get("/api/v1/search?q=журнал", headers=_basic("teacher-a")).get_json()
    assert before["hits"] == []  # the old pages have no school to match

    said: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("click.echo", lambda text="", **_: said.append(str(text)))
        _rebuild_a_stale_index(archive)

    assert any("Поисковый индекс устарел" in line and "Строю его заново" in line for line in said)
    assert "Проиндексировано документов: 2" in said
    after = teacher.get("/api/v1/search?q=журнал", headers=_basic("teacher-a")).get_json()
    assert [h["id"] for h in after["hits"]] == [district.doc_a]
    assert IndexingService(archive).stale() is None


def test_a_class_list_uploaded_by_a_schools_archivist_joins_that_schools_pupils(
    archive: Archive, district: District
) -> None:
    import io

    AccountService(archive).create("archivist-b", PASSWORD, "archivist", school="Лицей № 2")
    client = _signed_in(archive, "archivist-b")
    listed = "Фамилия;Имя;Класс\nОрлова;Вера;5А\n".encode()
    sent = client.post(
        "/pupils",
        data={"file": (io.BytesIO(listed), "5a.csv"), "school_year": "2024/2025"},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 200
    (orlova,) = [p for p in PupilQueries(archive).all() if p.full_name.startswith("Орлова")]
    assert orlova.school_id == district.school_b


def test_the_administrator_adds_and_merges_schools_in_the_pages_and_the_api(
    archive: Archive, district: District
) -> None:
    AccountService(archive).create("admin", PASSWORD, "administrator")
    pages = _signed_in(archive, "admin")
    assert pages.post("/schools", data={"name": "Гимназия № 3"}).status_code == 302
    listing = pages.get("/schools").get_data(as_text=True)
    assert "Гимназия № 3" in listing and "Присоединить" in listing
    api = create_app(archive, TESTING=True).test_client()
    listed = api.get("/api/v1/schools", headers=_basic("admin")).get_json()["schools"]
    gymnasium = next(s["school_id"] for s in listed if s["name"] == "Гимназия № 3")
    refused = api.post(
        f"/api/v1/schools/{district.school_a}/merge", json={"into": gymnasium},
        headers=_basic("admin"),
    )  # fmt: skip
    assert refused.status_code == 400 and "Собственная" in refused.get_json()["error"]
    merged = api.post(
        f"/api/v1/schools/{gymnasium}/merge", json={"into": district.school_b},
        headers=_basic("admin"),
    )  # fmt: skip
    assert merged.get_json() == {
        "school_id": gymnasium, "merged_into": district.school_b, "accounts_moved": 0,
    }  # fmt: skip
    assert "присоединена к «Лицей № 2»" in pages.get("/schools").get_data(as_text=True)
    addressed = api.patch(
        f"/api/v1/schools/{district.school_b}", json={"address": "г. Казань, ул. Лицейская, 2"},
        headers=_basic("admin"),
    )  # fmt: skip
    assert addressed.get_json()["address"] == "г. Казань, ул. Лицейская, 2"
    too_long = api.patch(
        f"/api/v1/schools/{district.school_b}", json={"address": "д" * 1001},
        headers=_basic("admin"),
    )  # fmt: skip
    assert too_long.status_code == 400 and "1000" in too_long.get_json()["error"]
    assert pages.post(f"/schools/{district.school_a}/address", data={"address": "ул. Мира, 1"})
    shown = pages.get("/schools").get_data(as_text=True)
    assert 'value="ул. Мира, 1"' in shown and 'value="г. Казань, ул. Лицейская, 2"' in shown
    assert (
        api.patch("/api/v1/schools/999", json={"address": "x"}, headers=_basic("admin")).status_code
        == 404
    )
    assert api.get("/api/v1/schools", headers=_basic("district")).status_code == 404


def test_a_schools_nomenclature_is_its_own_to_read_and_edit(
    archive: Archive, district: District
) -> None:
    """A school's archivist works in its own school's nomenclature: the page opens on
    it, an edit changes it alone, and naming another school answers 404 with nothing
    changed there. A district role granted one school opens on that one."""
    from archive_service.services.records.nomenclature import NomenclatureService

    service = NomenclatureService(archive)
    others = service.current("Лицей № 2")
    journal = next(i for i in service.current("СОШ № 1").items if i.index == "02-01")
    form = {
        "index": "02-01",
        "title": journal.title,
        "retention_kind": "years",
        "years": "7",
        "closes": journal.closes.value,
        "basis": journal.retention.basis,
    }
    client = _signed_in(archive, "archivist-a")
    assert 'name="school" value="СОШ № 1"' in client.get("/nomenclature").get_data(as_text=True)
    assert client.get("/nomenclature?school=Лицей № 2").status_code == 404
    assert client.get("/nomenclature/export.yaml?school=Лицей № 2").status_code == 404
    assert client.post("/nomenclature/items/02-01?school=Лицей № 2", data=form).status_code == 404
    assert client.post("/nomenclature/items/02-01", data=form).status_code == 302
    mine = next(i for i in service.current("СОШ № 1").items if i.index == "02-01")
    assert mine.retention.years == 7
    assert service.current("Лицей № 2") == others

    AccountService(archive).create("inspector", PASSWORD, "district_archivist", grant=["СОШ № 1"])
    inspector = _signed_in(archive, "inspector")
    assert 'value="СОШ № 1"' in inspector.get("/nomenclature").get_data(as_text=True)
    assert inspector.get("/nomenclature?school=Лицей № 2").status_code == 404
    district_wide = _signed_in(archive, "district")
    assert district_wide.get("/nomenclature?school=Лицей № 2").status_code == 200
