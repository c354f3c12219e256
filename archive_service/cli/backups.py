"""Backup and restore of an embedded archive (a scaled one: docs/deploy.md)."""

from __future__ import annotations

from pathlib import Path

import click

from archive_service.cli.common import audit_as_cli, emit, open_archive


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


COMMANDS = [backup_command, restore_command]
