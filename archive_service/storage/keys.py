"""Where each file of a document lives: everything under the document's own prefix."""

from __future__ import annotations

STACKS_PREFIX = "stacks/"  # stacks waiting for a worker to split them (batch.stack_jobs)


def prefix(document_id: str) -> str:
    return f"documents/{document_id}/"


def original(document_id: str, extension: str) -> str:
    return f"documents/{document_id}/original.{extension}"


def page_preview(document_id: str, number: int) -> str:
    return f"documents/{document_id}/pages/{number:04d}.jpg"


def page_text(document_id: str, number: int) -> str:
    return f"documents/{document_id}/pages/{number:04d}.json"


def page_pdf(document_id: str, number: int) -> str:
    return f"documents/{document_id}/pages/{number:04d}.pdf"


def searchable_pdf(document_id: str) -> str:
    return f"documents/{document_id}/searchable.pdf"


def manifest(document_id: str) -> str:
    return f"documents/{document_id}/manifest.json"


def rendered_pdf(document_id: str) -> str:
    """The PDF printed from an e-journal export: what the pipeline reads and shows."""
    return f"{prefix(document_id)}rendered.pdf"
