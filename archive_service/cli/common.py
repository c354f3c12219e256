"""What every command shares: the archive opened for the command, the CLI's audit
identity, and how outcomes are printed (one JSON line each, or a Russian line).

The command modules import the catalog, the services and the worker's runner (and so
SQLAlchemy and Celery, ~0.3 s) inside the commands, not at the top: `archive --help`
and a command's `--help` load click and the commands alone."""

from __future__ import annotations

import gc
import importlib
import json
from typing import TYPE_CHECKING, Any

import click

from archive_service.access import ROLE_LABELS_RU, Permission, Policy

if TYPE_CHECKING:
    from archive_service.archive import Archive
    from archive_service.config import Settings
    from archive_service.services.admin.audit import Actor
    from workers.spawn import WorkerProcess

# What the commands use, loaded as one when a command opens the archive (SQLAlchemy and
# the catalog, Celery's dispatch, the services): every command that opens it needs most.
COMMAND_MODULES = (
    "archive_service.archive",
    "archive_service.services.admin.audit",
    "archive_service.services.pipeline.documents",
    "archive_service.services.pipeline.ingest",
    "archive_service.services.pipeline.waiting",
    "workers.celery_app",
    "workers.dispatch",
)
FAILED_STATUSES = {"rejected", "failed"}


def emit(obj: dict[str, Any]) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))


def bold(word: str) -> str:
    """A matched word in a terminal; `click.echo` drops the style when output is piped."""
    return click.style(word, bold=True)


def audit_as_cli(archive: Archive, action: str, target: str, detail: str = "") -> None:
    """The CLI acts as the named local administrator (archive_service.services.admin.audit)."""
    from archive_service.services.admin.audit import CLI_ACTOR, AuditService

    AuditService(archive).record(CLI_ACTOR, action, target, detail=detail)


def acting_as(
    archive: Archive, username: str | None, permission: Permission, step: str
) -> tuple[Actor, Policy | None]:
    """Who a command acts as: the named account, refused unless its role may take this
    step; without `--as`, the local administrator (no policy: every school)."""
    from archive_service.accounts import AccountService
    from archive_service.services.admin.audit import CLI_ACTOR, Actor

    if username is None:
        return CLI_ACTOR, None
    account = AccountService(archive).named(username)
    if account is None:
        raise click.ClickException(f"Пользователя «{username}» нет")
    if not account.policy.can(permission):
        raise click.ClickException(
            f"Пользователь «{username}» ({ROLE_LABELS_RU.get(account.role, account.role)}) "  # type: ignore[call-overload]
            f"не может {step}"
        )
    return Actor(account.username, account.role, "cli", account.school_id), account.policy


def load_command_modules(settings: Settings) -> None:
    """COMMAND_MODULES, and Celery pointed at this archive's broker. `cli.main` turned
    the garbage collector off for the command's loading: what is loaded by now is frozen
    out of its reach and it is turned on again (cli/__init__.py says why). Run in-process
    (tests' CliRunner), the collector was never turned off and nothing is frozen."""
    from workers.celery_app import configure_celery

    for module in COMMAND_MODULES:
        importlib.import_module(module)
    configure_celery(settings)
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def open_archive(ctx: click.Context, dispatch: bool = True) -> Archive:
    """The archive of `--data-dir`; a command that queues no work opens it without a
    dispatcher, so it never loads Celery's task machinery."""
    settings = ctx.obj
    load_command_modules(settings)
    from archive_service.archive import Archive

    dispatcher = None
    if dispatch:
        from workers.dispatch import CeleryDispatcher

        dispatcher = CeleryDispatcher()
    return Archive.open(settings, dispatcher)


def wait_for(
    archive: Archive,
    ids: list[str],
    timeout: float | None,
    progress: bool,
    worker: WorkerProcess | None = None,
) -> dict[str, str]:
    """Wait until these documents are final, with a worker of this command's own if none
    is running (so it works with no server); returns those the search index has not
    taken yet, with the reason. A timeout is said on stderr and ends the wait. `worker`
    is one this command started already (`start_worker`); it is stopped here."""
    from archive_service.services.pipeline.waiting import WaitTimeout, wait_until_final
    from workers.spawn import ensure_worker

    try:
        if worker is None:
            worker = ensure_worker(archive.settings)
        else:
            worker.wait_accepting()
    except BaseException:
        if worker is not None:
            worker.stop(wait=False)
        raise
    try:
        return wait_until_final(
            archive,
            ids,
            timeout=timeout,
            progress=_progress if progress else None,
            alive=worker.alive if worker is not None else None,
            waiting=_waiting,
        )
    except WaitTimeout as exc:
        click.echo(f"Ожидание прервано: {exc}", err=True)
        return {}
    finally:
        if worker is not None:
            worker.stop(wait=False)


def _waiting(reasons: set[str]) -> None:
    if reasons:
        click.echo("\nЖдём: " + "; ".join(sorted(reasons)) + " (продолжится само)", err=True)
    else:
        click.echo("\nОбработка продолжается", err=True)


def _progress(done: int, total: int) -> None:
    click.echo(f"\rОбработано документов: {done} из {total}", err=True, nl=done == total)


def print_outcome(outcome: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit(outcome)
        return
    labels = {
        "queued": "принят, в очереди",
        "archived": "в архиве",
        "duplicate": "уже в архиве",
        "rejected": "отклонён",
        "failed": "ошибка обработки",
        "processing": "обрабатывается",
    }
    line = f"{outcome['file']}: {labels.get(str(outcome['status']), outcome['status'])}"
    if outcome.get("id"):
        line += f" [{outcome['id']}]"
    if outcome.get("error"):
        line += f" — {outcome['error']}"
    click.echo(line)


SCHOOL_OPTION_HELP = "Организация, чьи это документы (по умолчанию — собственная архива)."


def school_id_of(archive: Archive, school: str | None) -> int:
    """The school named on the command line (None: the archive's own), or a clear
    refusal naming the schools there are."""
    from archive_service.schools import SchoolError, SchoolService

    try:
        return SchoolService(archive).id_of(school)
    except SchoolError as exc:
        raise click.ClickException(str(exc)) from exc
