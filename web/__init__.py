"""Flask app factory: Russian UI (Jinja2) and the JSON API under /api/v1.

Views are thin: parse the request, call one service, render. The Archive is built once
per process and kept on the app; tests pass their own.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from flask import Flask, render_template
from flask_wtf import CSRFProtect
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from archive_service.archive import Archive
from archive_service.config import load_settings
from archive_service.schools import SchoolService
from archive_service.sessions import SESSION_HOURS
from archive_service.words import counted, span_of_years
from intake.class_list import school_year_on
from web.auth import init_auth
from web.params import BoundedInt

csrf = CSRFProtect()

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _secret_key(archive: Archive) -> str:
    """ARCHIVE_SECRET_KEY when set (shared by every web instance), else a per-archive
    key kept in the data directory, so sessions survive restarts."""
    if archive.settings.secret_key:
        return archive.settings.secret_key
    path = archive.settings.run_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(archive: Archive | None = None, **config: Any) -> Flask:
    if archive is None:
        from workers.celery_app import configure_celery
        from workers.dispatch import CeleryDispatcher

        settings = load_settings()
        configure_celery(settings)
        archive = Archive.open(settings, CeleryDispatcher())
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=_secret_key(archive),
        MAX_CONTENT_LENGTH=4 * archive.settings.limits.max_file_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # The server's session (archive_service.sessions) ends SESSION_HOURS after
        # signing in, however it is used; the cookie is not renewed with every response.
        PERMANENT_SESSION_LIFETIME=SESSION_HOURS * 3600,
        SESSION_REFRESH_EACH_REQUEST=False,
        SESSION_COOKIE_SECURE=archive.settings.behind_tls_proxy,
        JSON_AS_ASCII=False,
    )
    app.config.update(config)
    if archive.settings.behind_tls_proxy:  # the address audited is the client's, not nginx's
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    app.url_map.converters["int"] = BoundedInt  # a path number past 32 bits: 404
    app.extensions["archive"] = archive
    # forms offer the school year under way, which turns over on 1 September
    app.jinja_env.globals["school_year_now"] = lambda: school_year_on(date.today())
    app.jinja_env.filters["dict_without"] = lambda d, key: {k: v for k, v in d.items() if k != key}
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    def school_of_account() -> str:
        """The header's school: whose records this person works with (for a district
        role, the school it switched to, or all of them)."""
        from flask_login import current_user

        from web.access import viewed_school

        school_id = current_user.account.school_id or viewed_school()
        if school_id is None:
            return "все организации"
        return SchoolService(archive).name_of(school_id)

    def district_schools() -> list[object]:
        """The schools a district role may switch between; none for a school role or an
        archive of one school."""
        from web.access import seen_schools

        return _a_choice(seen_schools())

    def page_schools() -> list[object]:
        """The schools a school-wide page (the nomenclature, what is due, holds) may be
        about, when there is a choice: a district role's, or a school's own and those
        merged into it."""
        from web.access import page_schools as schools_of_page

        return _a_choice(schools_of_page())

    app.jinja_env.filters["counted"] = counted
    app.jinja_env.filters["span_of_years"] = span_of_years
    app.jinja_env.globals["school_of_account"] = school_of_account
    app.jinja_env.globals["page_schools"] = page_schools
    app.jinja_env.globals["district_schools"] = district_schools
    csrf.init_app(app)
    init_auth(app)

    from web import (
        accounts,
        acts,
        api_pupils,  # noqa: F401  (its routes join the `api` blueprint)
        api_retention,  # noqa: F401  (its routes join the `api` blueprint)
        audit_log,
        cases,
        filing,
        nomenclature,
        pupils,
        retention,
        school_moves,
        schools,
    )
    from web.api import api
    from web.health import health
    from web.ui import ui

    csrf.exempt(api)  # the API checks CSRF itself for cookie sessions (web.auth)
    app.register_blueprint(ui)
    app.register_blueprint(health)
    for concern in (
        nomenclature,
        pupils,
        filing,
        cases,
        retention,
        acts,
        audit_log,
        schools,
        school_moves,
        accounts,
    ):
        app.register_blueprint(concern.blueprint)
    app.register_blueprint(api, url_prefix="/api/v1")

    from web.errors import init_errors

    init_errors(app)

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(exc: RequestEntityTooLarge) -> Any:
        limit = archive.settings.limits.max_file_bytes
        message = (
            f"Запрос слишком велик: файлы больше {limit // (1024 * 1024) or 1} МБ не принимаются"
        )
        return render_template("error.html", message=message), 413

    @app.after_request
    def _headers(response):  # type: ignore[no-untyped-def]
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app


def _a_choice(schools: list[Any]) -> list[object]:
    """The schools to offer as a choice: none when there is only one."""
    return list(schools) if len(schools) > 1 else []
