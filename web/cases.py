"""Cases in the UI: the list, a case with its sheets, where its paper lies, closing,
the next volume, and the internal inventory as PDF."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from archive_service.access import Permission
from archive_service.services.disposal.holds import HoldService
from archive_service.services.records.cases import CaseError, CaseService
from archive_service.services.records.filing import FilingError, parse_iso_date
from web.access import policy, requires
from web.audit import audit
from web.context import archive

blueprint = Blueprint("cases", __name__)


@blueprint.route("/cases")
@requires(Permission.READ_RECORDS, unscoped=True)
def index() -> Any:
    return render_template("cases.html", cases=CaseService(archive()).all(policy()))


@blueprint.route("/cases/<int:case_id>", methods=["GET", "POST"])
@requires(Permission.READ_RECORDS, unscoped=True)
def case(case_id: int) -> Any:
    service = CaseService(archive())
    if request.method == "POST" and not policy().can(Permission.WRITE_RECORDS):
        abort(404)
    try:
        if request.method == "POST":
            service.get(case_id, policy())  # another school's case is no case to write to
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
                return redirect(url_for("cases.case", case_id=new))
            return redirect(url_for("cases.case", case_id=case_id))
        info, entries = service.get(case_id, policy())
    except CaseError as exc:
        if request.method == "GET" or str(exc) == f"Дела № {case_id} нет":
            abort(404)
        flash(str(exc), "error")
        return redirect(url_for("cases.case", case_id=case_id))
    except FilingError as exc:
        flash(str(exc), "error")
        return redirect(url_for("cases.case", case_id=case_id))
    audit("view", f"case:{case_id}")  # a case lists pupils' records: seeing it is audited
    holds = (
        HoldService(archive()).on_case(case_id) if policy().can(Permission.READ_RETENTION) else []
    )
    return render_template("case.html", case=info, entries=entries, holds=holds)


@blueprint.route("/cases/<int:case_id>/inventory.pdf")
@requires(Permission.READ_RECORDS, unscoped=True)
def inventory(case_id: int) -> Any:
    try:
        pdf = CaseService(archive()).inventory_pdf(case_id, policy())
    except CaseError:
        abort(404)
    audit("export", f"case:{case_id}", detail="внутренняя опись")
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="opis-dela-{case_id}.pdf"'},
    )
