"""The nomenclature of cases in the UI and /api/v1/nomenclature: the year's list,
editing an item, approving it for another year, export as YAML, XLSX or the official
form. Every save says what it leaves as it was (cases in approved acts)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from archive_service.access import Permission
from archive_service.schools import SchoolService
from archive_service.services.records.nomenclature import (
    NomenclatureService,
    for_year,
    standing,
    with_item,
)
from archive_service.services.records.nomenclature_form import nomenclature_pdf
from retention.nomenclature import (
    NomenclatureError,
    NomenclatureSpec,
    dump_xlsx,
    dump_yaml,
    from_mapping,
    item_from_mapping,
    load_bytes,
    to_mapping,
)
from web.access import page_school, page_schools, policy, requires
from web.api import api
from web.audit import audit
from web.context import archive
from web.params import within

blueprint = Blueprint("nomenclature", __name__)

YEARS = (1900, 2200)  # a nomenclature's year outside these is no year
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _school(service: NomenclatureService) -> str | None:
    """The organisation the page is about (`page_school`: a school role's own, one a
    district role sees); None: the archive's own."""
    school = page_school(request.values)
    return None if school is None else school.name


def save(
    service: NomenclatureService, spec: NomenclatureSpec, school: str | None, source: str
) -> tuple[int, int, list[str]]:
    """Store `spec` as the school's next version, audited; what the change leaves as it
    was (cases of approved acts keep their period), in words for the one saving."""
    notices = service.acts_keep_their_periods(spec, school)
    year, version = service.import_spec(spec, school, source=source)
    audit("change", f"nomenclature:{year}", detail=f"версия {version}: {source}")
    return year, version, notices


def _flash_saved(year: int, version: int, notices: list[str]) -> None:
    flash(f"Сохранено: номенклатура на {year} год, версия {version}", "info")
    for notice in notices:
        flash(notice, "info")


def read_upload(data: bytes) -> NomenclatureSpec:
    """A nomenclature file as uploaded: XLSX by its signature, else YAML in UTF-8."""
    if not data:
        raise NomenclatureError(["выберите файл YAML или XLSX"])
    return load_bytes(data)


def _year(service: NomenclatureService, school: str | None, field: str = "year") -> int:
    """The year a nomenclature page or form is about (?year=): the one in force unless
    given."""
    return within(request.values, field, *YEARS) or service.year_in_force(school)


@blueprint.route("/nomenclature", methods=["GET", "POST"])
@requires(Permission.READ_NOMENCLATURE)
def page() -> Any:
    service = NomenclatureService(archive())
    school = _school(service)
    year = within(request.args, "year", *YEARS)
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        if not policy().can(Permission.WRITE_NOMENCLATURE):
            abort(404)
        upload = request.files.get("file")
        try:
            spec = read_upload(upload.read() if upload else b"")
        except NomenclatureError as exc:
            problems, status = exc.problems, 400
        else:
            source = (upload.filename or "") if upload else ""
            got, version, notices = save(service, spec, school, source)
            _flash_saved(got, version, notices)
            return redirect(url_for("nomenclature.page", school=school, year=got))
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
            schools=[s.name for s in page_schools()],
            years=service.years(school),
        ),
        status,
    )


@blueprint.route("/nomenclature/items/<index>", methods=["GET", "POST"])
@blueprint.route("/nomenclature/items/", defaults={"index": None}, methods=["GET", "POST"])
@requires(Permission.WRITE_NOMENCLATURE)
def item(index: str | None) -> Any:
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
            else {"years": within(form, "years", 1, 1000)}
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
            source = f"правка в интерфейсе: {raw['index']}"
            year, version, notices = save(service, edited, school, source)
            _flash_saved(year, version, notices)
            return redirect(url_for("nomenclature.page", school=school, year=year))
    return render_template(
        "nomenclature_item.html", item=current, problems=problems, school=school, year=spec.year
    ), (400 if problems else 200)


@blueprint.route("/nomenclature/year", methods=["POST"])
@requires(Permission.WRITE_NOMENCLATURE)
def year() -> Any:
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
            for_year(source, within(request.form, "year", *YEARS) or 0),
            school,
            source="перенесена на новый год",
        )
    except NomenclatureError as exc:
        flash("; ".join(exc.problems), "error")
        return redirect(url_for("nomenclature.page", school=school, year=source.year))
    audit("create", f"nomenclature:{year}", detail=f"версия {version}")
    flash(f"Номенклатура на {year} год, версия {version}", "info")
    return redirect(url_for("nomenclature.page", school=school, year=year))


@blueprint.route("/nomenclature/export.<fmt>")
@requires(Permission.READ_NOMENCLATURE)
def export(fmt: str) -> Any:
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
    elif fmt == "pdf":
        school_name = school or SchoolService(archive()).name_of(None)
        body, mimetype = nomenclature_pdf(spec, school_name), "application/pdf"
    else:
        abort(404)
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


# --- /api/v1 ----------------------------------------------------------------------


@api.route("/nomenclature", methods=["GET", "POST"])
@requires(Permission.READ_NOMENCLATURE)
def api_nomenclature() -> Any:
    """GET: the year's nomenclature (?year=, the one in force by default) of the school
    (?school=, as on the page). POST: a new version from a YAML or XLSX file (multipart
    `file`) or the same mapping as JSON; the answer names what it left as it was."""
    service = NomenclatureService(archive())
    school = _school(service)
    if request.method == "POST":
        if not policy().can(Permission.WRITE_NOMENCLATURE):
            abort(404)
        body = request.get_json(silent=True)
        upload = request.files.get("file")
        try:
            if isinstance(body, dict):
                spec, source = from_mapping(body), "API"
            else:
                spec = read_upload(upload.read() if upload else b"")
                source = (upload.filename or "API") if upload else "API"
        except NomenclatureError as exc:
            abort(400, description="; ".join(exc.problems))
        year, version, notices = save(service, spec, school, source)
        return jsonify({"year": year, "version": version, "notices": notices}), 201
    try:
        spec = service.current(school, _year(service, school))
    except LookupError:
        abort(404)
    stored = service.current_version(school, spec.year)
    return jsonify(
        {
            "school": school or SchoolService(archive()).name_of(None),
            "version": stored[1] if stored else None,
            "in_force": service.year_in_force(school),
            "years": service.years(school),
            **to_mapping(spec),
        }
    )
