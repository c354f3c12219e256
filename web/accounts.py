"""The administrator's accounts: the page «Учётные записи» and /api/v1/users. Add a
person (the password is generated and shown once), change a role, classes or school,
reset a password, lock and unlock, revoke API tokens. One function per action under
both, behind the one permission (users.manage); AccountService keeps the rules."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for

from archive_service.access import ROLE_LABELS_RU, Permission, Role
from archive_service.accounts import AccountError, AccountRow, AccountService
from archive_service.schools import SchoolService
from web.access import requires
from web.api import api
from web.audit import audit, current_actor
from web.context import archive

blueprint = Blueprint("accounts", __name__)


def _classes(values: Any) -> list[str]:
    raw = values.get("classes") or ""
    items = raw if isinstance(raw, list) else str(raw).split(",")
    return [str(c).strip() for c in items if str(c).strip()]


def _school(values: Any) -> str | None:
    return str(values.get("school") or "").strip() or None


def _known(username: str) -> AccountRow:
    """The account as the administrator sees it; 404 in words if there is none."""
    row = AccountService(archive()).row(username)
    if row is None:
        abort(404, description=f"Пользователя «{username}» нет")
    return row


def add_account(values: Any) -> tuple[str, str]:
    """A new account with a generated password; the password, to be shown once."""
    username = str(values.get("username") or "").strip()
    role = str(values.get("role") or "")
    password = secrets.token_urlsafe(12)
    AccountService(archive()).create(username, password, role, _classes(values), _school(values))
    audit("create", f"user:{username}", detail=role)
    return username, password


def change_account(username: str, values: Any) -> None:
    """What `values` names changes; what it leaves out stays (PATCH)."""
    now = _known(username)
    role = str(values.get("role") or now.role)
    classes = _classes(values) if "classes" in values else [c for c in now.classes.split(",") if c]
    AccountService(archive()).update(
        username, role, classes, _school(values), by=current_actor().username
    )
    audit("change", f"user:{username}", detail=f"роль {role}, классы {','.join(classes)}")


def reset_account(username: str) -> str:
    _known(username)
    password = AccountService(archive()).reset_password(username)
    audit("change", f"user:{username}", detail="новый пароль")
    return password


def lock_account(username: str, locked: bool) -> None:
    _known(username)
    AccountService(archive()).set_locked(username, locked, by=current_actor().username)
    audit("change", f"user:{username}", detail="заблокирован" if locked else "разблокирован")


def revoke_account_tokens(username: str) -> int:
    _known(username)
    revoked = AccountService(archive()).revoke_tokens(username)
    audit("change", f"user:{username}", detail="токены отозваны")
    return revoked


def _as_dict(row: AccountRow, schools: dict[int, str]) -> dict[str, Any]:
    return {
        "username": row.username,
        "role": row.role,
        "role_label": ROLE_LABELS_RU.get(Role(row.role), row.role),
        "classes": [c for c in row.classes.split(",") if c],
        "school": schools.get(row.school_id) if row.school_id is not None else None,
        "granted": [schools[g] for g in row.granted if g in schools],
        "locked": row.locked or None,
        "tokens": row.tokens,
    }


def _schools() -> dict[int, str]:
    return {s.id: s.name for s in SchoolService(archive()).all()}


def _listing() -> list[dict[str, Any]]:
    schools = _schools()
    return [_as_dict(row, schools) for row in AccountService(archive()).overview()]


def _one(username: str) -> dict[str, Any]:
    """One account as the API lists it, read after an action changed it."""
    return _as_dict(_known(username), _schools())


# --- the page ---------------------------------------------------------------------


@blueprint.route("/accounts", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def page() -> Any:
    if request.method == "POST":
        try:
            username, password = add_account(request.form)
        except AccountError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Создан «{username}». Пароль (показывается один раз): {password}", "info")
        return redirect(url_for("accounts.page"))
    return render_template(
        "accounts.html",
        accounts=_listing(),
        roles=[(r.value, ROLE_LABELS_RU[r]) for r in Role],
        schools=SchoolService(archive()).all(),
    )


@blueprint.route("/accounts/<username>", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def act(username: str) -> Any:
    """One form per row; its button says which action: change, reset, lock, unlock,
    revoke."""
    action = request.form.get("action", "")
    try:
        if action == "change":
            change_account(username, request.form)
            flash(f"Учётная запись «{username}» изменена; её входы завершены", "info")
        elif action == "reset":
            password = reset_account(username)
            flash(f"Новый пароль «{username}» (показывается один раз): {password}", "info")
        elif action in ("lock", "unlock"):
            lock_account(username, action == "lock")
            done = "заблокирована" if action == "lock" else "разблокирована"
            flash(f"Учётная запись «{username}» {done}", "info")
        elif action == "revoke":
            flash(f"Отозвано токенов «{username}»: {revoke_account_tokens(username)}", "info")
        else:
            abort(400, description="Неизвестное действие")
    except AccountError as exc:
        flash(str(exc), "error")
    return redirect(url_for("accounts.page"))


# --- /api/v1 ----------------------------------------------------------------------


def _json() -> dict[str, Any]:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else dict(request.form)


@api.route("/users", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def api_users() -> Any:
    if request.method == "POST":
        try:
            username, password = add_account(_json())
        except AccountError as exc:
            abort(400, description=str(exc))
        return jsonify({"username": username, "password": password}), 201
    return jsonify({"users": _listing()})


@api.route("/users/<username>", methods=["PATCH"])
@requires(Permission.MANAGE_USERS)
def api_user(username: str) -> Any:
    try:
        change_account(username, _json())
    except AccountError as exc:
        abort(400, description=str(exc))
    return jsonify(_one(username))


@api.route("/users/<username>/password-reset", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def api_reset(username: str) -> Any:
    return jsonify({"username": username, "password": reset_account(username)})


@api.route("/users/<username>/lock", methods=["POST", "DELETE"])
@requires(Permission.MANAGE_USERS)
def api_lock(username: str) -> Any:
    try:
        lock_account(username, request.method == "POST")
    except AccountError as exc:
        abort(400, description=str(exc))
    return jsonify(_one(username))


@api.route("/users/<username>/tokens", methods=["DELETE"])
@requires(Permission.MANAGE_USERS)
def api_revoke(username: str) -> Any:
    return jsonify({"username": username, "revoked": revoke_account_tokens(username)})
