"""The school's records in the UI: nomenclature of cases, pupils and class lists, filing
a document with the proposals the worker read from it."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from archive_service.access import Permission
from archive_service.services.admin.audit import AuditService
from archive_service.services.batch.cover_sheets import CoverSheetService
from archive_service.services.pipeline.documents import DocumentService, NotFound
from archive_service.services.records.cases import CaseError, CaseService
from archive_service.services.records.filing import (
    Filing,
    FilingError,
    FilingService,
    parse_iso_date,
)
from archive_service.services.records.nomenclature import (
    NomenclatureService,
    for_year,
    standing,
    with_item,
)
from archive_service.services.records.proposals import ProposalService
from archive_service.services.records.pupils import (
    EVENT_LABELS,
    PupilEventError,
    PupilQueries,
    PupilService,
    events_of,
    record_event,
)
from intake.class_list import ClassListError, read_class_list
from retention.nomenclature import (
    NomenclatureError,
    dump_xlsx,
    dump_yaml,
    item_from_mapping,
    load_xlsx,
    load_yaml,
)
from web.access import policy, requires
from web.audit import audit
from web.context import archive

records = Blueprint("records", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- nomenclature -------------------------------------------------------------------------


def _school(service: NomenclatureService) -> str | None:
    """The organisation the page is about (?school=), one that exists; None: the only one."""
    name = (request.values.get("school") or "").strip() or None
    if name is not None and name not in service.schools():
        abort(404)
    return name


def _year(service: NomenclatureService, school: str | None, field: str = "year") -> int:
    """The year a nomenclature page or form is about (?year=): the one in force unless
    given."""
    return request.values.get(field, type=int) or service.year_in_force(school)


@records.route("/nomenclature", methods=["GET", "POST"])
@requires(Permission.READ_NOMENCLATURE)
def nomenclature() -> Any:
    service = NomenclatureService(archive())
    school = _school(service)
    year = request.args.get("year", type=int)
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        if not policy().can(Permission.WRITE_NOMENCLATURE):
            abort(404)
        upload = request.files.get("file")
        data = upload.read() if upload else b""
        try:
            if not data:
                raise NomenclatureError(["выберите файл YAML или XLSX"])
            spec = load_xlsx(data) if data[:4] == b"PK\x03\x04" else load_yaml(data.decode("utf-8"))
        except (NomenclatureError, UnicodeDecodeError) as exc:
            problems = getattr(exc, "problems", ["файл не YAML (UTF-8) и не XLSX"])
            status = 400
        else:
            source = (upload.filename or "") if upload else ""
            got, version = service.import_spec(spec, school, source=source)
            audit("change", f"nomenclature:{got}", detail=f"версия {version}: {source}")
            flash(f"Загружена номенклатура на {got} год, версия {version}", "info")
            return redirect(url_for("records.nomenclature", school=school, year=got))
    in_force = service.year_in_force(school)
    year = year or in_force
    try:
        spec = service.current(school, year)
    except LookupError:
        abort(404)
    return (
        render_template(
            "nomenclature.html",
            spec=spec,
            version=service.current_version(school, year),
            in_force=in_force,
            standing=standing(spec.year, service.years(school)),
            problems=problems,
            school=school,
            schools=service.schools(),
            years=service.years(school),
        ),
        status,
    )


@records.route("/nomenclature/items/<index>", methods=["GET", "POST"])
@records.route("/nomenclature/items/", defaults={"index": None}, methods=["GET", "POST"])
@requires(Permission.WRITE_NOMENCLATURE)
def nomenclature_item(index: str | None) -> Any:
    """Edit one item (or add one) of the year's nomenclature (?year=, the one in force by
    default): saving makes that year's next version, so an error in the list in force
    can be put right in December, when next year's is already approved."""
    service = NomenclatureService(archive())
    school = _school(service)
    try:
        spec = service.current(school, _year(service, school))
    except LookupError:
        abort(404)
    current = next((i for i in spec.items if i.index == index), None)
    if index is not None and current is None:
        abort(404)
    problems: list[str] = []
    if request.method == "POST":
        form = request.form
        kind = form.get("retention_kind", "years")
        retention: dict[str, Any] = (
            {"permanent": True}
            if kind == "permanent"
            else {"dmn": True, "review": form.get("review") or None}
            if kind == "dmn"
            else {"years": form.get("years", type=int)}
        )
        raw = {
            "index": form.get("index", ""),
            "title": form.get("title", ""),
            "retention": retention,
            "epk": bool(form.get("epk")),
            "closes": form.get("closes", "school_year"),
            "event": form.get("event") or None,
            "basis": form.get("basis", ""),
            "note": form.get("note", ""),
            "keywords": [k.strip() for k in form.get("keywords", "").split(";") if k.strip()],
        }
        try:
            edited = with_item(spec, item_from_mapping(raw), index)
        except NomenclatureError as exc:
            problems = exc.problems
        else:
            year, version = service.import_spec(edited, school, source="правка в интерфейсе")
            audit("change", f"nomenclature:{year}", detail=f"версия {version}: {raw['index']}")
            flash(f"Сохранено: номенклатура на {year} год, версия {version}", "info")
            return redirect(url_for("records.nomenclature", school=school, year=year))
    return render_template(
        "nomenclature_item.html", item=current, problems=problems, school=school, year=spec.year
    ), (400 if problems else 200)


@records.route("/nomenclature/year", methods=["POST"])
@requires(Permission.WRITE_NOMENCLATURE)
def nomenclature_year() -> Any:
    """Approve the shown year's nomenclature (?from_year=, the one in force by default)
    for another year."""
    service = NomenclatureService(archive())
    school = _school(service)
    try:
        source = service.current(school, _year(service, school, "from_year"))
    except LookupError:
        abort(404)
    try:
        year, version = service.import_spec(
            for_year(source, request.form.get("year", 0, type=int)),
            school,
            source="перенесена на новый год",
        )
    except NomenclatureError as exc:
        flash("; ".join(exc.problems), "error")
        return redirect(url_for("records.nomenclature", school=school, year=source.year))
    audit("create", f"nomenclature:{year}", detail=f"версия {version}")
    flash(f"Номенклатура на {year} год, версия {version}", "info")
    return redirect(url_for("records.nomenclature", school=school, year=year))


@records.route("/nomenclature/export.<fmt>")
@requires(Permission.READ_NOMENCLATURE)
def nomenclature_export(fmt: str) -> Any:
    service = NomenclatureService(archive())
    school = _school(service)
    try:
        spec = service.current(school, _year(service, school))
    except LookupError:
        abort(404)
    name = f"nomenklatura-{spec.year}"
    if fmt == "xlsx":
        body, mimetype = dump_xlsx(spec), XLSX
    elif fmt == "yaml":
        body, mimetype = dump_yaml(spec).encode("utf-8"), "application/yaml"
    else:
        abort(404)
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


# -- pupils -------------------------------------------------------------------------------


@records.route("/pupils", methods=["GET", "POST"])
@requires(Permission.READ_RECORDS)
def pupils() -> Any:
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        if not policy().can(Permission.WRITE_RECORDS):
            abort(404)
        upload = request.files.get("file")
        data = upload.read() if upload else b""
        year = request.form.get("school_year", "").strip() or None
        try:
            if not data:
                raise ClassListError("выберите файл CSV или XLSX")
            rows, bad = read_class_list(data, year)
        except ClassListError as exc:
            problems, status = [str(exc)], 400
        else:
            report = PupilService(archive()).import_rows(rows)
            audit(
                "create",
                "pupils",
                detail=f"список класса: строк {len(rows)}, новых {report.added}",
            )
            flash(
                f"Загружено строк: {len(rows)} (новых обучающихся: {report.added}); "
                f"с ошибками: {len(bad)}",
                "info" if not bad else "error",
            )
            problems = [str(p) for p in bad]
    name = request.args.get("q", "").strip()
    class_label = request.args.get("class", "").strip()
    found = PupilQueries(archive()).find(policy().classes, name=name, class_label=class_label)
    if name or class_label:  # a look for someone in personal data, as a text search is
        audit("search", "pupils", detail=f"«{name}» {class_label}: найдено {len(found.pupils)}")
    return render_template("pupils.html", found=found, problems=problems), status


@records.route("/pupils/<pupil_id>")
@requires(Permission.READ_RECORDS)
def pupil(pupil_id: str) -> Any:
    found = PupilQueries(archive()).get(pupil_id)
    if found is None:
        abort(404)
    summary, documents = found
    rules = policy()
    if rules.scoped and not (summary.classes and rules.may_open(summary.classes[0][1])):
        abort(404)
    documents = [d for d in documents if rules.may_open(d.class_label, d.health_data)]
    audit("view", f"pupil:{pupil_id}")
    return render_template(
        "pupil.html",
        pupil=summary,
        documents=documents,
        events=events_of(archive(), pupil_id),
        event_labels=EVENT_LABELS,
    )


@records.route("/pupils/<pupil_id>/events", methods=["POST"])
@requires(Permission.WRITE_RECORDS)
def pupil_event(pupil_id: str) -> Any:
    try:
        on = parse_iso_date(request.form.get("on", ""))
        if on is None:
            raise FilingError("Укажите дату")
        closed = record_event(
            archive(), pupil_id, request.form.get("kind", ""), on, request.form.get("basis", "")
        )
        audit("change", f"pupil:{pupil_id}", detail=request.form.get("kind", ""))
    except PupilEventError as exc:
        if str(exc) == "Обучающийся не найден":
            abort(404)
        flash(str(exc), "error")
    except FilingError as exc:
        flash(str(exc), "error")
    else:
        flash("Событие записано" + (f"; закрыто дел: {closed}" if closed else ""), "info")
    return redirect(url_for("records.pupil", pupil_id=pupil_id))


# -- filing -------------------------------------------------------------------------------


@records.route("/documents/<document_id>/file", methods=["POST"])
@requires(Permission.WRITE_RECORDS)
def file_document(document_id: str) -> Any:
    form = request.form
    try:
        filing = Filing(
            item_index=form.get("item_index", ""),
            title=form.get("title") or None,
            document_date=parse_iso_date(form.get("document_date", "")),
            school_year=form.get("school_year") or None,
            class_label=form.get("class_label") or None,
            subject=form.get("subject") or None,
            pupil_ids=[p for p in form.getlist("pupil_ids") if p],
            health_data=bool(form.get("health_data")),
        )
        FilingService(archive()).file(document_id, filing)
        audit("change", f"document:{document_id}", detail=f"подшит: {filing.item_index}")
    except FilingError as exc:
        flash(f"Документ не подшит: {exc}", "error")
        try:
            DocumentService(archive()).get(document_id)
        except NotFound:
            abort(404)
        return redirect(url_for("ui.document", document_id=document_id, _anchor="filing"))
    flash("Документ подшит в дело", "info")
    return redirect(url_for("ui.document", document_id=document_id, _anchor="filing"))


# -- batch scanning -----------------------------------------------------------------------


@records.route("/cover-sheets", methods=["GET", "POST"])
@requires(Permission.WRITE_RECORDS)
def cover_sheets() -> Any:
    items = NomenclatureService(archive()).for_filing().items
    pupils = PupilQueries(archive()).all()
    if request.method == "GET":
        return render_template("cover_sheets.html", items=items, pupils=pupils, error=None)
    form = request.form
    case = form.get("case_id", "").strip()
    try:
        if case and not case.isdigit():
            raise FilingError(f"Номер дела «{case}» — не число")
        pdf = CoverSheetService(archive()).render(
            kind=form.get("item_index", ""),
            pupil_ids=[p for p in form.getlist("pupil_ids") if p],
            case_id=int(case) if case else None,
            school_year=form.get("school_year") or None,
            class_label=form.get("class_label") or None,
            title=form.get("title") or None,
            copies=max(1, min(form.get("copies", 1, type=int) or 1, 500)),
        )
    except FilingError as exc:
        return render_template("cover_sheets.html", items=items, pupils=pupils, error=str(exc)), 400
    audit("export", "cover-sheets", detail=form.get("item_index", ""))
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="titulnye-listy.pdf"'},
    )


@records.route("/inbox")
@requires(Permission.WRITE_RECORDS)
def inbox() -> Any:
    """The queue to be filed, each document with what the worker proposed for it."""
    waiting = DocumentService(archive()).unfiled()
    proposed = ProposalService(archive()).best([d["id"] for d in waiting])
    return render_template("inbox.html", waiting=waiting, proposed=proposed)


@records.route("/inbox/<document_id>/file", methods=["POST"])
@requires(Permission.WRITE_RECORDS)
def file_as_proposed(document_id: str) -> Any:
    """«Подшить как предложено»: the archivist confirms, from the queue, the proposals the
    row shows, as the document's own form would send them untouched."""
    try:
        filing = ProposalService(archive()).filing(document_id)
        FilingService(archive()).file(document_id, filing)
    except FilingError as exc:
        flash(f"Документ не подшит: {exc}", "error")
    else:
        audit("change", f"document:{document_id}", detail=f"подшит: {filing.item_index}")
        flash("Документ подшит в дело", "info")
    return redirect(url_for("records.inbox"))


# -- cases --------------------------------------------------------------------------------


@records.route("/cases")
@requires(Permission.READ_RECORDS, unscoped=True)
def cases() -> Any:
    return render_template("cases.html", cases=CaseService(archive()).all())


@records.route("/cases/<int:case_id>", methods=["GET", "POST"])
@requires(Permission.READ_RECORDS, unscoped=True)
def case(case_id: int) -> Any:
    service = CaseService(archive())
    if request.method == "POST" and not policy().can(Permission.WRITE_RECORDS):
        abort(404)
    try:
        if request.method == "POST":
            action = request.form.get("action")
            if action == "location":
                service.set_location(
                    case_id, request.form.get("room"), request.form.get("shelf"),
                    request.form.get("box"),
                )  # fmt: skip
                audit("change", f"case:{case_id}", detail="место хранения")
                flash("Место хранения записано", "info")
            elif action == "close":
                service.close(case_id, parse_iso_date(request.form.get("closed_on", "")))
                audit("change", f"case:{case_id}", detail="закрыто")
                flash("Дело закрыто", "info")
            elif action == "volume":
                new = service.new_volume(case_id)
                audit("create", f"case:{new}", detail=f"следующий том дела {case_id}")
                flash("Открыт следующий том", "info")
                return redirect(url_for("records.case", case_id=new))
            return redirect(url_for("records.case", case_id=case_id))
        info, entries = service.get(case_id)
    except (CaseError, FilingError) as exc:
        if request.method == "GET":
            abort(404)
        flash(str(exc), "error")
        return redirect(url_for("records.case", case_id=case_id))
    return render_template("case.html", case=info, entries=entries)


@records.route("/cases/<int:case_id>/inventory.pdf")
@requires(Permission.READ_RECORDS, unscoped=True)
def case_inventory(case_id: int) -> Any:
    try:
        pdf = CaseService(archive()).inventory_pdf(case_id)
    except CaseError:
        abort(404)
    audit("export", f"case:{case_id}", detail="внутренняя опись")
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="opis-dela-{case_id}.pdf"'},
    )


# -- audit log ----------------------------------------------------------------------------


@records.route("/audit")
@requires(Permission.READ_AUDIT)
def audit_log() -> Any:
    """«Who saw this record» (by target) and «what did this user see» (by user)."""
    target = request.args.get("target", "").strip() or None
    user = request.args.get("user", "").strip() or None
    service = AuditService(archive())
    rows = service.find(target=target, actor=user) if (target or user) else []
    if request.args.get("format") == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["когда", "кто", "роль", "откуда", "действие", "что", "итог", "подробно"])
        for e in rows:
            writer.writerow(
                [e.at.isoformat(), e.actor, e.role, e.address, e.action, e.target, e.outcome,
                 e.detail]
            )  # fmt: skip
        audit("export", f"audit:{target or user}")
        return Response(
            out.getvalue().encode("utf-8-sig"),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
        )
    return render_template(
        "audit.html", rows=rows, target=target or "", user=user or "", check=service.verify()
    )
