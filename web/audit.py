"""Recording what a signed-in person did with personal records, from where."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from archive_service.services.audit import Actor, AuditService
from web.context import archive


def audit(action: str, target: str, outcome: str = "ok", detail: str = "") -> None:
    account = current_user.account
    actor = Actor(account.username, account.role, request.remote_addr or "")
    AuditService(archive()).record(actor, action, target, outcome, detail)
