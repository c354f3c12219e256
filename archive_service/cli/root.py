"""The `archive` command group: the data directory for every command, and the commands
of each module registered under it. One module per group of commands; each command is a
thin layer over one service."""

from __future__ import annotations

import os

import click

from archive_service.cli import (
    accounts,
    backups,
    documents,
    pupils,
    records,
    retention,
    schools,
    servers,
)
from archive_service.config import load_settings


@click.group()
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Папка данных архива (по умолчанию ARCHIVE_DATA_DIR или ./archive-data).",
)
@click.pass_context
def archive(ctx: click.Context, data_dir: str | None) -> None:
    """Архив индивидуального учёта результатов обучающихся."""
    settings = load_settings(data_dir)
    # Child processes (the worker) read the same data directory from the environment.
    # Celery is pointed at its broker as the command opens the archive
    # (`common.load_command_modules`): `ingest --wait` starts its worker before that.
    os.environ["ARCHIVE_DATA_DIR"] = str(settings.data_dir)
    ctx.obj = settings


for module in (documents, records, pupils, retention, schools, accounts, backups, servers):
    for command in module.COMMANDS:
        archive.add_command(command)
