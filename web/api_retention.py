"""/api/v1 for cases and retention: a case with its retention, the year's disposal
list, holds, and acts of disposal with their papers. The routes sit on the API
blueprint (web.api); the work is done by the same functions the UI calls
(web.retention, web.acts), under the same permissions."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, jsonify, request

from archive_service.access import Permission
from archive_service.services.disposal.act_model import ActError, ActInfo, ActNotFound
from archive_service.services.disposal.acts import ActService
from archive_service.services.disposal.due import FIRST_YEAR, LAST_YEAR, DueError, DueService
from archive_service.services.disposal.holds import HoldError, HoldNotFound, HoldService
from archive_service.services.records.cases import CaseError, CaseService
from archive_service.services.records.filing import FilingError
from web.access import policy, requires
from web.acts import approve_act, draft_act, execute_act, review_act, send_paper, take_out
from web.api import api
from web.audit import audit
from web.cases import act_on_case, send_inventory
from web.context import archive
from web.params import within
from web.retention import chosen_school, lift_hold, set_hold


def _body() -> dict[str, Any]:
    """The request's fields, as JSON or as a form; lists stay lists."""
    data = request.get_json(silent=True)
    if isinstance(data, dict):
        return {
            k: ("" if v is None else v if isinstance(v, list) else str(v)) for k, v in data.items()
        }
    return dict(request.form)


@api.route("/cases")
@requires(Permission.READ_RECORDS, unscoped=True)
def list_cases() -> Any:
    return jsonify({"cases": CaseService(archive()).all(policy())})


@api.route("/cases/<int:case_id>/inventory.pdf")
@requires(Permission.READ_RECORDS, unscoped=True)
def case_inventory(case_id: int) -> Any:
    return send_inventory(case_id)


@api.route("/cases/<int:case_id>", methods=["GET", "POST"])
@requires(Permission.READ_RECORDS, unscoped=True)
def get_case(case_id: int) -> Any:
    """GET: the case with its documents, sheets and retention. POST: {action: location
    (room, shelf, box) | close (closed_on) | volume}; answers the case to look at next."""
    if request.method == "POST":
        try:
            shown, done = act_on_case(case_id, _body())
        except (CaseError, FilingError) as exc:
            abort(400, description=str(exc))
        return jsonify({"case_id": shown, "done": done})
    try:
        info, entries = CaseService(archive()).get(case_id, policy())
    except CaseError:
        abort(404, description="Дело не найдено")
    audit("view", f"case:{case_id}")
    info["documents"] = [e.__dict__ for e in entries]
    if policy().can(Permission.READ_RETENTION):
        info["holds"] = [h.as_dict() for h in HoldService(archive()).on_case(case_id)]
    return jsonify(info)


@api.route("/retention/due")
@requires(Permission.READ_RETENTION)
def retention_due() -> Any:
    if request.args.get("year") is None:
        year = date.today().year
    else:
        year = within(request.args, "year", FIRST_YEAR, LAST_YEAR) or 0
    try:
        listing = DueService(archive()).due(year, chosen_school(request.args), policy())
    except DueError as exc:
        abort(400 if year == 0 else 404, description=str(exc))
    audit("view", f"retention:due:{year}", detail=f"к уничтожению: {len(listing.due)}")
    return jsonify(listing.as_dict())


@api.route("/holds", methods=["GET"])
@requires(Permission.READ_RETENTION)
def list_holds() -> Any:
    active = request.args.get("active") in ("1", "true")
    holds = HoldService(archive()).all(policy(), active_only=active)
    return jsonify({"holds": [h.as_dict() for h in holds]})


@api.route("/holds", methods=["POST"])
@requires(Permission.MANAGE_HOLDS)
def add_hold() -> Any:
    try:
        hold_id = set_hold(_body())
    except HoldError as exc:
        abort(404 if isinstance(exc, HoldNotFound) else 400, description=str(exc))
    return jsonify({"hold_id": hold_id}), 201


@api.route("/holds/<int:hold_id>/lift", methods=["POST"])
@requires(Permission.MANAGE_HOLDS)
def lift(hold_id: int) -> Any:
    try:
        lift_hold(hold_id, _body().get("reason", ""))
    except HoldError as exc:
        abort(404 if isinstance(exc, HoldNotFound) else 400, description=str(exc))
    return jsonify(HoldService(archive()).get(hold_id, policy()).as_dict())


def _act_step(step: Any, *args: Any) -> Any:
    """Run one step of an act; its refusal as 404 (no such act) or 400 (why not)."""
    try:
        info: ActInfo = step(*args)
    except ActNotFound as exc:
        abort(404, description=str(exc))
    except ActError as exc:
        abort(400, description=str(exc))
    return info.as_dict()


@api.route("/acts", methods=["GET"])
@requires(Permission.READ_RETENTION)
def list_acts() -> Any:
    return jsonify({"acts": [a.as_dict() for a in ActService(archive()).all(policy())]})


@api.route("/acts", methods=["POST"])
@requires(Permission.DRAFT_DISPOSAL)
def create_act() -> Any:
    return jsonify(_act_step(draft_act, _body())), 201


@api.route("/acts/<int:act_id>")
@requires(Permission.READ_RETENTION)
def get_act(act_id: int) -> Any:
    body = _act_step(ActService(archive()).get, act_id, policy())
    audit("view", f"act:{act_id}")
    return jsonify(body)


@api.route("/acts/<int:act_id>/cases/<int:case_id>/remove", methods=["POST"])
@requires(Permission.DRAFT_DISPOSAL)
def remove_case(act_id: int, case_id: int) -> Any:
    return jsonify(_act_step(take_out, act_id, case_id))


@api.route("/acts/<int:act_id>/review", methods=["POST"])
@requires(Permission.DRAFT_DISPOSAL)
def review(act_id: int) -> Any:
    return jsonify(_act_step(review_act, act_id, _body()))


@api.route("/acts/<int:act_id>/approve", methods=["POST"])
@requires(Permission.APPROVE_DISPOSAL)
def approve(act_id: int) -> Any:
    return jsonify(_act_step(approve_act, act_id))


@api.route("/acts/<int:act_id>/execute", methods=["POST"])
@requires(Permission.DESTROY_RECORDS)
def execute(act_id: int) -> Any:
    return jsonify(_act_step(execute_act, act_id)), 202


@api.route("/acts/<int:act_id>/paper")
@requires(Permission.READ_RETENTION)
def act_paper(act_id: int) -> Any:
    return send_paper(act_id, request.args.get("kind", "act"), request.args.get("format", "pdf"))
