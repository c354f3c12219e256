"""Pupils in the UI: class lists in, the pupils finder, a pupil's page and status
events."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from archive_service.access import Permission
from archive_service.schools import SchoolService
from archive_service.services.batch.transfer_scans import TITLES, Paper, attach_scan
from archive_service.services.moving.bags import BagError
from archive_service.services.moving.transfer_package import PackageImport, TransferPackages
from archive_service.services.records.ejournal import JournalService
from archive_service.services.records.filing import FilingError, parse_iso_date
from archive_service.services.records.marks_extract import NoMarks, marks_extract_pdf
from archive_service.services.records.pupils import (
    EVENT_LABELS,
    PupilDocument,
    PupilEventError,
    PupilList,
    PupilQueries,
    PupilService,
    PupilSummary,
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
from web.access import intake_school, policy, refuse, requires
from web.audit import audit
from web.context import archive
from web.params import within

blueprint = Blueprint("pupils", __name__)


def import_class_list(upload: Any, values: Any) -> tuple[int, int, list[str]]:
    """A class list (CSV or XLSX) into the uploader's school (a district role's choice):
    rows read, pupils new, the rows refused with why; audited. 404 for a reader who
    may not write."""
    if not policy().can(Permission.WRITE_RECORDS):
        abort(404)
    data = upload.read() if upload else b""
    if not data:
        raise ClassListError("выберите файл CSV или XLSX")
    rows, bad = read_class_list(data, str(values.get("school_year") or "").strip() or None)
    school = SchoolService(archive()).name_of(intake_school(values))
    report = PupilService(archive()).import_rows(rows, school)
    audit("create", "pupils", detail=f"список класса: строк {len(rows)}, новых {report.added}")
    return len(rows), report.added, [str(p) for p in bad]


def find_pupils(args: Any) -> PupilList:
    """The pupils this person may see, by name (any case form) and class; a look for
    someone in personal data is audited, as a text search is."""
    name = str(args.get("q", "")).strip()
    class_label = str(args.get("class", "")).strip()
    rules = policy()
    found = PupilQueries(archive()).find(
        rules.classes, name=name, class_label=class_label, schools=rules.schools
    )
    if name or class_label:
        audit("search", "pupils", detail=f"«{name}» {class_label}: найдено {len(found.pupils)}")
    return found


def open_pupil(pupil_id: str) -> tuple[PupilSummary, list[PupilDocument]]:
    """A pupil this person may see, with the documents they may open; audited. Another
    school's or class's pupil answers 404 (and the attempt is recorded)."""
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
    return summary, documents


def add_event(pupil_id: str, values: Any) -> int:
    """Record admission, transfer, graduation… for a pupil of a school this person sees;
    returns how many of the pupil's cases it closed. 404 for anyone who may neither
    file nor transfer."""
    rules = policy()
    if not (rules.can(Permission.WRITE_RECORDS) or rules.can(Permission.TRANSFER_PUPILS)):
        abort(404)
    found = PupilQueries(archive()).get(pupil_id)
    if found is None or not rules.sees_school(found[0].school_id):
        abort(404)  # another school's pupil is no pupil to this person
    on = parse_iso_date(str(values.get("on", "")))
    if on is None:
        raise FilingError("Укажите дату")
    kind = str(values.get("kind", ""))
    try:
        closed = record_event(archive(), pupil_id, kind, on, str(values.get("basis", "")))
    except PupilEventError as exc:
        if str(exc) == "Обучающийся не найден":
            abort(404)
        raise
    audit("change", f"pupil:{pupil_id}", detail=kind)
    return closed


@blueprint.route("/pupils", methods=["GET", "POST"])
@requires(Permission.READ_RECORDS)
def index() -> Any:
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        try:
            rows, added, problems = import_class_list(request.files.get("file"), request.form)
        except ClassListError as exc:
            problems, status = [str(exc)], 400
        else:
            flash(
                f"Загружено строк: {rows} (новых обучающихся: {added}); "
                f"с ошибками: {len(problems)}",
                "info" if not problems else "error",
            )
    found = find_pupils(request.args)
    return render_template("pupils.html", found=found, problems=problems), status


@blueprint.route("/pupils/<pupil_id>")
@requires(Permission.READ_RECORDS)
def pupil(pupil_id: str) -> Any:
    summary, documents = open_pupil(pupil_id)
    return render_template(
        "pupil.html",
        pupil=summary,
        documents=documents,
        events=events_of(archive(), pupil_id),
        event_labels=EVENT_LABELS,
        transfers=TransferService(archive()).of_pupil(pupil_id),
        marks=JournalService(archive()).marks_of(pupil_id, policy().classes),
    )


@blueprint.route("/pupils/<pupil_id>/events", methods=["POST"])
@requires(Permission.READ_RECORDS)
def event(pupil_id: str) -> Any:
    try:
        closed = add_event(pupil_id, request.form)
    except (PupilEventError, FilingError) as exc:
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
    attach_uploaded(info.id, request.files.get("application_scan"), "application")
    return info


def attach_uploaded(transfer_id: int, upload: Any, what: Paper) -> str | None:
    """A paper of the transfer uploaded with a form: taken in and noted (None: none)."""
    if upload is None or not upload.filename:
        return None
    settings = archive().settings
    settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.tmp_dir) as tmp:
        path = Path(tmp) / "scan"
        upload.save(path)
        document_id = attach_scan(archive(), transfer_id, path, upload.filename, what, policy())
    audit("create", f"document:{document_id}", detail=TITLES[what])
    return document_id


def record_notice(transfer_id: int, values: Any, scan: Any) -> TransferInfo:
    """The receiving school's notice a form or an API request describes."""
    try:
        on = date.fromisoformat(str(values.get("notice_on", "")).strip())
    except ValueError as exc:
        raise TransferError("Дата уведомления — ГГГГ-ММ-ДД") from exc
    info = TransferService(archive()).record_notice(
        transfer_id, on, str(values.get("notice", "")), policy()
    )
    audit("change", f"pupil:{info.pupil_id}", detail="уведомление о зачислении")
    if attach_uploaded(transfer_id, scan, "notice"):
        info = TransferService(archive()).get(transfer_id, policy())
    return info


@blueprint.route("/transfers/<int:transfer_id>/notice", methods=["POST"])
@requires(Permission.TRANSFER_PUPILS)
def notice(transfer_id: int) -> Any:
    try:
        info = record_notice(transfer_id, request.form, request.files.get("scan"))
    except TransferNotFound:
        abort(404)
    except TransferError as exc:
        flash(str(exc), "error")
        pupil_id = TransferService(archive()).get(transfer_id, policy()).pupil_id
        return redirect(url_for("pupils.pupil", pupil_id=pupil_id))
    flash("Уведомление о зачислении записано", "info")
    return redirect(url_for("pupils.pupil", pupil_id=info.pupil_id))


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


def send_marks_extract(pupil_id: str) -> Response:
    """The extract of the pupil's current marks, from the archived e-journal exports."""
    visible_pupil(pupil_id)
    found = PupilQueries(archive()).get(pupil_id)
    assert found is not None
    summary = found[0]
    school = SchoolService(archive()).name_of(summary.school_id)
    try:
        pdf = marks_extract_pdf(archive(), pupil_id, summary.full_name, school)
    except NoMarks as exc:
        abort(409, description=str(exc))
    audit("download", f"pupil:{pupil_id}", detail="выписка с текущими отметками")
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="vypiska-{pupil_id}.pdf"'},
    )


@blueprint.route("/pupils/<pupil_id>/marks-extract.pdf")
@requires(Permission.TRANSFER_PUPILS)
def marks_extract(pupil_id: str) -> Any:
    return send_marks_extract(pupil_id)


@blueprint.route("/pupils/<pupil_id>/personal-file.pdf")
@requires(Permission.TRANSFER_PUPILS)
def personal_file(pupil_id: str) -> Any:
    return send_personal_file(pupil_id)


def send_transfer_package(pupil_id: str) -> Response:
    """The pupil's transfer package (ZIP, BagIt) for the receiving school."""
    visible_pupil(pupil_id)
    settings = archive().settings
    settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(suffix=".zip", dir=settings.tmp_dir)
    os.close(handle)
    path = Path(name)
    try:
        TransferPackages(archive()).write(pupil_id, path, policy())
    except TransferNotFound:
        path.unlink(missing_ok=True)
        abort(404)
    except TransferError as exc:
        path.unlink(missing_ok=True)
        abort(409, description=str(exc))
    audit("export", f"pupil:{pupil_id}", detail="пакет личного дела для принимающей школы")
    response = send_file(
        path, mimetype="application/zip", as_attachment=True,
        download_name=f"lichnoe-delo-{pupil_id}.zip",
    )  # fmt: skip
    response.call_on_close(lambda: path.unlink(missing_ok=True))
    return response


@blueprint.route("/pupils/<pupil_id>/transfer-package.zip")
@requires(Permission.TRANSFER_PUPILS)
def transfer_package(pupil_id: str) -> Any:
    return send_transfer_package(pupil_id)


def receive_package(upload: Any, values: Any) -> PackageImport:
    """A transfer package from another school, taken in for the intake school: spooled
    to the temp folder under the archive's size limit, then checked whole."""
    if upload is None or not upload.filename:
        raise BagError("Выберите пакет личного дела (ZIP)")
    school_id = intake_school(values)
    settings = archive().settings
    settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.tmp_dir) as tmp:
        path = Path(tmp) / "package.zip"
        with path.open("wb") as out:
            copied = 0
            while chunk := upload.stream.read(1024 * 1024):
                copied += len(chunk)
                if copied > settings.limits.max_file_bytes:
                    raise BagError("Пакет больше допустимого размера")
                out.write(chunk)
        if not TransferPackages.is_package(path):
            raise BagError("Это не пакет личного дела (ZIP с bagit.txt и data/pupil.json)")
        report = TransferPackages(archive()).read(path, school_id)
    audit("import", f"pupil:{report.pupil_id}", detail=f"пакет личного дела {upload.filename}")
    for outcome in report.documents:
        if outcome["id"] and outcome["status"] == "queued":
            audit("create", f"document:{outcome['id']}", detail=str(upload.filename))
    return report


@blueprint.route("/pupils/receive", methods=["POST"])
@requires(Permission.TRANSFER_PUPILS)
def receive() -> Any:
    try:
        report = receive_package(request.files.get("package"), request.form)
    except (BagError, TransferError) as exc:
        flash(str(exc), "error")
        return redirect(url_for("pupils.index"))
    taken = sum(1 for d in report.documents if d["status"] == "queued")
    again = sum(1 for d in report.documents if d["status"] == "duplicate")
    refused = [f"{d['file']}: {d['error']}" for d in report.documents if d["error"]]
    how = "внесён в список" if report.created else "найден в списке"
    flash(
        f"Личное дело принято: {report.pupil} {how}; документов принято {taken}"
        + (f", уже были в архиве {again}" if again else ""),
        "info",
    )
    for problem in refused:
        flash(f"Не принят: {problem}", "error")
    return redirect(url_for("pupils.pupil", pupil_id=report.pupil_id))


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
