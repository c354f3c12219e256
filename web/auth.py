"""Signing in: a session cookie for people; HTTP Basic or a Bearer token for scripts
calling the API. Accounts, roles, lockout and tokens are `archive_service.accounts`;
this module only carries them over HTTP and audits the sign-in form.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from archive_service.accounts import (
    LOCK_AFTER,
    LOCK_MINUTES,
    Account,
    AccountError,
    AccountService,
)
from archive_service.services.admin.audit import Actor, AuditService
from archive_service.sessions import SessionService
from web.context import archive

SESSION_KEY = "sid"  # the server-side session's token in Flask's signed cookie

auth = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Войдите, чтобы открыть архив."


class SessionUser(UserMixin):  # type: ignore[misc]
    def __init__(self, account: Account) -> None:
        self.account = account
        self.id = str(account.id)


@login_manager.user_loader
def _load(user_id: str) -> SessionUser | None:
    """The cookie's user, only while its server-side session lives. An API request that
    brings its own credentials is judged by them alone (`_basic`), not by a cookie the
    browser happens to send with it."""
    if request.path.startswith("/api/") and request.authorization is not None:
        return None
    owner = SessionService(archive()).user_of(session.get(SESSION_KEY))
    if owner is None or str(owner) != user_id:
        return None
    account = AccountService(archive()).get(owner)
    return SessionUser(account) if account else None


@login_manager.request_loader
def _basic(req: Any) -> SessionUser | None:
    """Scripts on /api/: «Authorization: Bearer <token>» (archive users token) or Basic."""
    creds = req.authorization
    if creds is None or not req.path.startswith("/api/"):
        return None
    if creds.type == "bearer" and creds.token:
        by_token = AccountService(archive()).by_token(creds.token)
        if by_token is None:
            return None
        g.signed_in_by_header = True
        return SessionUser(by_token)
    if creds.type != "basic":
        return None
    username = (creds.username or "")[:64]
    account = AccountService(archive()).authenticate(username, creds.password or "")
    actor = Actor(
        username,
        account.role if account else "",
        req.remote_addr or "",
        account.school_id if account else None,
    )
    outcome = "ok" if account is not None else "denied"
    AuditService(archive()).record(actor, "login", f"user:{username}", outcome, detail="HTTP Basic")
    if account is None:
        return None
    g.signed_in_by_header = True
    return SessionUser(account)


@login_manager.unauthorized_handler
def _unauthorized() -> Any:
    if request.path.startswith("/api/"):
        return {"error": "Требуется вход"}, 401, {"WWW-Authenticate": 'Basic realm="archive"'}
    return redirect(url_for("auth.login", next=request.full_path))


def require_api_csrf() -> None:
    """A cookie-authenticated API write must carry the CSRF token (X-CSRFToken).

    A request signed in by its own Authorization header (HTTP Basic or a token) is
    exempt: a cross-site form or a fetch without CORS (which the API never grants)
    cannot attach one. A header that did not sign the request in (a wrong password, any
    junk) exempts nothing, and the cookie does not speak for it either (`_load`).
    """
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    _ = current_user.is_authenticated  # loads the user, and so runs the header's sign-in
    if g.get("signed_in_by_header"):
        return
    try:
        validate_csrf(request.headers.get("X-CSRFToken", ""))
    except ValidationError:
        abort(400, description="Нет или неверный CSRF-токен")


@auth.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    if request.method == "POST":
        username = request.form.get("username", "")
        service = AccountService(archive())
        account = service.authenticate(username, request.form.get("password", ""))
        actor = Actor(
            username[:64],
            account.role if account else "",
            request.remote_addr or "",
            account.school_id if account else None,
        )
        if account is not None:
            _start_session(account)
            AuditService(archive()).record(actor, "login", f"user:{username}")
            return redirect(safe_next(request.args.get("next", "")))
        AuditService(archive()).record(actor, "login", f"user:{username}", outcome="denied")
        # The same words for a wrong name, a wrong password and a locked account: what
        # the page says must not tell which names exist.
        error = (
            "Неверное имя пользователя или пароль. После "
            f"{LOCK_AFTER} ошибок подряд вход закрывается на {LOCK_MINUTES} минут"
        )
    return render_template("login.html", error=error), 401 if error else 200


@auth.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    error = None
    if request.method == "POST":
        new = request.form.get("new", "")
        if new != request.form.get("again", ""):
            error = "Новые пароли не совпадают"
        else:
            try:
                AccountService(archive()).change_password(
                    current_user.account.id, request.form.get("old", ""), new
                )
            except AccountError as exc:
                error = str(exc)
            else:  # every session of the account ended; this browser gets a new one
                _start_session(current_user.account)
                flash("Пароль изменён; на других устройствах нужно войти заново", "info")
                return redirect(url_for("ui.index"))
    return render_template("password.html", error=error), 400 if error else 200


@auth.route("/logout", methods=["POST"])
def logout() -> Any:
    SessionService(archive()).close(session.get(SESSION_KEY))
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


def _start_session(account: Account) -> None:
    """A new server-side session for this browser, replacing whatever it held."""
    session.clear()
    session.permanent = True  # the cookie lasts as long as the server's session
    session[SESSION_KEY] = SessionService(archive()).open(account.id)
    login_user(SessionUser(account))


def safe_next(target: str) -> str:
    r"""Where to go after signing in: a path of this archive, or its start page.

    Browsers drop tabs and newlines inside a URL and read «\» as «/», so «/\t/evil»
    and «/\evil» lead off-site as «//evil» does: any such character, a scheme or a
    host refuses the target."""
    if any(ord(c) < 0x20 or c in "\\\x7f" for c in target):
        return url_for("ui.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("ui.index")
    return target


def init_auth(app: Flask) -> None:
    login_manager.init_app(app)
    app.register_blueprint(auth)
    app.jinja_env.globals["current_user"] = current_user
