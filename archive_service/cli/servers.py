"""Running the archive: the web server, the worker and the scheduler, rebuilding the
search index, and moving a whole archive to servers (`archive transfer`)."""

from __future__ import annotations

import errno
import os
import signal
import threading
from datetime import datetime
from typing import TYPE_CHECKING

import click

from archive_service.cli.common import load_command_modules, open_archive
from archive_service.words import counted
from search import SearchError

if TYPE_CHECKING:
    from archive_service.archive import Archive


@click.command()
@click.pass_context
def reindex(ctx: click.Context) -> None:
    """Перестроить поисковый индекс из каталога."""
    from archive_service.services.pipeline.indexing import IndexingService, RebuildRunning

    archive = open_archive(ctx, dispatch=False)
    try:
        count = IndexingService(archive).rebuild()
    except RebuildRunning as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Проиндексировано документов: {count}")


@click.command()
@click.option("--concurrency", type=int, default=None, help="Число процессов (по умолчанию ядра).")
@click.option("--queues", default="ocr,default", show_default=True)
@click.option("--loglevel", default="INFO", show_default=True)
# Set by a command that starts its own worker (`ingest --wait`): documents it creates
# after this moment are its own, not work a killed worker lost.
@click.option("--recover-before", type=click.DateTime(["%Y-%m-%dT%H:%M:%S.%f"]), hidden=True)
@click.pass_context
def worker(
    ctx: click.Context,
    concurrency: int | None,
    queues: str,
    loglevel: str,
    recover_before: datetime | None,
) -> None:
    """Запустить фоновый обработчик (Celery) без сервера очередей."""
    archive = open_archive(ctx)
    from workers.runner import run_worker

    run_worker(
        archive,
        concurrency=concurrency or os.cpu_count() or 1,
        queues=queues,
        loglevel=loglevel,
        recover_before=recover_before,
    )


@click.command()
@click.option("--database-url", required=True, help="Каталог назначения (postgresql+psycopg://…).")
@click.option("--storage-url", required=True, help="Хранилище назначения (s3://ХОСТ/КОРЗИНА).")
@click.option("--search-url", required=True, help="Поиск назначения (http://ХОСТ:9200/ПРЕФИКС).")
@click.pass_context
def transfer(ctx: click.Context, database_url: str, storage_url: str, search_url: str) -> None:
    """Перенести весь архив (каталог, файлы, поисковый индекс) на другие серверы."""
    from dataclasses import replace

    from archive_service.archive import Archive, NoDispatch
    from archive_service.services.admin.relocation import RelocationError, RelocationService

    source = open_archive(ctx, dispatch=False)
    target_settings = replace(
        ctx.obj, database_url=database_url, storage_url=storage_url, search_url=search_url
    )
    target = Archive.open(target_settings, NoDispatch())

    def progress(stage: str, done: int, total: int) -> None:
        names = {"objects": "файлы", "catalog": "каталог", "index": "поисковый индекс"}
        click.echo(f"\r{names[stage]}: {done}/{total}", nl=done == total, err=True)

    try:
        report = RelocationService(source, target).run(progress)
    except RelocationError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        source.close()
        target.close()
    rows = ", ".join(f"{name}: {n}" for name, n in report.rows.items())
    click.echo(
        f"Перенесено: {counted(report.objects, 'файл')} ({report.bytes / 1e6:.1f} МБ); "
        f"строки — {rows}; "
        f"в индексе {counted(report.indexed, 'документ')}."
    )


@click.command()
@click.option("--loglevel", default="INFO", show_default=True)
@click.pass_context
def beat(ctx: click.Context, loglevel: str) -> None:
    """Запустить планировщик периодических задач (масштабируемый режим, один на архив)."""
    from workers.celery_app import app

    load_command_modules(ctx.obj)
    ctx.obj.ensure_dirs()
    app.Beat(loglevel=loglevel).run()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--no-worker", is_flag=True, help="Не запускать фоновый обработчик.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, no_worker: bool) -> None:
    """Запустить веб-интерфейс, API и фоновый обработчик."""
    import logging

    from waitress import create_server

    from archive_service.accounts import FIRST_ADMIN, AccountService
    from web import create_app
    from workers.spawn import ensure_worker

    archive = open_archive(ctx)
    try:  # the port first: a busy one is said plainly, before anything else starts
        server = create_server(create_app(archive), host=host, port=port, threads=8)
    except OSError as exc:
        raise click.ClickException(_listen_error(host, port, exc)) from exc
    logging.basicConfig()  # waitress reports its queue and errors through logging
    # The Elasticsearch client logs each retry with a traceback; the archive says itself,
    # in words, when the index does not answer.
    logging.getLogger("elastic_transport").setLevel(logging.ERROR)
    password = AccountService(archive).ensure_first_admin()
    if password:
        click.echo("=" * 60)
        click.echo("Создан администратор архива. Пароль показывается один раз:")
        click.echo(f"  логин: {FIRST_ADMIN}\n  пароль: {password}")
        click.echo("=" * 60)
    _rebuild_a_stale_index(archive)
    worker_proc = None if no_worker else ensure_worker(archive.settings)
    stop_watching = _watch_hot_folder(archive)
    click.echo(f"Архив открыт: http://{host}:{port}/  (данные: {archive.settings.data_dir})")

    def stop_serving(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)  # unwinds to the finally below, which stops the worker

    signal.signal(signal.SIGTERM, stop_serving)
    try:
        server.run()
    finally:
        server.close()
        if stop_watching is not None:
            stop_watching.set()
        if worker_proc is not None:
            worker_proc.stop()


def _watch_hot_folder(archive: Archive) -> threading.Event | None:
    """The hot folder of the settings (ARCHIVE_HOT_FOLDER), watched beside the web
    server in a thread of its own; the event stops it."""
    from archive_service.schools import SchoolError, SchoolService
    from archive_service.services.batch.hot_folder import HotFolder

    folder = archive.settings.hot_folder
    if folder is None:
        return None
    try:
        school_id = (
            SchoolService(archive).id_of(archive.settings.hot_folder_school)
            if archive.settings.hot_folder_school
            else None
        )
    except SchoolError as exc:
        raise click.ClickException(f"ARCHIVE_HOT_FOLDER_SCHOOL: {exc}") from exc
    folder.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    hot = HotFolder(archive, folder, school_id)
    threading.Thread(target=hot.run, kwargs={"stop": stop}, daemon=True, name="hot-folder").start()
    click.echo(f"Горячая папка: {folder}")
    return stop


def _rebuild_a_stale_index(archive: Archive) -> None:
    """After an update that changed how words are stemmed the search index starts empty,
    and one that added a field to filter on leaves Elasticsearch's index without it:
    build it again before the first search, saying why the start takes longer (on
    Elasticsearch the old index answers meanwhile)."""
    from archive_service.services.pipeline.indexing import IndexingService, RebuildRunning

    indexing = IndexingService(archive)
    try:
        why = indexing.stale()
    except SearchError as exc:  # the archive opens all the same; search says so itself
        click.echo(f"{exc}. Архив открывается без поиска; он заработает, когда индекс ответит")
        return
    if why is None:
        return
    click.echo(f"{why}. Строю его заново…")
    try:
        count = indexing.rebuild()
    except SearchError as exc:
        click.echo(f"Индекс не построен: {exc}. Выполните «archive reindex», когда он ответит")
        return
    except RebuildRunning:
        click.echo("Индекс уже перестраивает другой процесс; поиск наполнится, когда он закончит")
        return
    click.echo(f"Проиндексировано документов: {count}")


def _listen_error(host: str, port: int, exc: OSError) -> str:
    """Why the web server could not open host:port, and what to do, in the user's words."""
    if exc.errno == errno.EADDRINUSE:
        return (
            f"Порт {port} на {host} уже занят: архив уже запущен или порт занят другой "
            f"программой. Укажите другой порт, например --port {port + 1}"
        )
    if exc.errno == errno.EACCES:
        return f"Нет прав открыть порт {port}: порты ниже 1024 открывает только администратор"
    return f"Не удалось открыть {host}:{port}: {exc.strerror or exc}"


COMMANDS = [reindex, worker, transfer, beat, serve]
