"""Pupils: class lists in, and a pupil found by name in any case or by class."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from archive_service.cli.common import audit_as_cli, emit, open_archive

if TYPE_CHECKING:
    from archive_service.archive import Archive


@click.group()
def pupils() -> None:
    """Обучающиеся: загрузка списков классов и поиск."""


@pupils.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--school-year", default=None, help="Учебный год, если в файле нет столбца.")
@click.option("--school", default=None, help="Организация (по умолчанию — единственная).")
@click.pass_context
def pupils_import(
    ctx: click.Context, path: Path, school_year: str | None, school: str | None
) -> None:
    """Загрузить список класса (CSV или XLSX); ошибочные строки перечисляются, остальные
    загружаются. Код выхода 2, если были ошибочные строки."""
    from archive_service.services.records.pupils import PupilService
    from intake.class_list import ClassListError, read_class_list

    try:
        rows, problems = read_class_list(path.read_bytes(), school_year)
    except ClassListError as exc:
        raise click.ClickException(f"Список не загружен: {exc}") from exc
    archive = open_archive(ctx, dispatch=False)
    report = PupilService(archive).import_rows(rows, school)
    audit_as_cli(archive, "create", "pupils", f"список класса {path.name}: новых {report.added}")
    for problem in problems:
        click.echo(f"  {problem}", err=True)
    click.echo(
        f"Строк загружено: {len(rows)} (новых обучающихся: {report.added}, "
        f"уже известных: {report.known}); с ошибками: {len(problems)}"
    )
    if problems:
        ctx.exit(2)


@pupils.command("find")
@click.argument("words", nargs=-1)
@click.option("--class", "class_label", default="", help="Только этот класс (последний у ученика).")
@click.option("--json", "as_json", is_flag=True, help="Ответ в JSON.")
@click.pass_context
def pupils_find(
    ctx: click.Context, words: tuple[str, ...], class_label: str, as_json: bool
) -> None:
    """Найти обучающихся по ФИО в любом падеже или по началу («Ивану Кузнецову»,
    «Смир»), и по классу; без слов — всех."""
    from archive_service.services.records.pupils import PupilQueries

    archive = open_archive(ctx, dispatch=False)
    name = " ".join(words)
    found = PupilQueries(archive).find(None, name, class_label.strip())
    audit_as_cli(
        archive, "search", "pupils", f"«{name}» {class_label}: найдено {len(found.pupils)}"
    )
    if as_json:
        click.echo(
            json.dumps(
                {
                    "total": len(found.pupils),
                    "pupils": [
                        {
                            "id": p.id,
                            "full_name": p.full_name,
                            "birth_date": p.birth_date,
                            "classes": [{"school_year": y, "class": c} for y, c in p.classes],
                        }
                        for p in found.pupils
                    ],
                },
                ensure_ascii=False,
            )
        )
        return
    click.echo(f"Найдено: {len(found.pupils)} из {found.total}")
    for p in found.pupils:
        latest = f"{p.classes[0][1]} ({p.classes[0][0]})" if p.classes else "—"
        click.echo(f"{p.id}  {p.full_name}  {p.birth_date or '—'}  {latest}")


COMMANDS = [pupils]


def _date_arg(text: str, what: str) -> date:
    try:
        return datetime.strptime(text.strip(), "%d.%m.%Y").date()
    except ValueError as exc:
        raise click.ClickException(f"{what}: «{text}» не похоже на ДД.ММ.ГГГГ") from exc


@pupils.command("transfer")
@click.argument("pupil_id")
@click.option("--application-date", required=True, help="Дата заявления, ДД.ММ.ГГГГ.")
@click.option("--applicant", required=True, help="ФИО заявителя (родителя).")
@click.option("--applicant-document", required=True, help="Документ, подтверждающий полномочия.")
@click.option("--to", "destination", required=True, help="Куда переводится (школа или город).")
@click.option("--order", "order_number", required=True, help="Номер приказа об отчислении.")
@click.option("--order-date", required=True, help="Дата приказа, ДД.ММ.ГГГГ.")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Записать личное дело одним PDF (внутренняя опись первой).")  # fmt: skip
@click.option("--application-scan", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Скан подписанного заявления (в статью 04-06).")  # fmt: skip
@click.option("--extract", "extract_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Записать выписку с текущими отметками (PDF).")  # fmt: skip
@click.option("--package", "package_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Записать пакет для принимающей школы (ZIP, BagIt).")  # fmt: skip
@click.option("--as", "username", default=None, help="От имени пользователя (его роль).")
@click.option("--json", "as_json", is_flag=True, help="Ответ в JSON.")
@click.pass_context
def pupils_transfer(
    ctx: click.Context,
    pupil_id: str,
    application_date: str,
    applicant: str,
    applicant_document: str,
    destination: str,
    order_number: str,
    order_date: str,
    pdf_path: Path | None,
    application_scan: Path | None,
    extract_path: Path | None,
    package_path: Path | None,
    username: str | None,
    as_json: bool,
) -> None:
    """Перевод: заявление, приказ и выдача личного дела родителям (запись в журнал)."""
    from archive_service.access import Permission
    from archive_service.cli.common import acting_as
    from archive_service.services.admin.audit import AuditService
    from archive_service.services.records.transfers import (
        Application,
        TransferError,
        TransferService,
    )

    archive = open_archive(ctx, dispatch=application_scan is not None)
    actor, policy = acting_as(archive, username, Permission.TRANSFER_PUPILS, "выдавать личные дела")
    application = Application(
        _date_arg(application_date, "Дата заявления"),
        applicant,
        applicant_document,
        destination,
        order_number,
        _date_arg(order_date, "Дата приказа"),
    )
    service = TransferService(archive)
    try:
        info = service.issue(pupil_id, application, actor.username, policy)
        if application_scan is not None:
            from archive_service.services.batch.transfer_scans import attach_scan

            attach_scan(
                archive, info.id, application_scan, application_scan.name, "application", policy
            )
        if pdf_path is not None:
            pdf_path.write_bytes(service.personal_file_pdf(pupil_id, policy))
        if package_path is not None:
            from archive_service.services.moving.transfer_package import TransferPackages

            TransferPackages(archive).write(pupil_id, package_path, policy)
    except TransferError as exc:
        raise click.ClickException(str(exc)) from exc
    if extract_path is not None and not _write_extract(archive, pupil_id, info.pupil, extract_path):
        extract_path = None
    AuditService(archive).record(
        actor, "issue", f"pupil:{pupil_id}", detail=f"личное дело выдано: {info.applicant}"
    )
    if info.warning:
        click.echo(f"Внимание: {info.warning}", err=True)
    if as_json:
        emit(
            {
                "pupil_id": pupil_id,
                "issue_id": info.id,
                "package": str(package_path) if package_path else None,
                "extract": str(extract_path) if extract_path else None,
                "pdf": str(pdf_path) if pdf_path else None,
                "documents": info.documents,
                "warning": info.warning,
            }
        )
        return
    click.echo(
        f"Личное дело выдано (запись № {info.number} журнала за {info.year} год), "
        f"документов: {info.documents}, листов: {info.sheets}"
    )


def _write_extract(archive: Archive, pupil_id: str, pupil: str, path: Path) -> bool:
    """The marks extract, when an e-journal export with the pupil's marks is archived;
    said on stderr when there is none (the personal file goes without it)."""
    from archive_service.catalog import Pupil
    from archive_service.schools import SchoolService
    from archive_service.services.records.marks_extract import NoMarks, marks_extract_pdf

    with archive.catalog.session() as s:
        school_id = s.get(Pupil, pupil_id).school_id  # type: ignore[union-attr]
    try:
        school = SchoolService(archive).name_of(school_id)
        path.write_bytes(marks_extract_pdf(archive, pupil_id, pupil, school))
    except NoMarks as exc:
        click.echo(f"Выписка не сделана: {exc}", err=True)
        return False
    return True


@pupils.command("notice")
@click.argument("issue_id", type=int)
@click.option("--date", "notice_date", required=True, help="Дата уведомления, ДД.ММ.ГГГГ.")
@click.option("--text", "text", required=True, help="Что сказано: школа, приказ о зачислении.")
@click.option("--scan", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@click.option("--as", "username", default=None, help="От имени пользователя (его роль).")
@click.option("--json", "as_json", is_flag=True, help="Ответ в JSON.")
@click.pass_context
def pupils_notice(
    ctx: click.Context,
    issue_id: int,
    notice_date: str,
    text: str,
    scan: Path | None,
    username: str | None,
    as_json: bool,
) -> None:
    """Записать уведомление принимающей школы о зачислении (к выдаче личного дела)."""
    from archive_service.access import Permission
    from archive_service.cli.common import acting_as
    from archive_service.services.admin.audit import AuditService
    from archive_service.services.batch.transfer_scans import attach_scan
    from archive_service.services.records.transfers import TransferError, TransferService

    archive = open_archive(ctx)
    actor, policy = acting_as(archive, username, Permission.TRANSFER_PUPILS, "выдавать личные дела")
    service = TransferService(archive)
    try:
        info = service.record_notice(issue_id, _date_arg(notice_date, "Дата"), text, policy)
        if scan is not None:
            attach_scan(archive, issue_id, scan, scan.name, "notice", policy)
            info = service.get(issue_id, policy)
    except TransferError as exc:
        raise click.ClickException(str(exc)) from exc
    AuditService(archive).record(
        actor, "change", f"pupil:{info.pupil_id}", detail="уведомление о зачислении"
    )
    if as_json:
        emit(info.as_dict())
        return
    click.echo(f"Уведомление о зачислении записано к выдаче № {info.number} за {info.year} год")


@pupils.command("package")
@click.argument("pupil_id")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--as", "username", default=None, help="От имени пользователя (его роль).")
@click.pass_context
def pupils_package(ctx: click.Context, pupil_id: str, output: Path, username: str | None) -> None:
    """Пакет личного дела для принимающей школы (ZIP, BagIt) — ещё раз, после выдачи."""
    from archive_service.access import Permission
    from archive_service.cli.common import acting_as
    from archive_service.services.admin.audit import AuditService
    from archive_service.services.moving.transfer_package import TransferPackages
    from archive_service.services.records.transfers import TransferError

    archive = open_archive(ctx, dispatch=False)
    actor, policy = acting_as(archive, username, Permission.TRANSFER_PUPILS, "выдавать личные дела")
    try:
        count = TransferPackages(archive).write(pupil_id, output, policy)
    except TransferError as exc:
        raise click.ClickException(str(exc)) from exc
    AuditService(archive).record(actor, "export", f"pupil:{pupil_id}", detail=str(output))
    click.echo(f"Пакет личного дела записан: {output} (документов: {count})")


@pupils.command("register")
@click.option("--year", type=int, required=True, help="Год журнала.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx"]), default="pdf")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_context
def pupils_register(ctx: click.Context, year: int, fmt: str, output: Path) -> None:
    """Журнал выдачи личных дел за год: PDF или XLSX."""
    from archive_service.schools import SchoolService
    from archive_service.services.records.transfer_papers import register_pdf, register_xlsx
    from archive_service.services.records.transfers import TransferService

    archive = open_archive(ctx, dispatch=False)
    entries = TransferService(archive).register(year)
    school = SchoolService(archive).name_of(None)
    paper = register_pdf if fmt == "pdf" else register_xlsx
    output.write_bytes(paper(entries, school, year))
    click.echo(f"Записан {output}: выдано личных дел {len(entries)}")


@pupils.command("show")
@click.argument("pupil_id")
@click.option("--json", "as_json", is_flag=True, help="Ответ в JSON.")
@click.pass_context
def pupils_show(ctx: click.Context, pupil_id: str, as_json: bool) -> None:
    """Обучающийся: классы, события, документы и выдачи личного дела."""
    from archive_service.services.records.ejournal import JournalService
    from archive_service.services.records.pupils import PupilQueries, events_of
    from archive_service.services.records.transfers import TransferService

    archive = open_archive(ctx, dispatch=False)
    found = PupilQueries(archive).get(pupil_id)
    if found is None:
        raise click.ClickException(f"Обучающегося {pupil_id} нет")
    summary, documents = found
    audit_as_cli(archive, "view", f"pupil:{pupil_id}")
    events = events_of(archive, pupil_id)
    issues = TransferService(archive).of_pupil(pupil_id)
    body: dict[str, object] = {
        "pupil_id": summary.id,
        "full_name": summary.full_name,
        "birth_date": summary.birth_date,
        "school_id": summary.school_id,
        "classes": [{"school_year": y, "class": c} for y, c in summary.classes],
        "events": events,
        "documents": [
            {"id": d.id, "title": d.title, "kind": d.item_index, "school_year": d.school_year}
            for d in documents
        ],
        "issues": [t.as_dict() for t in issues],
        "marks": [m.as_dict() for m in JournalService(archive).marks_of(pupil_id)],
    }
    if as_json:
        emit(body)
        return
    click.echo(f"{summary.full_name} ({', '.join(f'{c} {y}' for y, c in summary.classes)})")
    for e in events:
        click.echo(f"  {e['on']} {e['label']} {e['basis']}")
    for d in documents:
        click.echo(f"  [{d.item_index or '—'}] {d.title}")
    for t in issues:
        click.echo(f"  выдано {t.issued_at[:10]}: {t.applicant} → {t.destination}")
    for m in body["marks"]:  # type: ignore[attr-defined]
        click.echo(f"  {m['school_year']} {m['subject']}: {m['final'] or '—'}")
