"""«Повторить обработку всех с ошибкой», from the UI or the API: one place that scopes the
retry to what the caller may see and audits each document queued again."""

from __future__ import annotations

from archive_service.services.pipeline.documents import DocumentService
from web.access import policy
from web.audit import audit
from web.context import archive


def retry_failed_documents() -> list[str]:
    """Queue again every failed document the caller may see; returns their ids."""
    retried = DocumentService(archive()).retry_failed(policy())
    for document_id in retried:
        audit("change", f"document:{document_id}", detail="повтор обработки")
    return retried
