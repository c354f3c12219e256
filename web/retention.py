"""Retention in the UI: the year's disposal list (what is due and what is held back,
and why) and holds (приостановка уничтожения), set and lifted with a reason."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from archive_service.access import Permission
from archive_service.schools import SchoolService
from archive_service.services.disposal.due import FIRST_YEAR, LAST_YEAR, DueError, DueService
from archive_service.services.disposal.holds import HoldError, HoldService
from retention.schedule import STANDING_LABELS
from web.access import page_school, policy, requires
from web.audit import audit
from web.auth import safe_next
from web.context import archive
from web.params import within

blueprint = Blueprint("retention", __name__)


def chosen_school(values: Any) -> int | None:
    """The school a retention page or request is about (`page_school`); None: the
    archive's own."""
    school = page_school(values)
    return None if school is None else school.id


def hold_target(values: Any) -> dict[str, Any]:
    """What a hold form or request names: a case, a pupil or an item."""
    case = within(values, "case_id", 1, 2**31 - 1)
    if values.get("case_id") and case is None:
        raise HoldError(f"Дела № {values.get('case_id')} нет")
    return {
        "case_id": case,
        "pupil_id": (values.get("pupil_id") or "").strip() or None,
        "item_index": (values.get("item_index") or "").strip() or None,
    }


def set_hold(values: Any) -> int:
    """Set the hold a form or an API request asks for, as the signed-in person; audited."""
    hold_id = HoldService(archive()).add(
        reason=values.get("reason", ""),
        by=current_user.account.username,
        school_id=chosen_school(values),
        policy=policy(),
        **hold_target(values),
    )
    audit("create", f"hold:{hold_id}", detail=str(values.get("reason", ""))[:500])
    return hold_id


def lift_hold(hold_id: int, reason: str) -> None:
    HoldService(archive()).lift(hold_id, reason, current_user.account.username, policy())
    audit("change", f"hold:{hold_id}", detail=f"снята: {reason[:500]}")


@blueprint.route("/retention")
@requires(Permission.READ_RETENTION)
def due() -> Any:
    year = within(request.args, "year", FIRST_YEAR, LAST_YEAR) or date.today().year
    try:
        listing = DueService(archive()).due(year, chosen_school(request.args), policy())
    except DueError:
        abort(404)
    audit("view", f"retention:due:{year}", detail=f"к уничтожению: {len(listing.due)}")
    return render_template(
        "retention.html",
        listing=listing,
        labels=STANDING_LABELS,
        school=SchoolService(archive()).name_of(listing.school_id),
    )


@blueprint.route("/retention/holds", methods=["GET", "POST"])
@requires(Permission.READ_RETENTION)
def holds() -> Any:
    if request.method == "POST":
        if not policy().can(Permission.MANAGE_HOLDS):
            abort(404)
        try:
            hold_id = set_hold(request.form)
        except HoldError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Уничтожение приостановлено (приостановка № {hold_id})", "info")
        back = request.form.get("back", "")
        return redirect(safe_next(back) if back else url_for("retention.holds"))
    return render_template(
        "holds.html",
        holds=HoldService(archive()).all(policy()),
        current=chosen_school(request.args),
    )


@blueprint.route("/retention/holds/<int:hold_id>/lift", methods=["POST"])
@requires(Permission.MANAGE_HOLDS)
def lift(hold_id: int) -> Any:
    try:
        lift_hold(hold_id, request.form.get("reason", ""))
    except HoldError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Приостановка № {hold_id} снята", "info")
    return redirect(url_for("retention.holds"))
