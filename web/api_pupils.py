"""/api/v1 for pupils: class lists in, the finder, a pupil with their documents and
events, status events; and a pupil's transfer: the issue of the personal file, the file
as one PDF, and the register of issued files. The routes sit on the API blueprint (web.api); the
work is done by the functions the UI calls (web.pupils), under the same permission."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, jsonify, request

from archive_service.access import Permission
from archive_service.services.moving.bags import BagError
from archive_service.services.records.filing import FilingError
from archive_service.services.records.pupils import PupilEventError, PupilSummary, events_of
from archive_service.services.records.transfers import (
    TransferError,
    TransferNotFound,
    TransferService,
)
from intake.class_list import ClassListError
from web.access import policy, requires
from web.api import api
from web.context import archive
from web.params import within
from web.pupils import (
    add_event,
    find_pupils,
    import_class_list,
    issue_personal_file,
    open_pupil,
    receive_package,
    record_notice,
    send_marks_extract,
    send_personal_file,
    send_register,
    send_transfer_package,
    visible_pupil,
)


def _pupil(summary: PupilSummary) -> dict[str, Any]:
    return {
        "id": summary.id,
        "name": summary.full_name,
        "birth_date": summary.birth_date,
        "classes": [{"school_year": y, "class": c} for y, c in summary.classes],
        "school_id": summary.school_id,
    }


@api.route("/pupils", methods=["GET", "POST"])
@requires(Permission.READ_RECORDS)
def pupils() -> Any:
    """GET: the finder (?q= a name in any case form, ?class=). POST: a class list
    (multipart `file`, CSV or XLSX; `school_year`, and `school` for a district role)."""
    if request.method == "POST":
        try:
            rows, added, problems = import_class_list(request.files.get("file"), request.form)
        except ClassListError as exc:
            abort(400, description=str(exc))
        return jsonify({"rows": rows, "added": added, "problems": problems}), 201
    found = find_pupils(request.args)
    return jsonify(
        {
            "pupils": [_pupil(p) for p in found.pupils],
            "total": found.total,
            "classes": found.classes,
        }
    )


@api.route("/pupils/<pupil_id>")
@requires(Permission.READ_RECORDS)
def pupil(pupil_id: str) -> Any:
    summary, documents = open_pupil(pupil_id)
    return jsonify(
        {
            **_pupil(summary),
            "documents": [
                {
                    "id": d.id,
                    "title": d.title,
                    "school_year": d.school_year,
                    "kind": d.item_index,
                    "class": d.class_label,
                }
                for d in documents
            ],
            "events": events_of(archive(), pupil_id),
        }
    )


@api.route("/pupils/<pupil_id>/events", methods=["POST"])
@requires(Permission.READ_RECORDS)
def event(pupil_id: str) -> Any:
    """A status event: {kind, on (ГГГГ-ММ-ДД), basis}; answers how many cases it closed."""
    data = request.get_json(silent=True)
    try:
        closed = add_event(pupil_id, data if isinstance(data, dict) else request.form)
    except (PupilEventError, FilingError) as exc:
        abort(400, description=str(exc))
    return jsonify({"pupil_id": pupil_id, "closed_cases": closed}), 201


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
