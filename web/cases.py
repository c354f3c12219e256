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


def act_on_case(case_id: int, values: Any) -> tuple[int, str]:
    """Record where the paper lies (`location`: room, shelf, box), close the case
    (`close`: closed_on), or open its next volume (`volume`), for a case of a school
    this person sees; audited. Returns the case to show next and what was done."""
    if not policy().can(Permission.WRITE_RECORDS):
        abort(404)
    service = CaseService(archive())
    try:
        service.get(case_id, policy())  # another school's case is no case to write to
    except CaseError:
        abort(404)
    action = values.get("action")
    if action == "location":
        service.set_location(case_id, values.get("room"), values.get("shelf"), values.get("box"))
        audit("change", f"case:{case_id}", detail="место хранения")
        return case_id, "Место хранения записано"
    if action == "close":
        service.close(case_id, parse_iso_date(str(values.get("closed_on") or "")))
        audit("change", f"case:{case_id}", detail="закрыто")
        return case_id, "Дело закрыто"
    if action == "volume":
        new = service.new_volume(case_id)
        audit("create", f"case:{new}", detail=f"следующий том дела {case_id}")
        return new, "Открыт следующий том"
    raise CaseError("Неизвестное действие: location, close или volume")


@blueprint.route("/cases/<int:case_id>", methods=["GET", "POST"])
@requires(Permission.READ_RECORDS, unscoped=True)
def case(case_id: int) -> Any:
    if request.method == "POST":
        try:
            shown, done = act_on_case(case_id, request.form)
        except (CaseError, FilingError) as exc:
            flash(str(exc), "error")
            return redirect(url_for("cases.case", case_id=case_id))
        flash(done, "info")
        return redirect(url_for("cases.case", case_id=shown))
    try:
        info, entries = CaseService(archive()).get(case_id, policy())
    except CaseError:
        abort(404)
    audit("view", f"case:{case_id}")  # a case lists pupils' records: seeing it is audited
    holds = (
        HoldService(archive()).on_case(case_id) if policy().can(Permission.READ_RETENTION) else []
    )
    return render_template("case.html", case=info, entries=entries, holds=holds)


def send_inventory(case_id: int) -> Response:
    """The case's internal inventory (внутренняя опись) as PDF; audited."""
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


@blueprint.route("/cases/<int:case_id>/inventory.pdf")
@requires(Permission.READ_RECORDS, unscoped=True)
def inventory(case_id: int) -> Any:
    return send_inventory(case_id)
