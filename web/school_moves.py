"""Moving a school's whole archive from the page «Организации» and /api/v1: export to a
bag a worker writes, and import of a bag another deployment wrote (SchoolMoves does the
work; these views queue it, show its progress and send the finished ZIP). For the
administrator only, under the one permission of the schools page: a school's bag holds
every pupil's data of that school."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, request, url_for
from werkzeug.datastructures import FileStorage

from archive_service.access import Permission
from archive_service.schools import SchoolError
from archive_service.services.moving.school_moves import (
    MoveError,
    MoveNotFound,
    SchoolMoves,
)
from intake import IntakeRejected, spool
from web.access import requires
from web.api import api
from web.audit import audit, current_actor
from web.context import archive
from web.files import send_object

blueprint = Blueprint("school_moves", __name__)


def upload_limit() -> int:
    """The largest bag a browser may send (the app's request limit); larger ones go by
    `archive schools import` on the server."""
    return 4 * archive().settings.limits.max_file_bytes


def request_export(school_id: int) -> str:
    try:
        move_id = SchoolMoves(archive()).request_export(school_id, current_actor())
    except SchoolError:
        abort(404, description="Организация не найдена")
    audit("export", f"school:{school_id}", detail=f"поставлена выгрузка {move_id}")
    return move_id


def request_import(upload: FileStorage | None, name: str | None) -> str:
    """The uploaded ZIP spooled under the request limit, checked to be a school bag for
    a school new here, and queued; MoveError says in words what is wrong."""
    if upload is None or not upload.filename:
        raise MoveError("Выберите пакет архива организации (ZIP)")
    settings = archive().settings
    try:
        spooled = spool(upload.stream, settings.tmp_dir, upload_limit())
    except IntakeRejected as exc:
        raise MoveError(exc.reason) from exc
    try:
        move_id = SchoolMoves(archive()).request_import(spooled.path, name, current_actor())
    finally:
        spooled.discard()
    audit("import", f"school-move:{move_id}", detail=f"пакет {upload.filename}")
    return move_id


def send_bag(move_id: str) -> Any:
    try:
        bag = SchoolMoves(archive()).stored_bag(move_id)
    except MoveNotFound:
        abort(404, description="Готового пакета нет")
    audit("download", f"school-move:{move_id}", detail=bag.filename)
    return send_object(bag.key, "application/zip", bag.filename)


def retry_move(move_id: str) -> None:
    visible_move(move_id)
    SchoolMoves(archive()).retry(move_id)
    audit("retry", f"school-move:{move_id}")


def discard_move(move_id: str) -> None:
    visible_move(move_id)
    SchoolMoves(archive()).discard(move_id)
    audit("delete", f"school-move:{move_id}", detail="пакет удалён из хранилища")


def visible_move(move_id: str) -> dict[str, Any]:
    try:
        return SchoolMoves(archive()).get(move_id)
    except MoveNotFound:
        abort(404, description="Переноса нет")


# --- the page «Организации» -------------------------------------------------------


@blueprint.route("/schools/<int:school_id>/export", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def export(school_id: int) -> Any:
    request_export(school_id)
    flash("Выгрузка поставлена в очередь: пакет можно будет скачать ниже", "info")
    return redirect(url_for("schools.page"))


@blueprint.route("/schools/import", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def import_bag() -> Any:
    try:
        request_import(request.files.get("package"), request.form.get("name"))
    except MoveError as exc:
        flash(str(exc), "error")
    else:
        flash("Пакет принят и поставлен в очередь: ход приёма — ниже", "info")
    return redirect(url_for("schools.page"))


@blueprint.route("/schools/moves/<move_id>/school.zip")
@requires(Permission.MANAGE_USERS)
def download(move_id: str) -> Any:
    return send_bag(move_id)


@blueprint.route("/schools/moves/<move_id>/retry", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def retry(move_id: str) -> Any:
    try:
        retry_move(move_id)
    except MoveError as exc:
        flash(str(exc), "error")
    else:
        flash("Перенос поставлен в очередь снова", "info")
    return redirect(url_for("schools.page"))


@blueprint.route("/schools/moves/<move_id>/discard", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def discard(move_id: str) -> Any:
    try:
        discard_move(move_id)
    except MoveError as exc:
        flash(str(exc), "error")
    else:
        flash("Пакет удалён из хранилища", "info")
    return redirect(url_for("schools.page"))


# --- /api/v1 ----------------------------------------------------------------------


@api.route("/schools/<int:school_id>/export", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def api_export(school_id: int) -> Any:
    return jsonify(visible_move(request_export(school_id))), 202


@api.route("/school-imports", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def api_import() -> Any:
    try:
        move_id = request_import(request.files.get("package"), request.form.get("name"))
    except MoveError as exc:
        abort(400, description=str(exc))
    return jsonify(visible_move(move_id)), 202


@api.route("/school-moves")
@requires(Permission.MANAGE_USERS)
def api_moves() -> Any:
    return jsonify({"moves": SchoolMoves(archive()).recent()})


@api.route("/school-moves/<move_id>")
@requires(Permission.MANAGE_USERS)
def api_move(move_id: str) -> Any:
    return jsonify(visible_move(move_id))


@api.route("/school-moves/<move_id>/school.zip")
@requires(Permission.MANAGE_USERS)
def api_download(move_id: str) -> Any:
    return send_bag(move_id)


@api.route("/school-moves/<move_id>/retry", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def api_retry(move_id: str) -> Any:
    try:
        retry_move(move_id)
    except MoveError as exc:
        abort(409, description=str(exc))
    return jsonify(visible_move(move_id)), 202


@api.route("/school-moves/<move_id>/school.zip", methods=["DELETE"])
@requires(Permission.MANAGE_USERS)
def api_discard(move_id: str) -> Any:
    try:
        discard_move(move_id)
    except MoveError as exc:
        abort(409, description=str(exc))
    return jsonify(visible_move(move_id))
