"""A district's schools in the UI and /api/v1, for the administrator: the list, a new
school, and a merge (реорганизация). One implementation under both, the same
permission; moving a school's whole archive between deployments is web.school_moves,
shown on the same page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for

from archive_service.access import Permission
from archive_service.schools import SchoolError, SchoolInfo, SchoolService
from archive_service.services.moving.school_moves import SchoolMoves
from web.access import requires
from web.api import api
from web.audit import audit
from web.context import archive
from web.params import within
from web.school_moves import upload_limit

blueprint = Blueprint("schools", __name__)


def add_school(values: Any) -> int:
    name = str(values.get("name", ""))
    school_id = SchoolService(archive()).add(name, str(values.get("address") or ""))
    audit("create", f"school:{school_id}", detail=" ".join(name.split()))
    return school_id


def merge_school(school_id: int, values: Any) -> tuple[int, int, int]:
    """Merge the school `school_id` into the one named by id in `into`."""
    schools = {s.id: s for s in SchoolService(archive()).all()}
    into = within(values, "into", 1, 2**31 - 1)
    if school_id not in schools:
        abort(404)
    if into is None or into not in schools:
        raise SchoolError("Укажите организацию-правопреемника")
    merged = SchoolService(archive()).merge(schools[school_id].name, schools[into].name)
    audit("merge", f"school:{school_id}", detail=f"into school:{into}")
    return merged


def set_address(school_id: int, values: Any) -> None:
    if school_id not in {s.id for s in SchoolService(archive()).all()}:
        abort(404)
    address = str(values.get("address") or "")
    SchoolService(archive()).set_address(school_id, address)
    audit("change", f"school:{school_id}", detail=f"адрес: {' '.join(address.split())}")


def _as_dict(school: SchoolInfo) -> dict[str, Any]:
    return {
        "school_id": school.id,
        "name": school.name,
        "merged_into": school.merged_into,
        "address": school.address,
    }


@blueprint.route("/schools", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def page() -> Any:
    if request.method == "POST":
        try:
            add_school(request.form)
        except SchoolError as exc:
            flash(str(exc), "error")
        else:
            flash("Организация добавлена", "info")
        return redirect(url_for("schools.page"))
    moves = SchoolMoves(archive()).recent()
    return render_template(
        "schools.html",
        schools=SchoolService(archive()).all(),
        moves=moves,
        upload_limit_mb=upload_limit() // (1024 * 1024),
    )


@blueprint.route("/schools/<int:school_id>/merge", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def merge(school_id: int) -> Any:
    try:
        _, _, moved = merge_school(school_id, request.form)
    except SchoolError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Организация присоединена; учётных записей перешло: {moved}", "info")
    return redirect(url_for("schools.page"))


@blueprint.route("/schools/<int:school_id>/address", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def address(school_id: int) -> Any:
    try:
        set_address(school_id, request.form)
    except SchoolError as exc:
        flash(str(exc), "error")
    else:
        flash("Адрес записан", "info")
    return redirect(url_for("schools.page"))


@api.route("/schools/<int:school_id>", methods=["PATCH"])
@requires(Permission.MANAGE_USERS)
def api_school(school_id: int) -> Any:
    data = request.get_json(silent=True)
    try:
        set_address(school_id, data if isinstance(data, dict) else {})
    except SchoolError as exc:
        abort(400, description=str(exc))
    found = next(s for s in SchoolService(archive()).all() if s.id == school_id)
    return jsonify(_as_dict(found))


@api.route("/schools", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def api_schools() -> Any:
    if request.method == "POST":
        data = request.get_json(silent=True)
        try:
            school_id = add_school(data if isinstance(data, dict) else request.form)
        except SchoolError as exc:
            abort(400, description=str(exc))
        return jsonify({"school_id": school_id}), 201
    return jsonify({"schools": [_as_dict(s) for s in SchoolService(archive()).all()]})


@api.route("/schools/<int:school_id>/merge", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def api_merge(school_id: int) -> Any:
    data = request.get_json(silent=True)
    try:
        merged, into, moved = merge_school(school_id, data if isinstance(data, dict) else {})
    except SchoolError as exc:
        abort(400, description=str(exc))
    return jsonify({"school_id": merged, "merged_into": into, "accounts_moved": moved})
