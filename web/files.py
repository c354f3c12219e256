"""Sending stored objects to the browser, streamed from the object store.

Everything sent is a pupil's record or part of one: no cache between the archive and
the person may keep a copy (`Cache-Control: private, no-store`), so a shared school
computer's browser or a proxy holds nothing after the page is closed.
"""

from __future__ import annotations

from flask import Response, abort, send_file

from archive_service.services.pipeline.documents import DocumentService, NotFound
from web.audit import audit
from web.context import archive


def send_object(
    key: str, media_type: str, download_name: str | None = None, inline: bool = False
) -> Response:
    stream = archive().store.open(key)
    response = send_file(
        stream,
        mimetype=media_type,
        as_attachment=not inline,
        download_name=download_name,
        max_age=0,
    )
    response.cache_control.public = False
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response


def send_page_image(document_id: str, number: int) -> Response:
    """A sheet's image, for the page and the API alike: 404 for a sheet the document
    does not have (and nothing written), else audited as that sheet seen and sent."""
    try:
        key = DocumentService(archive()).page_preview_key(document_id, number)
    except NotFound:
        abort(404, description="Страница не найдена")
    audit("download", f"document:{document_id}", detail=f"лист {number}")
    return send_object(key, "image/jpeg", inline=True)
