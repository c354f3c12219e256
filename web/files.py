"""Sending stored objects to the browser, streamed from the object store."""

from __future__ import annotations

from flask import Response, send_file

from web.context import archive


def send_object(
    key: str, media_type: str, download_name: str | None = None, inline: bool = False
) -> Response:
    stream = archive().store.open(key)
    return send_file(
        stream,
        mimetype=media_type,
        as_attachment=not inline,
        download_name=download_name,
        max_age=0 if not inline else 3600,
    )
