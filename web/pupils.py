"""Pupils in the UI: class lists in, the pupils finder, a pupil's page and status
events."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from archive_service.access import Permission
from archive_service.services.records.filing import FilingError, parse_iso_date
from archive_service.services.records.pupils import (
    EVENT_LABELS,
    PupilEventError,
    PupilQueries,
    PupilService,
    events_of,
    record_event,
)
from intake.class_list import ClassListError, read_class_list
from web.access import policy, refuse, requires
from web.audit import audit
from web.context import archive

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
