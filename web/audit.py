"""Recording what a signed-in person did with personal records, from where."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from archive_service.services.admin.audit import Actor, AuditService
from web.context import archive


def current_actor() -> Actor:
    """The signed-in person, from where: also handed to work done later on their behalf."""
    account = current_user.account
    return Actor(account.username, account.role, request.remote_addr or "", account.school_id)


def audit(action: str, target: str, outcome: str = "ok", detail: str = "") -> None:
    AuditService(archive()).record(current_actor(), action, target, outcome, detail)
