"""Pupils in the UI: class lists in, the pupils finder, a pupil's page and status
events."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from archive_service.access import Permission
from archive_service.schools import SchoolService
from archive_service.services.records.filing import FilingError, parse_iso_date
from archive_service.services.records.pupils import (
    EVENT_LABELS,
    PupilEventError,
    PupilQueries,
    PupilService,
    events_of,
    record_event,
)
from archive_service.services.records.transfer_papers import register_pdf, register_xlsx
from archive_service.services.records.transfers import (
    Application,
    TransferError,
    TransferInfo,
    TransferNotFound,
    TransferService,
)
from intake.class_list import ClassListError, read_class_list
from web.access import policy, refuse, requires
from web.audit import audit
from web.context import archive
from web.params import within

blueprint = Blueprint("pupils", __name__)


@blueprint.route("/pupils", methods=["GET", "POST"])
@requires(Permission.READ_RECORDS)
def index() -> Any:
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        if not policy().can(Permission.WRITE_RECORDS):
            abort(404)
        upload = request.files.get("file")
        data = upload.read() if upload else b""
        year = request.form.get("school_year", "").strip() or None
        try:
            if not data:
                raise ClassListError("выберите файл CSV или XLSX")
            rows, bad = read_class_list(data, year)
        except ClassListError as exc:
            problems, status = [str(exc)], 400
        else:
            report = PupilService(archive()).import_rows(rows)
            audit(
                "create",
                "pupils",
                detail=f"список класса: строк {len(rows)}, новых {report.added}",
            )
            flash(
                f"Загружено строк: {len(rows)} (новых обучающихся: {report.added}); "
                f"с ошибками: {len(bad)}",
                "info" if not bad else "error",
            )
            problems = [str(p) for p in bad]
    name = request.args.get("q", "").strip()
    class_label = request.args.get("class", "").strip()
    rules = policy()
    found = PupilQueries(archive()).find(
        rules.classes, name=name, class_label=class_label, schools=rules.schools
    )
    if name or class_label:  # a look for someone in personal data, as a text search is
        audit("search", "pupils", detail=f"«{name}» {class_label}: найдено {len(found.pupils)}")
    return render_template("pupils.html", found=found, problems=problems), status


@blueprint.route("/pupils/<pupil_id>")
@requires(Permission.READ_RECORDS)
def pupil(pupil_id: str) -> Any:
    found = PupilQueries(archive()).get(pupil_id)
    if found is None:
        abort(404)
    summary, documents = found
    rules = policy()
    latest_class = summary.classes[0][1] if summary.classes else None
    if not rules.sees_school(summary.school_id) or (
        rules.classes is not None and latest_class not in rules.classes
    ):
        refuse(f"pupil:{pupil_id}")
    documents = [
        d
        for d in documents
        if rules.may_open(d.class_label, d.health_data, d.school_id, d.item_index)
    ]
    audit("view", f"pupil:{pupil_id}")
    return render_template(
        "pupil.html",
        pupil=summary,
        documents=documents,
        events=events_of(archive(), pupil_id),
        event_labels=EVENT_LABELS,
        transfers=TransferService(archive()).of_pupil(pupil_id),
    )


@blueprint.route("/pupils/<pupil_id>/events", methods=["POST"])
@requires(Permission.READ_RECORDS)
def event(pupil_id: str) -> Any:
    rules = policy()
    if not (rules.can(Permission.WRITE_RECORDS) or rules.can(Permission.TRANSFER_PUPILS)):
        abort(404)
    found = PupilQueries(archive()).get(pupil_id)
    if found is None or not rules.sees_school(found[0].school_id):
        abort(404)  # another school's pupil is no pupil to this person
    try:
        on = parse_iso_date(request.form.get("on", ""))
        if on is None:
            raise FilingError("Укажите дату")
        closed = record_event(
            archive(), pupil_id, request.form.get("kind", ""), on, request.form.get("basis", "")
        )
        audit("change", f"pupil:{pupil_id}", detail=request.form.get("kind", ""))
    except PupilEventError as exc:
        if str(exc) == "Обучающийся не найден":
            abort(404)
        flash(str(exc), "error")
    except FilingError as exc:
        flash(str(exc), "error")
    else:
        flash("Событие записано" + (f"; закрыто дел: {closed}" if closed else ""), "info")
    return redirect(url_for("pupils.pupil", pupil_id=pupil_id))


def visible_pupil(pupil_id: str) -> None:
    """404 unless this person sees the pupil's school."""
    found = PupilQueries(archive()).get(pupil_id)
    if found is None or not policy().sees_school(found[0].school_id):
        abort(404)


def issue_personal_file(pupil_id: str, values: Any) -> TransferInfo:
    """The transfer a form or an API request describes, as the signed-in person."""
    try:
        application = Application(
            date.fromisoformat(str(values.get("application_date", "")).strip()),
            str(values.get("applicant", "")),
            str(values.get("applicant_document", "")),
            str(values.get("destination", "")),
            str(values.get("order_number", "")),
            date.fromisoformat(str(values.get("order_date", "")).strip()),
        )
    except ValueError as exc:
        raise TransferError("Даты заявления и приказа — ГГГГ-ММ-ДД") from exc
    info = TransferService(archive()).issue(
        pupil_id, application, current_user.account.username, policy()
    )
    audit("issue", f"pupil:{pupil_id}", detail=f"личное дело выдано: {info.applicant}")
    return info


@blueprint.route("/pupils/<pupil_id>/transfer", methods=["POST"])
@requires(Permission.TRANSFER_PUPILS)
def transfer(pupil_id: str) -> Any:
    visible_pupil(pupil_id)
    try:
        info = issue_personal_file(pupil_id, request.form)
    except TransferNotFound:
        abort(404)
    except TransferError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Личное дело выдано: запись № {info.number} журнала за {info.year} год", "info")
        if info.warning:
            flash(info.warning, "error")
    return redirect(url_for("pupils.pupil", pupil_id=pupil_id))


def send_personal_file(pupil_id: str) -> Response:
    visible_pupil(pupil_id)
    try:
        pdf = TransferService(archive()).personal_file_pdf(pupil_id, policy())
    except TransferNotFound:
        abort(404)
    except TransferError as exc:
        abort(409, description=str(exc))
    audit("download", f"pupil:{pupil_id}", detail="личное дело целиком")
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="lichnoe-delo-{pupil_id}.pdf"'},
    )


@blueprint.route("/pupils/<pupil_id>/personal-file.pdf")
@requires(Permission.TRANSFER_PUPILS)
def personal_file(pupil_id: str) -> Any:
    return send_personal_file(pupil_id)


def send_register(year: int, fmt: str) -> Response:
    entries = TransferService(archive()).register(year, policy())
    rules = policy()
    school = SchoolService(archive()).name_of(min(rules.schools) if rules.schools else None)
    audit("export", "transfers", detail=f"журнал выдачи личных дел {year} {fmt}")
    if fmt == "xlsx":
        return Response(
            register_xlsx(entries, school, year),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="vydacha-{year}.xlsx"'},
        )
    return Response(
        register_pdf(entries, school, year),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="vydacha-{year}.pdf"'},
    )


@blueprint.route("/transfers")
@requires(Permission.TRANSFER_PUPILS)
def register() -> Any:
    year = within(request.args, "year", 1990, 2200) or date.today().year
    fmt = request.args.get("format")
    if fmt in ("pdf", "xlsx"):
        return send_register(year, fmt)
    entries = TransferService(archive()).register(year, policy())
    return render_template("transfers.html", entries=entries, year=year)
