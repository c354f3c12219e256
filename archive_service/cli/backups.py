"""Backup and restore of an embedded archive (a scaled one: docs/deploy.md)."""

from __future__ import annotations

from pathlib import Path

import click

from archive_service.cli.common import audit_as_cli, emit, open_archive
from archive_service.words import counted


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Итог в JSON.")
@click.pass_context
def backup_command(ctx: click.Context, dest: Path, as_json: bool) -> None:
    """Резервная копия архива в новую папку, не останавливая его; проверяется после записи.

    Код выхода 2, если проверка копии нашла расхождения.
    """
    from archive_service.services.admin.backup import BackupError, backup

    def progress(copied: int) -> None:
        if not as_json:
            click.echo(f"Скопировано файлов: {copied}", err=True)

    try:
        report = backup(ctx.obj, dest, progress)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    audit_as_cli(open_archive(ctx, dispatch=False), "backup", "archive", str(dest))
    if as_json:
        emit(report.as_dict())
    else:
        state = "проверена" if report.verified else "НЕ прошла проверку"
        click.echo(
            f"Копия в {dest}: документов {report.documents}, файлов {report.objects}, "
            f"{report.bytes / 1e6:.1f} МБ; {state}"
        )
        for problem in report.problems:
            click.echo(f"  {problem}", err=True)
    if not report.verified:
        ctx.exit(2)


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Итог в JSON.")
@click.pass_context
def restore_command(ctx: click.Context, src: Path, as_json: bool) -> None:
    """Восстановить архив из резервной копии в пустую папку данных (--data-dir);
    поисковый индекс перестраивается из восстановленного каталога."""
    from archive_service.services.admin.backup import BackupError, restore
    from archive_service.services.pipeline.indexing import IndexingService

    try:
        report = restore(ctx.obj, src)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    archive = open_archive(ctx, dispatch=False)  # migrates an older backup's catalog
    indexed = IndexingService(archive).rebuild()
    audit_as_cli(archive, "restore", "archive", str(src))
    if as_json:
        emit(report.as_dict() | {"indexed": indexed})
        return
    click.echo(
        f"Архив восстановлен в {report.path}: документов {report.documents}, "
        f"файлов {report.objects}; в поиске документов: {indexed}"
    )


@click.command("rebuild")
@click.option(
    "--from-storage",
    "from_storage",
    is_flag=True,
    help="Восстановить пустой каталог и поиск из хранилища (после потери базы и индекса).",
)
@click.option(
    "--to-storage",
    "to_storage",
    is_flag=True,
    help="Записать в хранилище сведения каталога, которых там ещё нет (архив старой версии).",
)
@click.option("--json", "as_json", is_flag=True, help="Итог в JSON.")
@click.pass_context
def rebuild_command(
    ctx: click.Context, from_storage: bool, to_storage: bool, as_json: bool
) -> None:
    """Каталог из хранилища, или хранилище из каталога.

    Учётные записи и журнал аудита в хранилище не пишутся: их возвращает резервная
    копия (archive restore). Код выхода 2, если что-то не восстановилось целиком.
    """
    if from_storage == to_storage:
        raise click.UsageError("Укажите одно: --from-storage или --to-storage")
    archive = open_archive(ctx, dispatch=False)
    if to_storage:
        from archive_service.mirror import CatalogMirror

        done = CatalogMirror(archive.store).write_all(archive.catalog.session_factory)
        detail = f"каталог сверен с хранилищем: {done.checked}, записано {done.written}"
        audit_as_cli(archive, "change", "archive", detail)
        if as_json:
            emit({"checked": done.checked, "written": done.written})
        else:
            click.echo(f"Сверено с хранилищем: {done.checked}; записано: {done.written}")
        return
    from archive_service.services.admin.rebuild import RebuildError, StorageRebuild

    def progress(done: int, total: int) -> None:
        if not as_json:
            click.echo(f"Документов восстановлено: {done} из {total}", err=True)

    try:
        report = StorageRebuild(archive).run(progress)
    except RebuildError as exc:
        raise click.ClickException(str(exc)) from exc
    audit_as_cli(archive, "restore", "archive", "каталог восстановлен из хранилища")
    if as_json:
        emit(report.as_dict())
    else:
        click.echo(
            f"Восстановлено за {report.seconds} с: организаций {report.schools}, "
            f"номенклатур {report.nomenclatures}, обучающихся {report.pupils}, "
            f"дел {report.cases}, документов {report.documents} ({counted(report.pages, 'лист')}, "
            f"уничтоженных {report.destroyed}); в поиске документов: {report.indexed}"
        )
        if report.unfinished:
            click.echo(
                f"Не дообработано до потери: {report.unfinished}; их прочтёт archive worker",
                err=True,
            )
        for doc_id in report.without_record:
            click.echo(f"  {doc_id}: опись старого образца, без подшивки", err=True)
        for doc_id in report.orphans:
            click.echo(f"  {doc_id}: файлы без описи; примите оригинал заново", err=True)
        for problem in report.problems:
            click.echo(f"  {problem}", err=True)
    if report.problems or report.orphans or report.without_record:
        ctx.exit(2)


COMMANDS = [backup_command, restore_command, rebuild_command]
