"""The commands of `archive` (ingest, show, search, serve, worker, ...); started through
`archive_service.cli`, which loads this module.

Output contracts (--json) are fixed by the embedded-archive issue and checked by tests;
human output is Russian.
"""

from __future__ import annotations

import errno
import json
import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from archive_service.archive import Archive
from archive_service.config import load_settings
from archive_service.domain import STATUS_LABELS_RU, DocumentStatus
from archive_service.services.documents import DocumentService, NotFound
from archive_service.services.indexing import IndexingService, RebuildRunning
from archive_service.services.ingest import IngestService
from archive_service.services.labels import FACET_NAMES_RU, facet_labels, shown_facets
from archive_service.services.waiting import WaitTimeout, wait_until_final
from search import SearchError
from workers.celery_app import configure_celery
from workers.runner import ensure_worker

if TYPE_CHECKING:
    from archive_service.services.nomenclature import NomenclatureService
    from retention.nomenclature import NomenclatureSpec

FAILED_STATUSES = {"rejected", "failed"}


def _emit(obj: dict[str, Any]) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))


def _bold(word: str) -> str:
    """A matched word in a terminal; `click.echo` drops the style when output is piped."""
    return click.style(word, bold=True)


@click.group()
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Папка данных архива (по умолчанию ARCHIVE_DATA_DIR или ./archive-data).",
)
@click.pass_context
def main(ctx: click.Context, data_dir: str | None) -> None:
    """Архив индивидуального учёта результатов обучающихся."""
    settings = load_settings(data_dir)
    # Child processes (the worker) read the same data directory from the environment.
    os.environ["ARCHIVE_DATA_DIR"] = str(settings.data_dir)
    configure_celery(settings)
    ctx.obj = settings


def _audit(archive: Archive, action: str, target: str, detail: str = "") -> None:
    """The CLI acts as the named local administrator (archive_service.services.audit)."""
    from archive_service.services.audit import CLI_ACTOR, AuditService

    AuditService(archive).record(CLI_ACTOR, action, target, detail=detail)


def _open(ctx: click.Context, dispatch: bool = True) -> Archive:
    settings = ctx.obj
    dispatcher = None
    if dispatch:
        from workers.dispatch import CeleryDispatcher

        dispatcher = CeleryDispatcher()
    return Archive.open(settings, dispatcher)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--wait", is_flag=True, help="Дождаться окончания обработки всех файлов.")
@click.option("--json", "as_json", is_flag=True, help="Одна строка JSON на файл.")
@click.option("--timeout", type=float, default=None, help="Сколько ждать с --wait, секунд.")
@click.option(
    "--stack",
    is_flag=True,
    help="Каждый файл — пачка с титульными листами: разделить и подшить части.",
)
@click.pass_context
def ingest(
    ctx: click.Context,
    paths: tuple[str, ...],
    wait: bool,
    as_json: bool,
    timeout: float | None,
    stack: bool,
) -> None:
    """Принять файлы в архив (PDF, TIFF, JPEG, PNG).

    Код выхода 0, если все файлы приняты (или уже были в архиве), 2 — если какой-то
    файл отклонён или не обработан. С --stack каждая часть пачки — отдельная строка.
    """
    archive = _open(ctx)
    service = IngestService(archive)
    outcomes = []
    for given in paths:
        if stack:
            from archive_service.services.stacks import StackService

            report = StackService(archive).ingest_stack(Path(given), given_as=given)
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
                _audit(archive, "create", f"document:{outcome['id']}", str(outcome["file"]))
            if not wait:
                _print_outcome(outcome, as_json)
    if wait:
        queued = [o["id"] for o in outcomes if o["status"] == "queued" and o["id"]]
        if queued:
            unindexed = _wait_for(archive, queued, timeout, progress=not as_json)
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
        for outcome in outcomes:
            _print_outcome(outcome, as_json)
    if any(o["status"] in FAILED_STATUSES for o in outcomes):
        ctx.exit(2)


def _wait_for(
    archive: Archive, ids: list[str], timeout: float | None, progress: bool
) -> dict[str, str]:
    """Wait until these documents are final, with a worker of this command's own if none
    is running (so it works with no server); returns those the search index has not
    taken yet, with the reason. A timeout is said on stderr and ends the wait."""
    worker = ensure_worker(archive.settings)
    try:
        return wait_until_final(
            archive,
            ids,
            timeout=timeout,
            progress=_progress if progress else None,
            alive=worker.alive if worker is not None else None,
        )
    except WaitTimeout as exc:
        click.echo(f"Ожидание прервано: {exc}", err=True)
        return {}
    finally:
        if worker is not None:
            worker.stop()


def _progress(done: int, total: int) -> None:
    click.echo(f"\rОбработано документов: {done} из {total}", err=True, nl=done == total)


def _print_outcome(outcome: dict[str, Any], as_json: bool) -> None:
    if as_json:
        _emit(outcome)
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


@main.command()
@click.argument("document_id")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def show(ctx: click.Context, document_id: str, as_json: bool) -> None:
    """Показать документ: состояние и текст страниц."""
    archive = _open(ctx, dispatch=False)
    try:
        doc = DocumentService(archive).get(document_id)
    except NotFound:
        raise click.ClickException(f"Документ {document_id} не найден") from None
    from archive_service.services.audit import CLI_ACTOR, AuditService

    AuditService(archive).record(CLI_ACTOR, "view", f"document:{document_id}")
    if as_json:
        _emit(doc)
        return
    click.echo(f"{doc['filename']} — {doc['status_label']}, страниц: {doc['page_count']}")
    if doc["error"]:
        click.echo(f"Ошибка: {doc['error']}")
    for page in doc["pages"]:
        conf = "" if page["confidence"] is None else f", уверенность {page['confidence']}%"
        click.echo(f"\n— Лист {page['number']} ({page['source'] or 'не прочитан'}{conf})")
        click.echo(page["text"])


@main.command()
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
    from search.snippets import plain_snippet  # the Snowball stemmer: search only

    archive = _open(ctx, dispatch=False)
    given = {"kind": kind, "case": case_id, "year": year, "class": class_label, "pupil": pupil}
    filters = {name: value for name, value in given.items() if value}
    result = archive.index.search(query, limit=limit, filters=filters)
    _audit(archive, "search", "search", f"«{query}» {filters}: документов {result.total}")
    if as_json:
        _emit(result.as_dict())
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
            click.echo(f"  лист {page.number}: {plain_snippet(page.snippet, _bold)}")
        if not hit.pages:
            click.echo("  найден по названию, имени файла или ФИО обучающихся")


@main.command("list")
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
    service = DocumentService(_open(ctx, dispatch=False))
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


@main.command()
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
    archive = _open(ctx)
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
        _audit(archive, "change", f"document:{doc_id}", "повтор обработки")
    if wait and retried:
        _wait_for(archive, retried, timeout, progress=True)
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


@main.command()
@click.pass_context
def reindex(ctx: click.Context) -> None:
    """Перестроить поисковый индекс из каталога."""
    archive = _open(ctx, dispatch=False)
    try:
        count = IndexingService(archive).rebuild()
    except RebuildRunning as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Проиндексировано документов: {count}")


@main.command()
@click.option("--concurrency", type=int, default=None, help="Число процессов (по умолчанию ядра).")
@click.option("--queues", default="ocr,default", show_default=True)
@click.option("--loglevel", default="INFO", show_default=True)
@click.pass_context
def worker(ctx: click.Context, concurrency: int | None, queues: str, loglevel: str) -> None:
    """Запустить фоновый обработчик (Celery) без сервера очередей."""
    from workers.runner import run_worker

    archive = _open(ctx)
    run_worker(
        archive, concurrency=concurrency or os.cpu_count() or 1, queues=queues, loglevel=loglevel
    )


@main.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--manifest",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Опись CSV (по умолчанию опись.csv или manifest.csv внутри).",
)
@click.option("--json", "as_json", is_flag=True, help="Одна строка JSON на файл.")
@click.pass_context
def import_folder(ctx: click.Context, path: Path, manifest: Path | None, as_json: bool) -> None:
    """Принять папку или ZIP со сканами и описью. Код выхода 2 при любой ошибке."""
    from archive_service.services.bulk_import import BulkImportError, BulkImportService

    archive = _open(ctx)
    try:
        report = BulkImportService(archive).run(path, manifest)
    except BulkImportError as exc:
        raise click.ClickException(str(exc)) from exc
    for outcome in report.outcomes:
        if outcome.id and outcome.status == "queued":
            _audit(archive, "create", f"document:{outcome.id}", outcome.file)
    for problem in report.problems:
        click.echo(f"  {problem}", err=True)
    for outcome in report.outcomes:
        _print_outcome(outcome.as_dict(), as_json)
    if report.problems or any(o.status in FAILED_STATUSES for o in report.outcomes):
        ctx.exit(2)


@main.group()
def users() -> None:
    """Пользователи архива и их роли."""


@users.command("add")
@click.argument("username")
@click.option("--role", required=True, help="administrator, archivist, staff, "
              "retention_officer, director или auditor.")  # fmt: skip
@click.option("--classes", default="", help="Для staff: свои классы через запятую («5А,9Б»).")
@click.pass_context
def users_add(ctx: click.Context, username: str, role: str, classes: str) -> None:
    """Создать пользователя; пароль печатается один раз."""
    import secrets

    from archive_service.accounts import AccountError, AccountService

    password = secrets.token_urlsafe(12)
    archive = _open(ctx, dispatch=False)
    try:
        AccountService(archive).create(
            username, password, role, [c for c in classes.split(",") if c.strip()]
        )
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    _audit(archive, "create", f"user:{username}", role)
    click.echo(f"Создан {username} ({role}). Пароль (показывается один раз): {password}")


@users.command("list")
@click.pass_context
def users_list(ctx: click.Context) -> None:
    """Пользователи, их роли и классы."""
    from archive_service.accounts import AccountService

    for account in AccountService(_open(ctx, dispatch=False)).all():
        scope = f" [{account.classes}]" if account.classes else ""
        click.echo(f"{account.username}: {account.role}{scope}")


@users.command("token")
@click.argument("username")
@click.option("--label", default="сценарий", help="Для чего токен.")
@click.option("--revoke", is_flag=True, help="Отозвать все токены пользователя.")
@click.pass_context
def users_token(ctx: click.Context, username: str, label: str, revoke: bool) -> None:
    """Выдать токен API для сценариев (Authorization: Bearer …) или отозвать все."""
    from archive_service.accounts import AccountError, AccountService

    archive = _open(ctx, dispatch=False)
    service = AccountService(archive)
    try:
        if revoke:
            click.echo(f"Отозвано токенов: {service.revoke_tokens(username)}")
            _audit(archive, "change", f"user:{username}", "токены отозваны")
            return
        token = service.issue_token(username, label)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    _audit(archive, "create", f"user:{username}", f"токен: {label}")
    click.echo(f"Токен {username} (показывается один раз): {token}")


@users.command("reset")
@click.argument("username")
@click.pass_context
def users_reset(ctx: click.Context, username: str) -> None:
    """Выдать новый пароль (и снять блокировку входа)."""
    from archive_service.accounts import AccountError, AccountService

    archive = _open(ctx, dispatch=False)
    try:
        password = AccountService(archive).reset_password(username)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    _audit(archive, "change", f"user:{username}", "новый пароль")
    click.echo(f"Новый пароль {username} (показывается один раз): {password}")


@main.group()
def audit() -> None:
    """Журнал доступа к персональным данным: проверка цепочки и выборки."""


@audit.command("verify")
@click.pass_context
def audit_verify(ctx: click.Context) -> None:
    """Проверить, что в журнале ничего не изменено, не удалено и не вставлено."""
    from archive_service.services.audit import AuditService

    report = AuditService(_open(ctx, dispatch=False)).verify()
    if report.broken_at is None:
        click.echo(f"Журнал цел: записей {report.rows}")
        return
    click.echo(f"Журнал нарушен на записи № {report.broken_at}: {report.reason}", err=True)
    ctx.exit(1)


@audit.command("show")
@click.option("--target", default=None, help="Кто обращался к записи (document:ID, pupil:ID).")
@click.option("--user", default=None, help="К чему обращался пользователь.")
@click.pass_context
def audit_show(ctx: click.Context, target: str | None, user: str | None) -> None:
    """Показать записи журнала по записи архива или по пользователю."""
    from archive_service.services.audit import AuditService

    for e in AuditService(_open(ctx, dispatch=False)).find(target=target, actor=user):
        click.echo(
            f"{e.at:%Y-%m-%d %H:%M:%S} {e.actor} ({e.role}, {e.address}) {e.action} "
            f"{e.target} {e.outcome} {e.detail}".rstrip()
        )


@main.command("cover-sheets")
@click.option("--kind", required=True, help="Статья номенклатуры («04-01»).")
@click.option("--pupil", "pupils", multiple=True, help="Обучающийся (id); по листу на каждого.")
@click.option("--case", "case_id", type=int, default=None, help="Номер дела.")
@click.option("--year", default=None, help="Учебный год.")
@click.option("--class", "class_label", default=None, help="Класс.")
@click.option("--title", default=None, help="Заголовок документа.")
@click.option("--copies", type=click.IntRange(1, 500), default=1, help="Листов без обучающегося.")
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
    output: Path,
) -> None:
    """Напечатать титульные листы для сканирования пачкой (PDF)."""
    from archive_service.services.cover_sheets import CoverSheetService
    from archive_service.services.filing import FilingError

    try:
        pdf = CoverSheetService(_open(ctx, dispatch=False)).render(
            kind, list(pupils), case_id, year, class_label, title, copies
        )
    except FilingError as exc:
        raise click.ClickException(str(exc)) from exc
    output.write_bytes(pdf)
    click.echo(f"Титульные листы: {output}")


@main.command()
@click.pass_context
def inbox(ctx: click.Context) -> None:
    """Документы, которые ждут подшивки в дело, и почему."""
    waiting = DocumentService(_open(ctx, dispatch=False)).unfiled()
    click.echo(f"Ждут подшивки: {len(waiting)}")
    for doc in waiting:
        reason = f" — {doc['reason']}" if doc["reason"] else ""
        click.echo(f"{doc['title']} ({doc['filename']}) [{doc['id']}]{reason}")


@main.group()
def nomenclature() -> None:
    """Номенклатура дел: показать, загрузить (YAML, XLSX), выгрузить."""


@nomenclature.command("show")
@click.option("--year", type=int, default=None, help="Год (по умолчанию — действующая).")
@click.option("--school", default=None, help="Организация (по умолчанию — единственная).")
@click.pass_context
def nomenclature_show(ctx: click.Context, year: int | None, school: str | None) -> None:
    """Показать действующую номенклатуру дел (или номенклатуру на год --year)."""
    from archive_service.services.nomenclature import NomenclatureService, standing

    service = NomenclatureService(_open(ctx, dispatch=False))
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
    from archive_service.services.nomenclature import NomenclatureService
    from retention.nomenclature import NomenclatureError, load_file

    try:
        spec = load_file(path)
    except NomenclatureError as exc:
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        raise click.ClickException(
            f"Номенклатура не загружена: ошибок {len(exc.problems)}"
        ) from exc
    service = NomenclatureService(_open(ctx, dispatch=False))
    year, version = service.import_spec(spec, school, source=path.name)
    _audit(service.archive, "change", f"nomenclature:{year}", f"версия {version}: {path.name}")
    click.echo(f"Загружено статей: {len(spec.items)}; номенклатура на {year} год, версия {version}")


@nomenclature.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--year", type=int, default=None, help="Год (по умолчанию — действующая).")
@click.option("--school", default=None, help="Организация (по умолчанию — единственная).")
@click.pass_context
def nomenclature_export(
    ctx: click.Context, path: Path, year: int | None, school: str | None
) -> None:
    """Выгрузить действующую номенклатуру или номенклатуру на год --year (формат по
    расширению: .yaml или .xlsx)."""
    from archive_service.services.nomenclature import NomenclatureService
    from retention.nomenclature import dump_xlsx, dump_yaml

    service = NomenclatureService(_open(ctx, dispatch=False))
    spec = _nomenclature_of(service, school, year or service.year_in_force(school))
    if path.suffix.lower() == ".xlsx":
        path.write_bytes(dump_xlsx(spec))
    else:
        path.write_text(dump_yaml(spec), encoding="utf-8")
    click.echo(f"Выгружено статей: {len(spec.items)} (номенклатура на {spec.year} год) → {path}")


@main.group()
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
    from archive_service.services.pupils import PupilService
    from intake.class_list import ClassListError, read_class_list

    try:
        rows, problems = read_class_list(path.read_bytes(), school_year)
    except ClassListError as exc:
        raise click.ClickException(f"Список не загружен: {exc}") from exc
    archive = _open(ctx, dispatch=False)
    report = PupilService(archive).import_rows(rows, school)
    _audit(archive, "create", "pupils", f"список класса {path.name}: новых {report.added}")
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
    from archive_service.services.pupils import PupilQueries

    archive = _open(ctx, dispatch=False)
    name = " ".join(words)
    found = PupilQueries(archive).find(None, name, class_label.strip())
    _audit(archive, "search", "pupils", f"«{name}» {class_label}: найдено {len(found.pupils)}")
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


@main.command()
@click.option("--database-url", required=True, help="Каталог назначения (postgresql+psycopg://…).")
@click.option("--storage-url", required=True, help="Хранилище назначения (s3://ХОСТ/КОРЗИНА).")
@click.option("--search-url", required=True, help="Поиск назначения (http://ХОСТ:9200/ПРЕФИКС).")
@click.pass_context
def transfer(ctx: click.Context, database_url: str, storage_url: str, search_url: str) -> None:
    """Перенести весь архив (каталог, файлы, поисковый индекс) на другие серверы."""
    from dataclasses import replace

    from archive_service.archive import NoDispatch
    from archive_service.services.transfer import TransferError, TransferService

    source = _open(ctx, dispatch=False)
    target_settings = replace(
        ctx.obj, database_url=database_url, storage_url=storage_url, search_url=search_url
    )
    target = Archive.open(target_settings, NoDispatch())

    def progress(stage: str, done: int, total: int) -> None:
        names = {"objects": "файлы", "catalog": "каталог", "index": "поисковый индекс"}
        click.echo(f"\r{names[stage]}: {done}/{total}", nl=done == total, err=True)

    try:
        report = TransferService(source, target).run(progress)
    except TransferError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        source.close()
        target.close()
    rows = ", ".join(f"{name}: {n}" for name, n in report.rows.items())
    click.echo(
        f"Перенесено: {report.objects} файлов ({report.bytes / 1e6:.1f} МБ); строки — {rows}; "
        f"в индексе {report.indexed} документов."
    )


@main.command()
@click.option("--loglevel", default="INFO", show_default=True)
@click.pass_context
def beat(ctx: click.Context, loglevel: str) -> None:
    """Запустить планировщик периодических задач (масштабируемый режим, один на архив)."""
    from workers.celery_app import app

    ctx.obj.ensure_dirs()
    app.Beat(loglevel=loglevel).run()


@main.command()
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

    archive = _open(ctx)
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
    _rebuild_an_emptied_index(archive)
    worker_proc = None if no_worker else ensure_worker(archive.settings)
    click.echo(f"Архив открыт: http://{host}:{port}/  (данные: {archive.settings.data_dir})")

    def stop_serving(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)  # unwinds to the finally below, which stops the worker

    signal.signal(signal.SIGTERM, stop_serving)
    try:
        server.run()
    finally:
        server.close()
        if worker_proc is not None:
            worker_proc.stop()


def _rebuild_an_emptied_index(archive: Archive) -> None:
    """After an update that changed how words are stemmed the search index starts empty;
    build it again before the first search, saying why the start takes longer."""
    indexing = IndexingService(archive)
    try:
        archived = indexing.emptied()
    except SearchError as exc:  # the archive opens all the same; search says so itself
        click.echo(f"{exc}. Архив открывается без поиска; он заработает, когда индекс ответит")
        return
    if not archived:
        return
    click.echo(
        f"Поисковый индекс пуст, а в архиве документов: {archived} (индекс сброшен после "
        "обновления программы или удалён). Строю его заново…"
    )
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
