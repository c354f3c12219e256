"""The school's records: the nomenclature of cases, the queue to be filed, and the cover
sheets printed for scanning a stack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from archive_service.cli.common import audit_as_cli, open_archive

if TYPE_CHECKING:
    from archive_service.services.records.nomenclature import NomenclatureService
    from retention.nomenclature import NomenclatureSpec


@click.command("cover-sheets")
@click.option("--kind", required=True, help="Статья номенклатуры («04-01»).")
@click.option("--pupil", "pupils", multiple=True, help="Обучающийся (id); по листу на каждого.")
@click.option("--case", "case_id", type=int, default=None, help="Номер дела.")
@click.option("--year", default=None, help="Учебный год.")
@click.option("--class", "class_label", default=None, help="Класс.")
@click.option("--title", default=None, help="Заголовок документа.")
@click.option("--copies", type=click.IntRange(1, 500), default=1, help="Листов без обучающегося.")
@click.option("--school", default=None, help="Организация (по умолчанию — собственная).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_context
def cover_sheets(
    ctx: click.Context,
    kind: str,
    pupils: tuple[str, ...],
    case_id: int | None,
    year: str | None,
    class_label: str | None,
    title: str | None,
    copies: int,
    school: str | None,
    output: Path,
) -> None:
    """Напечатать титульные листы для сканирования пачкой (PDF)."""
    from archive_service.schools import SchoolError, SchoolService
    from archive_service.services.batch.cover_sheets import CoverSheetService
    from archive_service.services.records.filing import FilingError

    archive = open_archive(ctx, dispatch=False)
    try:
        school_id = SchoolService(archive).id_of(school) if school else None
        pdf = CoverSheetService(archive).render(
            kind, list(pupils), case_id, year, class_label, title, copies, school_id
        )
    except (FilingError, SchoolError) as exc:
        raise click.ClickException(str(exc)) from exc
    output.write_bytes(pdf)
    click.echo(f"Титульные листы: {output}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help='JSON: {"waiting": [...]}.')
@click.pass_context
def inbox(ctx: click.Context, as_json: bool) -> None:
    """Документы, которые ждут подшивки в дело, и почему."""
    from archive_service.services.pipeline.inbox import InboxService

    waiting = InboxService(open_archive(ctx, dispatch=False)).waiting()
    if as_json:
        click.echo(json.dumps({"waiting": [w.as_dict() for w in waiting]}, ensure_ascii=False))
        return
    click.echo(f"Ждут подшивки: {len(waiting)}")
    for doc in waiting:
        reason = f" — {doc.reason}" if doc.reason else " — можно подшить как предложено"
        click.echo(f"{doc.title} ({doc.filename}) [{doc.id}]{reason}")


@click.command("file")
@click.argument("document_id")
@click.option("--item", "item_index", default=None, help="Статья номенклатуры («02-01»).")
@click.option("--as-proposed", is_flag=True, help="Как предложил обработчик (см. archive inbox).")
@click.option("--year", "school_year", default=None, help="Учебный год («2024/2025»).")
@click.option("--class", "class_label", default=None, help="Класс («9Б»).")
@click.option("--date", "document_date", default=None, help="Дата документа (ГГГГ-ММ-ДД).")
@click.option("--title", default=None, help="Заголовок документа.")
@click.option("--subject", default=None, help="Предмет.")
@click.option("--pupil", "pupils", multiple=True, help="Обучающийся (id); можно несколько.")
@click.option("--health", is_flag=True, help="Сведения о здоровье (видны не всем).")
@click.option("--json", "as_json", is_flag=True, help="JSON: {document_id, case_id}.")
@click.pass_context
def file_document(
    ctx: click.Context,
    document_id: str,
    item_index: str | None,
    as_proposed: bool,
    school_year: str | None,
    class_label: str | None,
    document_date: str | None,
    title: str | None,
    subject: str | None,
    pupils: tuple[str, ...],
    health: bool,
    as_json: bool,
) -> None:
    """Подшить документ в дело (или переподшить): по статье номенклатуры или как
    предложено."""
    from archive_service.services.pipeline.indexing import IndexingService
    from archive_service.services.records.filing import (
        Filing,
        FilingError,
        FilingService,
        parse_iso_date,
    )
    from archive_service.services.records.proposals import ProposalService

    if as_proposed == bool(item_index):
        raise click.UsageError("Укажите статью (--item) или --as-proposed, одно из двух")
    archive = open_archive(ctx)
    try:
        if as_proposed:
            filing = ProposalService(archive).filing(document_id)
        else:
            filing = Filing(
                item_index=item_index or "",
                title=title,
                document_date=parse_iso_date(document_date),
                school_year=school_year,
                class_label=class_label,
                subject=subject,
                pupil_ids=list(pupils),
                health_data=health,
            )
        case_id = FilingService(archive).file(document_id, filing)
    except FilingError as exc:
        raise click.ClickException(f"Документ {document_id} не подшит: {exc}") from exc
    audit_as_cli(archive, "change", f"document:{document_id}", f"подшит: {filing.item_index}")
    # Search shows the new case and facets at once, with or without a worker running.
    IndexingService(archive).relay()
    if as_json:
        click.echo(json.dumps({"document_id": document_id, "case_id": case_id}))
    else:
        click.echo(f"Документ {document_id} подшит в дело № {case_id}")


@click.group()
def nomenclature() -> None:
    """Номенклатура дел: показать, загрузить (YAML, XLSX), выгрузить."""


@nomenclature.command("show")
@click.option("--year", type=int, default=None, help="Год (по умолчанию — действующая).")
@click.option("--school", default=None, help="Организация (по умолчанию — единственная).")
@click.pass_context
def nomenclature_show(ctx: click.Context, year: int | None, school: str | None) -> None:
    """Показать действующую номенклатуру дел (или номенклатуру на год --year)."""
    from archive_service.services.records.nomenclature import NomenclatureService, standing

    service = NomenclatureService(open_archive(ctx, dispatch=False))
    spec = _nomenclature_of(service, school, year or service.year_in_force(school))
    shown = service.current_version(school, spec.year)
    version = shown[1] if shown else 1
    click.echo(f"Номенклатура дел на {spec.year} год, версия {version}")
    click.echo(standing(spec.year, service.years(school)))
    for item in spec.items:
        click.echo(f"{item.index:7} {item.retention.label:14} {item.title}")


def _nomenclature_of(
    service: NomenclatureService, school: str | None, year: int
) -> NomenclatureSpec:
    """The school's nomenclature for the year, or a clear refusal naming the years held."""
    try:
        return service.current(school, year)
    except LookupError as exc:
        held = ", ".join(str(y) for y in service.years(school))
        raise click.ClickException(f"{exc}; есть на годы: {held}") from exc


@nomenclature.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--school", default=None, help="Организация (по умолчанию — единственная).")
@click.pass_context
def nomenclature_import(ctx: click.Context, path: Path, school: str | None) -> None:
    """Загрузить номенклатуру из YAML или XLSX как новую версию."""
    from archive_service.services.records.nomenclature import NomenclatureService
    from retention.nomenclature import NomenclatureError, load_file

    try:
        spec = load_file(path)
    except NomenclatureError as exc:
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        raise click.ClickException(
            f"Номенклатура не загружена: ошибок {len(exc.problems)}"
        ) from exc
    service = NomenclatureService(open_archive(ctx, dispatch=False))
    notices = service.acts_keep_their_periods(spec, school)
    year, version = service.import_spec(spec, school, source=path.name)
    audit_as_cli(
        service.archive, "change", f"nomenclature:{year}", f"версия {version}: {path.name}"
    )
    click.echo(f"Загружено статей: {len(spec.items)}; номенклатура на {year} год, версия {version}")
    for notice in notices:
        click.echo(notice, err=True)


@nomenclature.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--year", type=int, default=None, help="Год (по умолчанию — действующая).")
@click.option("--school", default=None, help="Организация (по умолчанию — единственная).")
@click.pass_context
def nomenclature_export(
    ctx: click.Context, path: Path, year: int | None, school: str | None
) -> None:
    """Выгрузить действующую номенклатуру или номенклатуру на год --year (формат по
    расширению: .yaml, .xlsx или .pdf — форма на утверждение с «УТВЕРЖДАЮ»)."""
    from archive_service.services.records.nomenclature import NomenclatureService
    from retention.nomenclature import dump_xlsx, dump_yaml

    service = NomenclatureService(open_archive(ctx, dispatch=False))
    spec = _nomenclature_of(service, school, year or service.year_in_force(school))
    if path.suffix.lower() == ".xlsx":
        path.write_bytes(dump_xlsx(spec))
    elif path.suffix.lower() == ".pdf":
        from archive_service.schools import SchoolService
        from archive_service.services.records.nomenclature_form import nomenclature_pdf

        own = SchoolService(service.archive).name_of(None)
        path.write_bytes(nomenclature_pdf(spec, school or own))
    else:
        path.write_text(dump_yaml(spec), encoding="utf-8")
    click.echo(f"Выгружено статей: {len(spec.items)} (номенклатура на {spec.year} год) → {path}")


COMMANDS = [cover_sheets, inbox, file_document, nomenclature]
