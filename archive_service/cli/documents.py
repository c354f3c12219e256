"""Documents and search: taking files in (one by one or a folder with a manifest),
showing, listing, retrying and searching them.

Output contracts (--json) are fixed and checked by tests; human output is Russian.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from archive_service.cli.common import (
    FAILED_STATUSES,
    SCHOOL_OPTION_HELP,
    audit_as_cli,
    bold,
    emit,
    open_archive,
    print_outcome,
    school_id_of,
    wait_for,
)
from archive_service.domain import STATUS_LABELS_RU, DocumentStatus

if TYPE_CHECKING:
    from archive_service.archive import Archive


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--wait", is_flag=True, help="Дождаться окончания обработки всех файлов.")
@click.option("--json", "as_json", is_flag=True, help="Одна строка JSON на файл.")
@click.option("--timeout", type=float, default=None, help="Сколько ждать с --wait, секунд.")
@click.option(
    "--stack",
    is_flag=True,
    help="Каждый файл — пачка с титульными листами: разделить и подшить части.",
)
@click.option("--school", default=None, help=SCHOOL_OPTION_HELP)
@click.pass_context
def ingest(
    ctx: click.Context,
    paths: tuple[str, ...],
    wait: bool,
    as_json: bool,
    timeout: float | None,
    stack: bool,
    school: str | None,
) -> None:
    """Принять файлы в архив (PDF, TIFF, JPEG, PNG).

    Код выхода 0, если все файлы приняты (или уже были в архиве), 2 — если какой-то
    файл отклонён или не обработан. С --stack каждая часть пачки — отдельная строка.
    """
    from workers.spawn import start_worker

    # With --wait and no worker running, the worker starts (~1 s) while this command
    # loads what it uses, opens the catalog and takes the files in, not after.
    worker = None
    if wait:
        ctx.obj.ensure_dirs()
        worker = start_worker(ctx.obj)
    try:
        archive = open_archive(ctx)
        school_id = school_id_of(archive, school) if school else None
        outcomes = _take_in(archive, school_id, paths, stack, wait, as_json)
    except BaseException:
        if worker is not None:
            worker.stop(wait=False)
        raise
    if wait:
        from archive_service.services.pipeline.documents import DocumentService

        queued = [o["id"] for o in outcomes if o["status"] == "queued" and o["id"]]
        if queued:
            unindexed = wait_for(archive, queued, timeout, progress=not as_json, worker=worker)
            final = DocumentService(archive).outcomes(queued)
            for outcome in outcomes:
                if outcome["status"] == "queued" and outcome["id"]:
                    outcome["status"], outcome["error"] = final[str(outcome["id"])]
                    if outcome["id"] in unindexed:
                        click.echo(
                            f"{outcome['file']}: в архиве, но поиск его пока не находит — "
                            f"{unindexed[str(outcome['id'])]}; запись в индекс будет повторена",
                            err=True,
                        )
        elif worker is not None:
            worker.stop(wait=False)
        for outcome in outcomes:
            print_outcome(outcome, as_json)
    if any(o["status"] in FAILED_STATUSES for o in outcomes):
        ctx.exit(2)


def _take_in(
    archive: Archive,
    school_id: int | None,
    paths: tuple[str, ...],
    stack: bool,
    wait: bool,
    as_json: bool,
) -> list[dict[str, Any]]:
    """Take each path in (a stack split into its parts); without --wait each outcome is
    printed as it comes."""
    from archive_service.services.pipeline.ingest import IngestService

    service = IngestService(archive, school_id)
    outcomes = []
    for given in paths:
        if stack:
            from archive_service.services.batch.stacks import StackService

            report = StackService(archive, school_id).ingest_stack(Path(given), given_as=given)
            for problem in report.problems:
                click.echo(f"{given}: {problem}", err=True)
            found = [part.outcome.as_dict() for part in report.parts]
            if report.error:
                found = [{"file": given, "id": None, "status": "rejected", "error": report.error}]
        else:
            found = [service.ingest_path(Path(given), given_as=given).as_dict()]
        for outcome in found:
            outcomes.append(outcome)
            if outcome["id"] and outcome["status"] == "queued":
                audit_as_cli(archive, "create", f"document:{outcome['id']}", str(outcome["file"]))
            if not wait:
                print_outcome(outcome, as_json)
    return outcomes


@click.command()
@click.argument("document_id")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def show(ctx: click.Context, document_id: str, as_json: bool) -> None:
    """Показать документ: состояние и текст страниц."""
    from archive_service.services.pipeline.documents import DocumentService, NotFound

    archive = open_archive(ctx, dispatch=False)
    try:
        doc = DocumentService(archive).get(document_id)
    except NotFound:
        raise click.ClickException(f"Документ {document_id} не найден") from None
    from archive_service.services.admin.audit import CLI_ACTOR, AuditService

    AuditService(archive).record(CLI_ACTOR, "view", f"document:{document_id}")
    if as_json:
        emit(doc)
        return
    click.echo(f"{doc['filename']} — {doc['status_label']}, страниц: {doc['page_count']}")
    if doc["error"]:
        click.echo(f"Ошибка: {doc['error']}")
    for page in doc["pages"]:
        conf = "" if page["confidence"] is None else f", уверенность {page['confidence']}%"
        click.echo(f"\n— Лист {page['number']} ({page['source'] or 'не прочитан'}{conf})")
        click.echo(page["text"])


@click.command()
@click.argument("query")
@click.option("--limit", type=click.IntRange(1, 1000), default=20)
@click.option("--json", "as_json", is_flag=True)
@click.option("--kind", default=None, help="Только статья номенклатуры («02-01»).")
@click.option("--case", "case_id", default=None, help="Только дело (номер).")
@click.option("--year", default=None, help="Только учебный год («2024/2025»).")
@click.option("--class", "class_label", default=None, help="Только класс («9Б»).")
@click.option("--pupil", default=None, help="Только документы об обучающемся (id).")
@click.pass_context
def search(
    ctx: click.Context,
    query: str,
    limit: int,
    as_json: bool,
    kind: str | None,
    case_id: str | None,
    year: str | None,
    class_label: str | None,
    pupil: str | None,
) -> None:
    """Найти документы по словам (с учётом словоформ), с отбором по разрезам."""
    from archive_service.services.admin.labels import (
        FACET_NAMES_RU,
        facet_labels,
        shown_facets,
    )
    from archive_service.services.pipeline.documents import DocumentService
    from search.snippets import plain_snippet  # the Snowball stemmer: search only

    archive = open_archive(ctx, dispatch=False)
    given = {"kind": kind, "case": case_id, "year": year, "class": class_label, "pupil": pupil}
    filters = {name: value for name, value in given.items() if value}
    result = archive.index.search(query, limit=limit, filters=filters)
    audit_as_cli(archive, "search", "search", f"«{query}» {filters}: документов {result.total}")
    if as_json:
        emit(result.as_dict())
        return
    click.echo(f"Найдено документов: {result.total}")
    facets = {name: dict(list(counts.items())[:10]) for name, counts in result.facets.items()}
    facets = shown_facets(facets)
    labels = facet_labels(archive, facets)
    for name, counts in facets.items():
        shown = "; ".join(f"{labels[name][value]} ({n})" for value, n in counts.items())
        click.echo(f"  {FACET_NAMES_RU[name]}: {shown}")
    filings = DocumentService(archive).filings_of([hit.id for hit in result.hits])
    for hit in result.hits:
        click.echo(f"\n{hit.title} ({hit.filename}) [{hit.id}]")
        if hit.id in filings and filings[hit.id].text:
            click.echo(f"  {filings[hit.id].text}")
        for page in hit.pages:
            click.echo(f"  лист {page.number}: {plain_snippet(page.snippet, bold)}")
        if not hit.pages:
            click.echo("  найден по названию, имени файла или ФИО обучающихся")


@click.command("list")
@click.option("--limit", type=int, default=50)
@click.option(
    "--status",
    type=click.Choice([s.value for s in DocumentStatus]),
    default=None,
    help="Только в этом состоянии (failed — с ошибкой).",
)
@click.pass_context
def list_documents(ctx: click.Context, limit: int, status: str | None) -> None:
    """Список документов с состоянием обработки."""
    from archive_service.services.pipeline.documents import DocumentService

    service = DocumentService(open_archive(ctx, dispatch=False))
    total, docs = service.summaries(limit=limit, status=DocumentStatus(status) if status else None)
    counts = service.status_counts()
    by_status = ", ".join(f"{STATUS_LABELS_RU[s]}: {n}" for s, n in counts.items() if n)
    click.echo(
        f"Всего документов: {sum(counts.values())}"
        + (f" ({by_status})" if by_status else "")
        + (f"; в отборе: {total}" if status else "")
    )
    for d in docs:
        click.echo(f"{d.id}  {d.status_label:<15} {d.pages_done}/{d.page_count}  {d.filename}")
        if d.error:
            click.echo(f"    {d.error}")


@click.command()
@click.argument("document_id", required=False)
@click.option("--failed", is_flag=True, help="Повторить все документы с ошибкой.")
@click.option("--wait", is_flag=True, help="Дождаться окончания обработки.")
@click.option("--timeout", type=float, default=None, help="Сколько ждать с --wait, секунд.")
@click.pass_context
def retry(
    ctx: click.Context, document_id: str | None, failed: bool, wait: bool, timeout: float | None
) -> None:
    """Повторить обработку документа с ошибкой (или всех: --failed)."""
    if (document_id is None) == (not failed):
        raise click.UsageError("Укажите ID документа или --failed, что-то одно")
    from archive_service.services.pipeline.documents import DocumentService, NotFound

    archive = open_archive(ctx)
    service = DocumentService(archive)
    if document_id is not None:
        try:
            ok = service.retry(document_id)
        except NotFound:
            raise click.ClickException(f"Документ {document_id} не найден") from None
        if not ok:
            raise click.ClickException("Повторить можно только документ в состоянии «ошибка»")
        retried = [document_id]
        click.echo("Документ снова в очереди")
    else:
        retried = service.retry_failed()
        click.echo(f"Снова поставлено в очередь документов: {len(retried)}")
    for doc_id in retried:
        audit_as_cli(archive, "change", f"document:{doc_id}", "повтор обработки")
    if wait and retried:
        wait_for(archive, retried, timeout, progress=True)
        outcomes = service.outcomes(retried)
        still = {
            doc_id: error for doc_id, (status, error) in outcomes.items() if status == "failed"
        }
        archived = sum(status == "archived" for status, _ in outcomes.values())
        pending = len(retried) - archived - len(still)
        click.echo(
            f"В архиве: {archived}, снова с ошибкой: {len(still)}"
            + (f", ещё обрабатываются: {pending}" if pending else "")
        )
        for doc_id, error in still.items():
            click.echo(f"{doc_id}: {error}", err=True)
        if still:
            ctx.exit(2)


@click.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--manifest",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Опись CSV (по умолчанию опись.csv или manifest.csv внутри).",
)
@click.option("--json", "as_json", is_flag=True, help="Одна строка JSON на файл.")
@click.option("--school", default=None, help=SCHOOL_OPTION_HELP)
@click.option("--wait", is_flag=True, help="Дождаться окончания обработки (и подшивки).")
@click.pass_context
def import_folder(
    ctx: click.Context,
    path: Path,
    manifest: Path | None,
    as_json: bool,
    school: str | None,
    wait: bool,
) -> None:
    """Принять папку или ZIP со сканами и описью, или пакет личного дела из другой школы
    (узнаётся по содержимому). Код выхода 2 при любой ошибке."""
    from archive_service.services.batch.bulk_import import BulkImportError, BulkImportService
    from archive_service.services.moving.transfer_package import TransferPackages

    archive = open_archive(ctx)
    if path.is_file() and TransferPackages.is_package(path):
        _import_package(ctx, archive, path, school, as_json, wait)
        return
    try:
        school_id = school_id_of(archive, school) if school else None
        report = BulkImportService(archive, school_id).run(path, manifest)
    except BulkImportError as exc:
        raise click.ClickException(str(exc)) from exc
    for outcome in report.outcomes:
        if outcome.id and outcome.status == "queued":
            audit_as_cli(archive, "create", f"document:{outcome.id}", outcome.file)
    for problem in report.problems:
        click.echo(f"  {problem}", err=True)
    if wait:
        _wait(archive, [o.id for o in report.outcomes if o.id and o.status == "queued"], as_json)
    for outcome in report.outcomes:
        print_outcome(outcome.as_dict(), as_json)
    if report.problems or any(o.status in FAILED_STATUSES for o in report.outcomes):
        ctx.exit(2)


def _wait(archive: Archive, ids: list[str], as_json: bool) -> None:
    if ids:
        for doc_id, reason in wait_for(archive, ids, None, progress=not as_json).items():
            click.echo(f"{doc_id}: поиск его пока не находит — {reason}", err=True)


def _import_package(
    ctx: click.Context,
    archive: Archive,
    path: Path,
    school: str | None,
    as_json: bool,
    wait: bool,
) -> None:
    """A transfer package: checked whole, its pupil found or registered, every document
    taken in and filed into the pupil's personal file."""
    from archive_service.services.moving.bags import BagError
    from archive_service.services.moving.transfer_package import TransferPackages
    from archive_service.services.records.transfers import TransferError

    try:
        school_id = school_id_of(archive, school) if school else None
        report = TransferPackages(archive).read(path, school_id)
    except (BagError, TransferError) as exc:
        raise click.ClickException(str(exc)) from exc
    audit_as_cli(archive, "import", f"pupil:{report.pupil_id}", f"пакет личного дела {path.name}")
    queued = [str(o["id"]) for o in report.documents if o["id"] and o["status"] == "queued"]
    for doc_id in queued:
        audit_as_cli(archive, "create", f"document:{doc_id}", path.name)
    if wait:
        _wait(archive, queued, as_json)
    if as_json:
        emit(report.as_dict())
    else:
        how = "внесён в список" if report.created else "найден в списке"
        click.echo(f"Обучающийся {report.pupil} {how}; документы личного дела:")
        for outcome in report.documents:
            print_outcome(outcome, False)
    if any(o["status"] in FAILED_STATUSES for o in report.documents):
        ctx.exit(2)


COMMANDS = [ingest, show, search, list_documents, retry, import_folder]


@click.command("watch")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--school", default=None, help=SCHOOL_OPTION_HELP)
@click.option("--once", is_flag=True, help="Принять то, что уже лежит, и выйти.")
@click.option(
    "--interval", type=float, default=2.0, show_default=True, help="Секунд между осмотрами."
)
@click.option(
    "--settle",
    type=float,
    default=5.0,
    show_default=True,
    help="Сколько секунд файл не меняется, чтобы считаться записанным.",
)
@click.option("--json", "as_json", is_flag=True, help="Одна строка JSON на файл.")
@click.pass_context
def watch(
    ctx: click.Context,
    folder: Path,
    school: str | None,
    once: bool,
    interval: float,
    settle: float,
    as_json: bool,
) -> None:
    """Горячая папка: принимать всё, что сканер кладёт в папку (пачки с титульными листами
    делятся). Принятое переносится в done/, отклонённое — в rejected/ с причиной рядом."""
    from archive_service.services.batch.hot_folder import HotFolder, HotFolderResult

    archive = open_archive(ctx)
    school_id = school_id_of(archive, school) if school else None
    hot = HotFolder(archive, folder, school_id, settle=settle)

    def say(result: HotFolderResult) -> None:
        for doc_id in result.document_ids:
            if result.status == "queued":
                audit_as_cli(archive, "create", f"document:{doc_id}", result.file)
        if as_json:
            emit(result.__dict__)
        else:
            click.echo(
                f"{result.file}: {result.status}" + (f" — {result.reason}" if result.reason else "")
            )

    if once:
        for result in hot.scan_once():
            say(result)
        return
    click.echo(f"Слежу за папкой {folder} (Ctrl+C — остановить)", err=True)
    try:
        hot.run(interval, on_result=say)
    except KeyboardInterrupt:
        click.echo("Остановлено", err=True)


COMMANDS.append(watch)
