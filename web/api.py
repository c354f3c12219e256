"""JSON API under /api/v1; web/openapi.yaml describes every route here."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import yaml
from flask import Blueprint, abort, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from archive_service.access import Permission
from archive_service.domain import DocumentStatus
from archive_service.services.admin.labels import shown_facets
from archive_service.services.batch.stack_jobs import StackJobs, StackNotFound
from archive_service.services.pipeline.documents import Damaged, DocumentService, NotFound
from archive_service.services.pipeline.ingest import IngestService
from search.port import FACETS
from web.access import (
    ensure_may_open_document,
    intake_school,
    policy,
    requires,
    scoped_filters,
)
from web.audit import audit
from web.auth import require_api_csrf
from web.context import archive
from web.errors import words_of
from web.files import send_object, send_page_image
from web.params import LARGEST_OFFSET, clamped
from web.retries import retry_failed_documents
from web.stacks import submit_stacks

api = Blueprint("api", __name__)
api.before_request(require_api_csrf)


@api.errorhandler(RequestEntityTooLarge)
def _too_large(exc: RequestEntityTooLarge) -> Any:
    limit = archive().settings.limits.max_file_bytes
    return {"error": f"Запрос слишком велик: файлы больше {limit // (1024 * 1024) or 1} МБ "
                     "не принимаются"}, 413  # fmt: skip


@api.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Any:
    return jsonify({"error": words_of(exc)}), exc.code


@api.route("/openapi.json")
def openapi() -> Any:
    text = files("web").joinpath("openapi.yaml").read_text(encoding="utf-8")
    return jsonify(yaml.safe_load(text))


@api.route("/documents", methods=["GET"])
@requires(Permission.READ_RECORDS)
def list_documents() -> Any:
    limit = clamped(request.args, "limit", 50, 1, 500)
    offset = clamped(request.args, "offset", 0, 0, LARGEST_OFFSET)
    ids = request.args.get("ids")
    status = request.args.get("status") or None
    known = [s.value for s in DocumentStatus]
    if status is not None and status not in known:
        abort(400, description=f"Неизвестное состояние «{status}»; есть: {', '.join(known)}")
    service = DocumentService(archive())
    total, docs = service.summaries(
        limit=limit,
        offset=offset,
        ids=ids.split(",") if ids else None,
        policy=policy(),
        status=DocumentStatus(status) if status else None,
    )
    counts = {str(k): n for k, n in service.status_counts(policy()).items()}
    return jsonify({"total": total, "counts": counts, "documents": [d.as_dict() for d in docs]})


@api.route("/documents/retry-failed", methods=["POST"])
@requires(Permission.WRITE_RECORDS)
def retry_failed() -> Any:
    return jsonify({"retried": retry_failed_documents()}), 202


@api.route("/documents", methods=["POST"])
@requires(Permission.WRITE_RECORDS)
def upload() -> Any:
    uploads = request.files.getlist("files")
    if not uploads:
        abort(400, description="Нет файлов: передайте их в поле files (multipart/form-data)")
    service = IngestService(archive(), intake_school(request.form))
    results = [
        service.ingest_stream(f.stream, f.filename or "", f.filename or "").as_dict()
        for f in uploads
    ]
    for r in results:
        if r["id"] and r["status"] != "duplicate":
            audit("create", f"document:{r['id']}", detail=str(r["file"]))
    return jsonify({"results": results}), 201


@api.route("/stacks", methods=["GET", "POST"])
@requires(Permission.WRITE_RECORDS)
def upload_stacks() -> Any:
    """GET: the latest stacks of one's schools, newest first (as the page «Пачки»).
    POST: stacks to split (multipart `files`)."""
    if request.method == "GET":
        return jsonify({"stacks": StackJobs(archive()).recent(policy=policy())})
    uploads = request.files.getlist("files")
    if not uploads:
        abort(400, description="Нет файлов: передайте их в поле files (multipart/form-data)")
    school = intake_school(request.form)
    return jsonify({"results": [s.as_dict() for s in submit_stacks(uploads, school)]}), 202


def _stack_or_404(stack_id: str) -> dict[str, Any]:
    try:
        return StackJobs(archive()).get(stack_id, policy())
    except StackNotFound:
        abort(404, description="Пачка не найдена")


@api.route("/stacks/<stack_id>")
@requires(Permission.WRITE_RECORDS)
def get_stack(stack_id: str) -> Any:
    return jsonify(_stack_or_404(stack_id))


@api.route("/stacks/<stack_id>/retry", methods=["POST"])
@requires(Permission.WRITE_RECORDS)
def retry_stack(stack_id: str) -> Any:
    try:
        queued = StackJobs(archive()).retry(stack_id, policy())
    except StackNotFound:
        abort(404, description="Пачка не найдена")
    if not queued:
        abort(409, description="Повторить можно только пачку с ошибкой, пока её файл хранится")
    return jsonify(_stack_or_404(stack_id)), 202


def _document_or_404(document_id: str) -> dict[str, Any]:
    try:
        return DocumentService(archive()).get(document_id)
    except NotFound:
        abort(404, description="Документ не найден")


@api.route("/documents/<document_id>")
@requires(Permission.READ_RECORDS)
def get_document(document_id: str) -> Any:
    ensure_may_open_document(document_id)
    doc = _document_or_404(document_id)
    audit("view", f"document:{document_id}")
    return jsonify(doc)


@api.route("/documents/<document_id>/retry", methods=["POST"])
@requires(Permission.WRITE_RECORDS)
def retry(document_id: str) -> Any:
    try:
        ok = DocumentService(archive()).retry(document_id)
    except NotFound:
        abort(404, description="Документ не найден")
    if not ok:
        abort(409, description="Повторить можно только документ в состоянии «ошибка»")
    audit("change", f"document:{document_id}", detail="повтор обработки")
    return jsonify(_document_or_404(document_id)), 202


@api.route("/documents/<document_id>/original")
@requires(Permission.READ_RECORDS)
def original(document_id: str) -> Any:
    ensure_may_open_document(document_id)
    return _download(document_id, "original")


@api.route("/documents/<document_id>/searchable.pdf")
@requires(Permission.READ_RECORDS)
def searchable(document_id: str) -> Any:
    ensure_may_open_document(document_id)
    return _download(document_id, "searchable")


def _download(document_id: str, kind: str) -> Any:
    try:
        key, name, media_type = DocumentService(archive()).file_for_download(document_id, kind)
    except Damaged as exc:
        audit("download", f"document:{document_id}", outcome="failed", detail=str(exc))
        abort(409, description=str(exc))
    except NotFound:
        abort(404, description="Файл не найден")
    audit("download", f"document:{document_id}", detail=kind)
    return send_object(key, media_type, download_name=name)


@api.route("/documents/<document_id>/pages/<int:number>/preview.jpg")
@requires(Permission.READ_RECORDS)
def page_preview(document_id: str, number: int) -> Any:
    ensure_may_open_document(document_id)
    return send_page_image(document_id, number)


@api.route("/search")
@requires(Permission.READ_RECORDS)
def search() -> Any:
    query = request.args.get("q", "").strip()
    limit = clamped(request.args, "limit", 20, 1, 100)
    offset = clamped(request.args, "offset", 0, 0, LARGEST_OFFSET)
    asked = {name: request.args[name] for name in FACETS if request.args.get(name)}
    result = archive().index.search(
        query, limit=limit, offset=offset, filters=scoped_filters(asked)
    )
    body = result.as_dict()
    body["facets"] = shown_facets(result.facets)
    audit("search", "search", detail=f"«{query}» {asked}: документов {result.total}")
    return jsonify(body)
