"""The Archive of the running app, for views."""

from __future__ import annotations

from flask import current_app

from archive_service.archive import Archive


def archive() -> Archive:
    value: Archive = current_app.extensions["archive"]
    return value
