"""/api/v1 for a pupil's transfer: the issue of the personal file, the file as one PDF,
and the register of issued files. The routes sit on the API blueprint (web.api); the
work is done by the functions the UI calls (web.pupils), under the same permission."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, jsonify, request

from archive_service.access import Permission
from archive_service.services.moving.bags import BagError
from archive_service.services.records.transfers import (
    TransferError,
    TransferNotFound,
    TransferService,
)
from web.access import policy, requires
from web.api import api
from web.context import archive
from web.params import within
from web.pupils import (
    issue_personal_file,
    receive_package,
    record_notice,
    send_marks_extract,
    send_personal_file,
    send_register,
    send_transfer_package,
    visible_pupil,
)


@api.route("/pupils/<pupil_id>/transfers", methods=["POST"])
@requires(Permission.TRANSFER_PUPILS)
def issue(pupil_id: str) -> Any:
    visible_pupil(pupil_id)
    data = request.get_json(silent=True)
    values = data if isinstance(data, dict) else dict(request.form)
    try:
        info = issue_personal_file(pupil_id, values)
    except TransferNotFound:
        abort(404, description="Обучающийся не найден")
    except TransferError as exc:
        abort(400, description=str(exc))
    return jsonify(info.as_dict()), 201


@api.route("/pupils/<pupil_id>/personal-file.pdf")
@requires(Permission.TRANSFER_PUPILS)
def personal_file(pupil_id: str) -> Any:
    return send_personal_file(pupil_id)


@api.route("/pupils/<pupil_id>/marks-extract.pdf")
@requires(Permission.TRANSFER_PUPILS)
def marks_extract(pupil_id: str) -> Any:
    return send_marks_extract(pupil_id)


@api.route("/pupils/<pupil_id>/transfer-package.zip")
@requires(Permission.TRANSFER_PUPILS)
def transfer_package(pupil_id: str) -> Any:
    return send_transfer_package(pupil_id)


@api.route("/transfer-packages", methods=["POST"])
@requires(Permission.TRANSFER_PUPILS)
def receive() -> Any:
    try:
        report = receive_package(request.files.get("package"), request.form)
    except (BagError, TransferError) as exc:
        abort(400, description=str(exc))
    return jsonify(report.as_dict()), 201


@api.route("/transfers/<int:transfer_id>/notice", methods=["POST"])
@requires(Permission.TRANSFER_PUPILS)
def notice(transfer_id: int) -> Any:
    data = request.get_json(silent=True)
    values = data if isinstance(data, dict) else dict(request.form)
    try:
        info = record_notice(transfer_id, values, request.files.get("scan"))
    except TransferNotFound:
        abort(404, description=f"Выдачи № {transfer_id} нет")
    except TransferError as exc:
        abort(400, description=str(exc))
    return jsonify(info.as_dict())


@api.route("/transfers")
@requires(Permission.TRANSFER_PUPILS)
def transfers() -> Any:
    year = within(request.args, "year", 1990, 2200) or date.today().year
    fmt = request.args.get("format", "json")
    if fmt in ("pdf", "xlsx"):
        return send_register(year, fmt)
    entries = TransferService(archive()).register(year, policy())
    return jsonify({"year": year, "transfers": [e.as_dict() for e in entries]})
