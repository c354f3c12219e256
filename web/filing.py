"""Filing in the UI: a document filed from its page, the queue to be filed with
«Подшить как предложено», and cover sheets printed for a stack."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from archive_service.access import Permission
from archive_service.services.batch.cover_sheets import CoverSheetService
from archive_service.services.pipeline.documents import DocumentService
from archive_service.services.records.filing import (
    Filing,
    FilingError,
    FilingService,
    parse_iso_date,
)
from archive_service.services.records.nomenclature import NomenclatureService
from archive_service.services.records.proposals import ProposalService
from archive_service.services.records.pupils import PupilQueries
from web.access import ensure_may_open_document, intake_school, policy, requires
from web.audit import audit
from web.context import archive
from web.params import LARGEST_ID, clamped

blueprint = Blueprint("filing", __name__)


@blueprint.route("/documents/<document_id>/file", methods=["POST"])
@requires(Permission.WRITE_RECORDS)
def file_document(document_id: str) -> Any:
    """Filing from the document's page; only a document this person may open (filing
    could otherwise clear the health flag that hides it from them)."""
    ensure_may_open_document(document_id)
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
        return redirect(url_for("ui.document", document_id=document_id, _anchor="filing"))
    flash("Документ подшит в дело", "info")
    return redirect(url_for("ui.document", document_id=document_id, _anchor="filing"))


# -- batch scanning -----------------------------------------------------------------------


@blueprint.route("/cover-sheets", methods=["GET", "POST"])
@requires(Permission.WRITE_RECORDS)
def cover_sheets() -> Any:
    items = NomenclatureService(archive()).for_filing().items
    pupils = PupilQueries(archive()).all(schools=policy().schools)
    if request.method == "GET":
        return render_template("cover_sheets.html", items=items, pupils=pupils, error=None)
    form = request.form
    case = form.get("case_id", "").strip()
    try:
        if case and not case.isdigit():
            raise FilingError(f"Номер дела «{case}» — не число")
        if case and int(case) > LARGEST_ID:
            raise FilingError(f"Дела № {case} в архиве нет")
        pdf = CoverSheetService(archive()).render(
            kind=form.get("item_index", ""),
            pupil_ids=[p for p in form.getlist("pupil_ids") if p],
            case_id=int(case) if case else None,
            school_year=form.get("school_year") or None,
            class_label=form.get("class_label") or None,
            title=form.get("title") or None,
            copies=clamped(form, "copies", 1, 1, 500),
            school_id=intake_school(form),
        )
    except FilingError as exc:
        return render_template("cover_sheets.html", items=items, pupils=pupils, error=str(exc)), 400
    audit("export", "cover-sheets", detail=form.get("item_index", ""))
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="titulnye-listy.pdf"'},
    )


@blueprint.route("/inbox")
@requires(Permission.WRITE_RECORDS)
def inbox() -> Any:
    """The queue to be filed, each document with what the worker proposed for it."""
    waiting = DocumentService(archive()).unfiled()
    proposed = ProposalService(archive()).best([d["id"] for d in waiting])
    return render_template("inbox.html", waiting=waiting, proposed=proposed)


@blueprint.route("/inbox/<document_id>/file", methods=["POST"])
@requires(Permission.WRITE_RECORDS)
def file_as_proposed(document_id: str) -> Any:
    """«Подшить как предложено»: the archivist confirms, from the queue, the proposals the
    row shows, as the document's own form would send them untouched."""
    ensure_may_open_document(document_id)
    try:
        filing = ProposalService(archive()).filing(document_id)
        FilingService(archive()).file(document_id, filing)
    except FilingError as exc:
        flash(f"Документ не подшит: {exc}", "error")
    else:
        audit("change", f"document:{document_id}", detail=f"подшит: {filing.item_index}")
        flash("Документ подшит в дело", "info")
    return redirect(url_for("filing.inbox"))
