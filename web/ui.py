"""The Russian web UI: upload, document list with live progress, search, document page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from archive_service.access import Permission
from archive_service.domain import DocumentStatus
from archive_service.schools import SchoolInfo, SchoolService
from archive_service.services.admin.labels import FACET_NAMES_RU, facet_labels, shown_facets
from archive_service.services.batch.stack_jobs import StackJobs, StackNotFound
from archive_service.services.pipeline.documents import (
    Damaged,
    DocumentService,
    DocumentSummary,
    ListFilter,
    NotFound,
)
from archive_service.services.pipeline.ingest import IngestService
from archive_service.services.records.nomenclature import NomenclatureService
from intake.class_list import normalize_class, normalize_school_year
from search.port import FACETS, MAX_PAGES_PER_HIT
from search.query import parse_query
from search.snippets import highlight
from web.access import (
    SCHOOL_VIEW,
    ensure_may_open_document,
    intake_school,
    policy,
    requires,
    scoped_filters,
    seen_schools,
)
from web.audit import audit
from web.context import archive
from web.files import send_object, send_page_image
from web.params import LARGEST_OFFSET, clamped
from web.retries import retry_failed_documents
from web.stacks import submit_stacks

UPLOAD_RESULTS = 500  # documents one upload's result page shows
REFUSALS_SAID = 10  # refused files named one by one after an upload
REFUSED = "upload_refused"  # the session's note of them, for the page the upload shows

ui = Blueprint("ui", __name__)

PAGE_SIZE = 50
# The documents list's tabs: a batch's way through processing, and what failed.
STATUS_TABS_RU = {
    DocumentStatus.QUEUED: "В очереди",
    DocumentStatus.PROCESSING: "Обрабатываются",
    DocumentStatus.ARCHIVED: "В архиве",
    DocumentStatus.FAILED: "С ошибкой",
}
# Snippets shown under a search hit before «Ещё листы»: enough to judge the document, and
# a journal matching on all its sheets no longer fills the page with one hit.
SHOWN_PAGES_PER_HIT = 3


@ui.route("/")
@login_required
def index() -> Any:
    if policy().can(Permission.READ_RECORDS):
        return redirect(url_for("ui.documents"))
    if policy().can(Permission.READ_AUDIT):
        return redirect(url_for("audit_log.page"))
    abort(404)


@ui.route("/documents")
@requires(Permission.READ_RECORDS)
def documents() -> Any:
    """Newest first, 50 a page; ?status= keeps one state (the tabs, with their counts)."""
    page = clamped(request.args, "page", 1, 1, LARGEST_OFFSET // 100)
    status = _status_arg()
    service = DocumentService(archive())
    args = request.args
    filed = {"yes": True, "no": False}.get(args.get("filed", ""))
    narrowed = ListFilter(
        kind=args.get("kind") or None,
        class_label=normalize_class(args.get("class", "")) if args.get("class") else None,
        school_year=normalize_school_year(args.get("year", "")) if args.get("year") else None,
        filed=filed,
    )
    total, docs = service.summaries(
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        policy=policy(),
        status=status,
        narrowed=narrowed,
    )
    kept = {k: v for k, v in args.items() if k in ("kind", "class", "year", "filed") and v}
    return render_template(
        "documents.html",
        docs=docs,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        status=status,
        counts=service.status_counts(policy()),
        tab_labels=STATUS_TABS_RU,
        kept=kept,
        kinds=NomenclatureService(archive()).for_filing().items,
        # the administrator's warning: files the fixity check found changed or gone
        damaged=service.damaged_count() if policy().can(Permission.MANAGE_USERS) else 0,
    )


def _status_arg() -> DocumentStatus | None:
    """The ?status= of a list, None when absent; an unknown one is a 404, as a page
    that does not exist."""
    value = request.args.get("status")
    if not value:
        return None
    try:
        return DocumentStatus(value)
    except ValueError:
        abort(404)


@ui.route("/documents/retry-failed", methods=["POST"])
@requires(Permission.WRITE_RECORDS)
def retry_failed() -> Any:
    retried = retry_failed_documents()
    flash(f"Снова поставлено в очередь документов: {len(retried)}", "info")
    return redirect(url_for("ui.documents"))


@ui.route("/school-view", methods=["POST"])
@login_required
def school_view() -> Any:
    """A district role switches to one school (or back to all of them)."""
    if current_user.account.school_id is not None:
        abort(404)
    chosen = (request.form.get("school") or "").strip()
    known = {str(s.id): s.id for s in seen_schools()}
    if not chosen:
        session.pop(SCHOOL_VIEW, None)
    elif chosen in known:
        session[SCHOOL_VIEW] = known[chosen]
    else:
        abort(400, description=f"Организации № {chosen} нет")
    return redirect(url_for("ui.documents"))


@ui.route("/upload", methods=["GET", "POST"])
@requires(Permission.WRITE_RECORDS)
def upload() -> Any:
    """The upload form; a POST takes the files in and redirects (post/redirect/get) to
    this page with their ids, so the result follows the processing live and a reload
    never sends the files again. Refused files are rows of their own there, marked as
    refused with the reason, among those taken in."""
    if request.method == "GET":
        return render_template(
            "upload.html",
            results=_upload_results(),
            refused=session.pop(REFUSED, []),
            schools=_intake_schools(),
        )
    files = request.files.getlist("files")
    if not files or all(not f.filename for f in files):
        flash("Выберите хотя бы один файл", "error")
        return render_template("upload.html", results=None, schools=_intake_schools()), 400
    school = intake_school(request.form)
    if request.form.get("stack"):
        submissions = submit_stacks(files, school)
        if len(submissions) == 1 and submissions[0].id:
            return redirect(url_for("ui.stack", stack_id=submissions[0].id))
        return render_template(
            "upload.html", results=None, stacks=submissions, schools=_intake_schools()
        )
    service = IngestService(archive(), school)
    outcomes = [service.ingest_stream(f.stream, f.filename or "", f.filename or "") for f in files]
    refused = [o for o in outcomes if o.id is None]
    for o in outcomes:
        if o.id and o.status != "duplicate":
            audit("create", f"document:{o.id}", detail=o.file)
    # Kept in the session cookie for the page the redirect shows: a few, then a count.
    session[REFUSED] = [
        {"file": o.file[:200], "error": (o.error or "")[:300]} for o in refused[:REFUSALS_SAID]
    ]
    if len(refused) > REFUSALS_SAID:
        flash(f"И ещё отклонено файлов: {len(refused) - REFUSALS_SAID}", "error")
    taken = [o.id for o in outcomes if o.id and o.status != "duplicate"]
    known = [o.id for o in outcomes if o.id and o.status == "duplicate"]
    return redirect(
        url_for("ui.upload", taken=",".join(taken) or None, known=",".join(known) or None)
    )


def _upload_results() -> list[tuple[str, DocumentSummary]] | None:
    """The documents an upload just took in (`taken`) or found already archived
    (`known`), as this person may see them, each with what happened to it."""
    wanted = {
        kind: [i for i in request.args.get(kind, "").split(",") if i][:UPLOAD_RESULTS]
        for kind in ("taken", "known")
    }
    ids = wanted["taken"] + wanted["known"]
    if not ids:
        return None
    _, docs = DocumentService(archive()).summaries(limit=len(ids), ids=ids, policy=policy())
    by_id = {d.id: d for d in docs}
    return [
        ("queued" if kind == "taken" else "duplicate", by_id[i])
        for kind in ("taken", "known")
        for i in wanted[kind]
        if i in by_id
    ]


def _intake_schools() -> list[SchoolInfo]:
    """The schools a district role may take files in for (none to choose for a school
    role, or while the archive has one school)."""
    schools = [s for s in seen_schools() if s.merged_into is None]  # merged: closed
    return schools if len(schools) > 1 else []


def _search_detail(query: str, filters: dict[str, str], total: int) -> str:
    """What a search showed: snippets of records are a view of them, so it is audited."""
    narrowed = ", ".join(f"{k}={v}" for k, v in sorted(filters.items()))
    return f"«{query}»{' [' + narrowed + ']' if narrowed else ''}: документов {total}"


@ui.route("/stacks")
@requires(Permission.WRITE_RECORDS)
def stacks() -> Any:
    return render_template("stacks.html", stacks=StackJobs(archive()).recent(policy=policy()))


@ui.route("/stacks/<stack_id>")
@requires(Permission.WRITE_RECORDS)
def stack(stack_id: str) -> Any:
    try:
        found = StackJobs(archive()).get(stack_id, policy())
    except StackNotFound:
        abort(404)
    return render_template("stack.html", stack=found)


@ui.route("/stacks/<stack_id>/retry", methods=["POST"])
@requires(Permission.WRITE_RECORDS)
def retry_stack(stack_id: str) -> Any:
    try:
        queued = StackJobs(archive()).retry(stack_id, policy())
    except StackNotFound:
        abort(404)
    if queued:
        flash("Пачка снова поставлена в очередь")
    else:
        flash("Повторить можно только пачку с ошибкой, пока её файл хранится", "error")
    return redirect(url_for("ui.stack", stack_id=stack_id))


@ui.route("/documents/<document_id>")
@requires(Permission.READ_RECORDS)
def document(document_id: str) -> Any:
    ensure_may_open_document(document_id)
    try:
        doc = DocumentService(archive()).get(document_id)
    except NotFound:
        abort(404)
    audit("view", f"document:{document_id}")
    school_id = DocumentService(archive()).access_of(document_id)[2]
    school = SchoolService(archive()).name_of(school_id) if school_id is not None else None
    items = NomenclatureService(archive()).for_filing(school or None).items
    query = (request.args.get("q") or "").strip()
    matched = _highlight(doc["pages"], query) if query else []
    return render_template("document.html", doc=doc, items=items, query=query, matched=matched)


def _highlight(pages: list[dict[str, Any]], query: str) -> list[int]:
    """Mark the query's words in each page's text (`text_html`), as the search result
    that led here did; returns the sheets where they stand."""
    wanted = parse_query(query).all_terms
    matched = []
    for page in pages:
        page["text_html"], found = highlight(page["text"] or "", wanted)
        if found:
            matched.append(page["number"])
    return matched


@ui.route("/documents/<document_id>/retry", methods=["POST"])
@requires(Permission.WRITE_RECORDS)
def retry(document_id: str) -> Any:
    try:
        if DocumentService(archive()).retry(document_id):
            audit("change", f"document:{document_id}", detail="повтор обработки")
            flash("Документ снова поставлен в очередь", "info")
    except NotFound:
        abort(404)
    return redirect(url_for("ui.document", document_id=document_id))


@ui.route("/documents/<document_id>/pages/<int:number>.jpg")
@requires(Permission.READ_RECORDS)
def page_preview(document_id: str, number: int) -> Any:
    ensure_may_open_document(document_id)
    return send_page_image(document_id, number)


@ui.route("/documents/<document_id>/download/<kind>")
@requires(Permission.READ_RECORDS)
def download(document_id: str, kind: str) -> Any:
    ensure_may_open_document(document_id)
    try:
        key, name, media_type = DocumentService(archive()).file_for_download(document_id, kind)
    except Damaged as exc:
        audit("download", f"document:{document_id}", outcome="failed", detail=str(exc))
        abort(409, description=str(exc))
    except NotFound:
        abort(404)
    audit("download", f"document:{document_id}", detail=kind)
    return send_object(key, media_type, download_name=name)


@ui.route("/search")
@requires(Permission.READ_RECORDS)
def search() -> Any:
    query = request.args.get("q", "").strip()
    page = clamped(request.args, "page", 1, 1, LARGEST_OFFSET // 100)
    filters = {name: request.args[name] for name in FACETS if request.args.get(name)}
    result = (
        archive().index.search(
            query,
            limit=20,
            offset=(page - 1) * 20,
            filters=scoped_filters(filters),
        )
        if query
        else None
    )
    if result is not None:
        audit("search", "search", detail=_search_detail(query, filters, result.total))
    visible = shown_facets(result.facets if result else {})
    shown = {name: dict(counts) for name, counts in visible.items()}
    for name, value in filters.items():  # an active filter is listed even with no counts
        shown.setdefault(name, {}).setdefault(value, 0)
    labels = facet_labels(archive(), shown)
    hits = [hit.id for hit in result.hits] if result else []
    return render_template(
        "search.html",
        query=query,
        result=result,
        filings=DocumentService(archive()).filings_of(hits),
        page=page,
        filters=filters,
        labels=labels,
        facets=visible,
        facet_names=FACET_NAMES_RU,
        shown_pages=SHOWN_PAGES_PER_HIT,
        page_cap=MAX_PAGES_PER_HIT,
    )
