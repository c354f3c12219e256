"""Schools of a district archive: add one, list them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import click

from archive_service.cli.common import audit_as_cli, emit, open_archive


@click.group()
def schools() -> None:
    """Организации архива (для района — его школы)."""


@schools.command("add")
@click.argument("name")
@click.option("--address", default=None, help="Адрес (печатается в актах).")
@click.option("--json", "as_json", is_flag=True, help='Ответ в JSON: {"school_id"}.')
@click.pass_context
def schools_add(ctx: click.Context, name: str, address: str | None, as_json: bool) -> None:
    """Добавить организацию; название должно быть новым."""
    from archive_service.schools import SchoolError, SchoolService

    archive = open_archive(ctx, dispatch=False)
    try:
        school_id = SchoolService(archive).add(name, address)
    except SchoolError as exc:
        raise click.ClickException(str(exc)) from exc
    audit_as_cli(archive, "create", f"school:{school_id}", name)
    if as_json:
        emit({"school_id": school_id})
        return
    click.echo(f"Добавлена организация «{name}» (№ {school_id})")


@schools.command("list")
@click.option("--json", "as_json", is_flag=True, help="Ответ в JSON.")
@click.pass_context
def schools_list(ctx: click.Context, as_json: bool) -> None:
    """Организации архива; первая — собственная."""
    from archive_service.schools import SchoolService

    found = SchoolService(open_archive(ctx, dispatch=False)).all()
    if as_json:
        rows = [
            {"school_id": x.id, "name": x.name}
            | ({"merged_into": x.merged_into} if x.merged_into else {})  # the older shape kept
            | ({"address": x.address} if x.address else {})
            for x in found
        ]
        click.echo(json.dumps({"schools": rows}, ensure_ascii=False))
        return
    names = {x.id: x.name for x in found}
    for school in found:
        merged = f" (присоединена к «{names[school.merged_into]}»)" if school.merged_into else ""
        click.echo(f"{school.id}  {school.name}{merged}")


@schools.command("address")
@click.argument("name")
@click.argument("address")
@click.pass_context
def schools_address(ctx: click.Context, name: str, address: str) -> None:
    """Записать адрес организации (оператора персональных данных): его печатает акт об
    уничтожении персональных данных. Пустая строка стирает адрес."""
    from archive_service.schools import SchoolError, SchoolService

    archive = open_archive(ctx, dispatch=False)
    schools = SchoolService(archive)
    try:
        school_id = schools.id_of(name)
        schools.set_address(school_id, address)
    except SchoolError as exc:
        raise click.ClickException(str(exc)) from exc
    audit_as_cli(archive, "change", f"school:{school_id}", f"адрес: {address}")
    click.echo(f"Адрес «{name}» записан" if address.strip() else f"Адрес «{name}» стёрт")


@schools.command("merge")
@click.argument("name")
@click.option("--into", "into", required=True, help="Правопреемник: к кому присоединяется.")
@click.option("--json", "as_json", is_flag=True, help="Итог в JSON.")
@click.pass_context
def schools_merge(ctx: click.Context, name: str, into: str, as_json: bool) -> None:
    """Присоединить организацию к другой (реорганизация).

    Её дела, документы и обучающиеся остаются её собственными и не смешиваются с делами
    правопреемника; их видят люди правопреемника, её учётные записи переходят к нему,
    новые документы для неё больше не принимаются.
    """
    from archive_service.schools import SchoolError, SchoolService

    archive = open_archive(ctx, dispatch=False)
    try:
        merged, successor, moved = SchoolService(archive).merge(name, into)
    except SchoolError as exc:
        raise click.ClickException(str(exc)) from exc
    audit_as_cli(archive, "merge", f"school:{merged}", f"into school:{successor}")
    if as_json:
        emit({"school_id": merged, "merged_into": successor, "accounts_moved": moved})
        return
    click.echo(f"«{name}» присоединена к «{into}»; учётных записей перешло: {moved}")


@schools.command("export")
@click.argument("name")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Итог в JSON.")
@click.pass_context
def schools_export(ctx: click.Context, name: str, folder: Path, as_json: bool) -> None:
    """Выгрузить весь архив организации в пакет BagIt: в новую или пустую папку, или
    одним файлом, если имя кончается на .zip (такой пакет принимается и на странице
    «Организации»)."""
    from archive_service.schools import SchoolError, SchoolService
    from archive_service.services.moving.bags import BagError
    from archive_service.services.moving.school_bag import SchoolExport
    from archive_service.services.moving.school_moves import export_to_zip

    archive = open_archive(ctx, dispatch=False)
    progress = _progress(as_json, "Оригиналы")
    try:
        school_id = SchoolService(archive).id_of(name)
        if folder.suffix.lower() == ".zip":
            if folder.exists():
                raise BagError(f"Файл «{folder}» уже есть: укажите новый")
            report = export_to_zip(archive, school_id, folder, progress)
        else:
            report = SchoolExport(archive).run(school_id, folder, progress)
    except (SchoolError, BagError) as exc:
        raise click.ClickException(str(exc)) from exc
    audit_as_cli(archive, "export", f"school:{school_id}", str(folder))
    if as_json:
        emit(report.as_dict())
        return
    click.echo(
        f"Архив «{report.school}» выгружен в {folder}: документов {report.documents}, "
        f"уничтоженных по актам {report.destroyed}, дел {report.cases}, "
        f"обучающихся {report.pupils}"
    )


@schools.command("import")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--name", default=None, help="Другое название организации здесь.")
@click.option("--resume", is_flag=True, help="Продолжить прерванный перенос.")
@click.option("--json", "as_json", is_flag=True, help="Итог в JSON.")
@click.pass_context
def schools_import(
    ctx: click.Context, folder: Path, name: str | None, resume: bool, as_json: bool
) -> None:
    """Принять архив организации из пакета BagIt (папки или ZIP) другого развёртывания.

    Пакет проверяется целиком до начала; оригиналы прочитываются заново обработчиком.
    Код выхода 1, если какой-то документ не принят (повторите с --resume).
    """
    from archive_service.schools import SchoolError
    from archive_service.services.moving.bags import BagError
    from archive_service.services.moving.school_bag import SchoolImport
    from archive_service.services.moving.school_moves import import_from_zip

    archive = open_archive(ctx)
    progress = _progress(as_json, "Документы")
    try:
        if folder.is_file():
            report = import_from_zip(archive, folder, name, resume, progress)
        else:
            report = SchoolImport(archive).run(folder, name, resume, progress)
    except (SchoolError, BagError) as exc:
        raise click.ClickException(str(exc)) from exc
    audit_as_cli(archive, "import", f"school:{report.school_id}", str(folder))
    for problem in report.problems:
        click.echo(f"Не принят: {problem}", err=True)
    if as_json:
        emit(report.as_dict())
    else:
        click.echo(
            f"Принят архив «{report.school}» (№ {report.school_id}): документов "
            f"{report.documents} (обрабатываются), уничтоженных по актам {report.destroyed}, "
            f"дел {report.cases}, обучающихся {report.pupils}"
        )
    if report.problems:
        ctx.exit(1)


def _progress(quiet: bool, what: str) -> Callable[[int, int], None] | None:
    """A line on stderr every hundred files and at the end; none with --json."""
    if quiet:
        return None

    def show(done: int, total: int) -> None:
        if done % 100 == 0 or done == total:
            click.echo(f"{what}: {done} из {total}", err=True)

    return show


COMMANDS = [schools]
