"""/healthz: is this web instance able to serve? For load balancers and compose checks.

No login: it tells nothing but "ok" or which backend is down, never any record.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from web.context import archive

health = Blueprint("health", __name__)


@health.route("/healthz")
def healthz() -> ResponseReturnValue:
    try:
        with archive().catalog.session() as s:
            s.execute(text("SELECT 1"))
    except Exception:
        return jsonify(status="unavailable", failing="catalog"), 503
    return jsonify(status="ok")
