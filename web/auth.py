"""Signing in: a session cookie for people; HTTP Basic or a Bearer token for scripts
calling the API. Accounts, roles, lockout and tokens are `archive_service.accounts`;
this module only carries them over HTTP and audits the sign-in form.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
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
from web.context import archive

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
    account = AccountService(archive()).get(int(user_id))
    return SessionUser(account) if account else None


@login_manager.request_loader
def _basic(req: Any) -> SessionUser | None:
    """Scripts on /api/: «Authorization: Bearer <token>» (archive users token) or Basic."""
    creds = req.authorization
    if creds is None or not req.path.startswith("/api/"):
        return None
    if creds.type == "bearer" and creds.token:
        by_token = AccountService(archive()).by_token(creds.token)
        return SessionUser(by_token) if by_token else None
    if creds.type != "basic":
        return None
    account = AccountService(archive()).authenticate(creds.username or "", creds.password or "")
    if account is None:
        return None
    return SessionUser(account)


@login_manager.unauthorized_handler
def _unauthorized() -> Any:
    if request.path.startswith("/api/"):
        return {"error": "Требуется вход"}, 401, {"WWW-Authenticate": 'Basic realm="archive"'}
    return redirect(url_for("auth.login", next=request.full_path))


def require_api_csrf() -> None:
    """A cookie-authenticated API write must carry the CSRF token (X-CSRFToken).

    A request with HTTP Basic credentials is exempt: a cross-site form or a fetch
    without CORS (which the API never grants) cannot attach an Authorization header.
    """
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.authorization is not None and request.authorization.type in ("basic", "bearer"):
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
        actor = Actor(username[:64], account.role if account else "", request.remote_addr or "")
        if account is not None:
            session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME
            login_user(SessionUser(account))
            AuditService(archive()).record(actor, "login", f"user:{username}")
            target = request.args.get("next", "")
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("ui.index")
            return redirect(target)
        AuditService(archive()).record(actor, "login", f"user:{username}", outcome="denied")
        error = "Неверное имя пользователя или пароль"
        if service.is_locked(username):
            error += f"; после {LOCK_AFTER} ошибок подряд вход закрыт на {LOCK_MINUTES} минут"
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
            else:
                flash("Пароль изменён", "info")
                return redirect(url_for("ui.index"))
    return render_template("password.html", error=error), 400 if error else 200


@auth.route("/logout", methods=["POST"])
def logout() -> Any:
    logout_user()
    return redirect(url_for("auth.login"))


def init_auth(app: Flask) -> None:
    login_manager.init_app(app)
    app.register_blueprint(auth)
    app.jinja_env.globals["current_user"] = current_user
