"""Filing in the UI and /api/v1: a document filed from its page, the queue to be filed
with «Подшить как предложено», and cover sheets printed for a stack."""

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
from archive_service.services.batch.cover_sheets import CoverSheetService
from archive_service.services.pipeline.documents import DocumentService
from archive_service.services.pipeline.inbox import InboxService
from archive_service.services.records.filing import (
    Filing,
    FilingError,
    FilingService,
    parse_iso_date,
)
from archive_service.services.records.nomenclature import NomenclatureService
from archive_service.services.records.proposals import ProposalService
from web.access import ensure_may_open_document, intake_school, policy, requires
from web.api import api
from web.audit import audit
from web.context import archive
from web.params import LARGEST_ID, clamped

blueprint = Blueprint("filing", __name__)


def pupil_ids(values: Any) -> list[str]:
    """The pupils a form (repeated `pupil_ids`) or a JSON body (a list, or one id) names."""
    pupils = values.getlist("pupil_ids") if hasattr(values, "getlist") else values.get("pupil_ids")
    return [str(p) for p in ([pupils] if isinstance(pupils, str) else pupils or []) if p]


def filing_from(values: Any) -> Filing:
    """The filing a form or a JSON body asks for."""
    return Filing(
        item_index=str(values.get("item_index") or ""),
        title=values.get("title") or None,
        document_date=parse_iso_date(str(values.get("document_date") or "")),
        school_year=values.get("school_year") or None,
        class_label=values.get("class_label") or None,
        subject=values.get("subject") or None,
        pupil_ids=pupil_ids(values),
        health_data=bool(values.get("health_data")),
    )


def file_document_as(document_id: str, values: Any) -> int:
    """File a document this person may open (filing could otherwise clear the health
    flag that hides it from them), as `values` say or, with `as_proposed`, as the
    worker proposed; audited. Returns the case."""
    ensure_may_open_document(document_id)
    if values.get("as_proposed"):
        filing = ProposalService(archive()).filing(document_id)
    else:
        filing = filing_from(values)
    case_id = FilingService(archive()).file(document_id, filing)
    audit("change", f"document:{document_id}", detail=f"подшит: {filing.item_index}")
    return case_id


def _named(document_id: str) -> str:
    return f"«{DocumentService(archive()).get(document_id)['title']}»"


@blueprint.route("/documents/<document_id>/file", methods=["POST"])
@requires(Permission.WRITE_RECORDS)
def file_document(document_id: str) -> Any:
    """Filing from the document's page."""
    try:
        file_document_as(document_id, request.form)
    except FilingError as exc:
        flash(f"Документ не подшит: {exc}", "error")
    else:
        flash("Документ подшит в дело", "info")
    return redirect(url_for("ui.document", document_id=document_id, _anchor="filing"))


@api.route("/documents/<document_id>/filing", methods=["POST"])
@requires(Permission.WRITE_RECORDS)
def api_file(document_id: str) -> Any:
    """File (or refile) a document: the fields of the page's form as JSON, or
    {"as_proposed": true} for what the worker proposed."""
    data = request.get_json(silent=True)
    try:
        case_id = file_document_as(document_id, data if isinstance(data, dict) else request.form)
    except FilingError as exc:
        abort(400, description=f"Документ {_named(document_id)} не подшит: {exc}")
    return jsonify({"document_id": document_id, "case_id": case_id})


# -- batch scanning -----------------------------------------------------------------------


def render_cover_sheets(values: Any) -> bytes:
    """Cover sheets (PDF) for what a form or a JSON body names; audited."""
    case = str(values.get("case_id") or "").strip()
    if case and not case.isdigit():
        raise FilingError(f"Номер дела «{case}» — не число")
    if case and int(case) > LARGEST_ID:
        raise FilingError(f"Дела № {case} в архиве нет")
    pdf = CoverSheetService(archive()).render(
        kind=str(values.get("item_index") or ""),
        pupil_ids=pupil_ids(values),
        case_id=int(case) if case else None,
        school_year=values.get("school_year") or None,
        class_label=values.get("class_label") or None,
        title=values.get("title") or None,
        copies=clamped(values, "copies", 1, 1, 500),
        school_id=intake_school(values),
    )
    audit("export", "cover-sheets", detail=str(values.get("item_index") or ""))
    return pdf


def _cover_sheets_pdf(pdf: bytes) -> Response:
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="titulnye-listy.pdf"'},
    )


@blueprint.route("/cover-sheets", methods=["GET", "POST"])
@requires(Permission.WRITE_RECORDS)
def cover_sheets() -> Any:
    items = NomenclatureService(archive()).for_filing().items
    if request.method == "GET":
        return render_template("cover_sheets.html", items=items, error=None)
    try:
        pdf = render_cover_sheets(request.form)
    except FilingError as exc:
        return render_template("cover_sheets.html", items=items, error=str(exc)), 400
    return _cover_sheets_pdf(pdf)


@api.route("/cover-sheets", methods=["POST"])
@requires(Permission.WRITE_RECORDS)
def api_cover_sheets() -> Any:
    """Cover sheets for scanning a stack: {item_index, school_year, class_label, title,
    case_id, pupil_ids, copies}; a PDF, one sheet per pupil (or `copies`)."""
    data = request.get_json(silent=True)
    try:
        pdf = render_cover_sheets(data if isinstance(data, dict) else request.form)
    except FilingError as exc:
        abort(400, description=str(exc))
    return _cover_sheets_pdf(pdf)


@blueprint.route("/inbox")
@requires(Permission.WRITE_RECORDS)
def inbox() -> Any:
    """The queue to be filed, each document with what the worker proposed for it and
    why it waits."""
    return render_template("inbox.html", waiting=InboxService(archive()).waiting(policy()))


@api.route("/inbox")
@requires(Permission.WRITE_RECORDS)
def api_inbox() -> Any:
    waiting = InboxService(archive()).waiting(policy())
    return jsonify({"waiting": [w.as_dict() for w in waiting]})


@blueprint.route("/inbox/<document_id>/file", methods=["POST"])
@requires(Permission.WRITE_RECORDS)
def file_as_proposed(document_id: str) -> Any:
    """«Подшить как предложено»: the archivist confirms, from the queue, the proposals the
    row shows, as the document's own form would send them untouched."""
    try:
        file_document_as(document_id, {"as_proposed": True})
    except FilingError as exc:
        flash(f"Документ {_named(document_id)} не подшит: {exc}", "error")
    else:
        flash(f"Документ {_named(document_id)} подшит в дело", "info")
    return redirect(url_for("filing.inbox"))
