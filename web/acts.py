"""Acts of disposal in the UI: drafting from the year's list, taking cases out, the
expert commission's decision, the director's approval, execution, and the papers (the
act, the personal-data act, the опись) as PDF and XLSX. The API (web.api_retention)
calls the same step functions, under the same permissions."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from archive_service.access import Permission
from archive_service.services.disposal.act_model import ActError, ActInfo, ActNotFound
from archive_service.services.disposal.acts import ActService
from archive_service.services.disposal.destruction import DestructionService
from archive_service.services.disposal.due import FIRST_YEAR, LAST_YEAR, DueError
from archive_service.services.disposal.papers import MEDIA_TYPES, PaperService
from web.access import policy, requires
from web.audit import audit
from web.context import archive
from web.params import within
from web.retention import chosen_school

blueprint = Blueprint("acts", __name__)


def _ids(values: Any, name: str) -> frozenset[int]:
    raw = values.getlist(name) if hasattr(values, "getlist") else values.get(name) or []
    if isinstance(raw, str | int):
        raw = str(raw).split(",")
    try:
        return frozenset(int(x) for x in raw if str(x).strip())
    except ValueError as exc:
        raise ActError("Номера дел — целые числа") from exc


def draft_act(values: Any) -> ActInfo:
    year = within(values, "year", FIRST_YEAR, LAST_YEAR)
    if year is None:
        raise ActError(f"Год акта — четыре цифры от {FIRST_YEAR} до {LAST_YEAR}")
    try:
        info = ActService(archive()).draft(
            year,
            by=current_user.account.username,
            school_id=chosen_school(values),
            policy=policy(),
            without=_ids(values, "without"),
            with_commission=_ids(values, "commission"),
        )
    except DueError as exc:
        raise ActError(str(exc)) from exc
    audit("create", f"act:{info.id}", detail=f"проект, {year} год")
    return info


def take_out(act_id: int, case_id: int) -> ActInfo:
    info = ActService(archive()).take_out(act_id, case_id, policy())
    audit("change", f"act:{act_id}", detail=f"дело № {case_id} исключено")
    return info


def review_act(act_id: int, values: Any) -> ActInfo:
    try:
        on = date.fromisoformat(str(values.get("date", "")).strip())
    except ValueError as exc:
        raise ActError("Дата протокола ЭК — ГГГГ-ММ-ДД") from exc
    raw = values.getlist("members") if hasattr(values, "getlist") else values.get("members")
    if isinstance(raw, str):
        raw = [raw]
    # one per line of the form's text area, or one per item of the API's list
    members = [line for m in raw or [] for line in str(m).splitlines() if line.strip()]
    protocol = str(values.get("protocol", ""))
    info = ActService(archive()).review(
        act_id, protocol, on, current_user.account.username, members, policy()
    )
    audit("change", f"act:{act_id}", detail=f"решение ЭК: протокол № {protocol} от {on}")
    return info


def approve_act(act_id: int) -> ActInfo:
    info = ActService(archive()).approve(act_id, current_user.account.username, policy())
    audit("change", f"act:{act_id}", detail="утверждён")
    return info


def execute_act(act_id: int) -> ActInfo:
    info = DestructionService(archive()).start(act_id, current_user.account.username, policy())
    audit("change", f"act:{act_id}", detail="уничтожение начато")
    return info


def send_paper(act_id: int, kind: str, fmt: str) -> Response:
    try:
        data, name = PaperService(archive()).paper(act_id, kind, fmt, policy())
    except ActNotFound:
        abort(404)
    except ActError as exc:
        abort(400, description=str(exc))
    audit("export", f"act:{act_id}", detail=f"{kind} {fmt}")
    return Response(
        data,
        mimetype=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@blueprint.route("/acts", methods=["GET", "POST"])
@requires(Permission.READ_RETENTION)
def index() -> Any:
    if request.method == "POST":
        if not policy().can(Permission.DRAFT_DISPOSAL):
            abort(404)
        try:
            info = draft_act(request.form)
        except ActError as exc:
            flash(str(exc), "error")
            return redirect(url_for("retention.due", year=request.form.get("year")))
        flash(f"Составлен проект акта № {info.number}", "info")
        return redirect(url_for("acts.act", act_id=info.id))
    return render_template("acts.html", acts=ActService(archive()).all(policy()))


STEPS = {
    "take_out": Permission.DRAFT_DISPOSAL,
    "review": Permission.DRAFT_DISPOSAL,
    "approve": Permission.APPROVE_DISPOSAL,
    "execute": Permission.DESTROY_RECORDS,
}


@blueprint.route("/acts/<int:act_id>", methods=["GET", "POST"])
@requires(Permission.READ_RETENTION)
def act(act_id: int) -> Any:
    if request.method == "POST":
        step = request.form.get("step", "")
        if step not in STEPS or not policy().can(STEPS[step]):
            abort(404)
        try:
            if step == "take_out":
                take_out(act_id, within(request.form, "case_id", 1, 2**31 - 1) or 0)
            elif step == "review":
                review_act(act_id, request.form)
                flash("Решение экспертной комиссии записано", "info")
            elif step == "approve":
                approve_act(act_id)
                flash("Акт утверждён", "info")
            else:
                execute_act(act_id)
                flash("Уничтожение начато: его проводит фоновый обработчик", "info")
        except ActNotFound:
            abort(404)
        except ActError as exc:
            flash(str(exc), "error")
        return redirect(url_for("acts.act", act_id=act_id))
    try:
        info = ActService(archive()).get(act_id, policy())
    except ActNotFound:
        abort(404)
    audit("view", f"act:{act_id}")
    return render_template("act.html", act=info, today=date.today().isoformat())


@blueprint.route("/acts/<int:act_id>/<kind>.<fmt>")
@requires(Permission.READ_RETENTION)
def paper(act_id: int, kind: str, fmt: str) -> Any:
    return send_paper(act_id, kind, fmt)
