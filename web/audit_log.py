"""The audit log in the UI: who saw a record, what a user saw, and its CSV export."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request

from archive_service.access import Permission
from archive_service.catalog.models import AuditEntry
from archive_service.services.admin.audit import AuditService
from archive_service.services.admin.audit_words import (
    action_label,
    outcome_label,
    role_label,
    target_names,
)
from web.access import policy, requires
from web.api import api
from web.audit import audit
from web.context import archive

blueprint = Blueprint("audit_log", __name__)


def audit_query(args: Any) -> tuple[str | None, str | None, list[AuditEntry]]:
    """«Who saw this record» (?target=) and «what did this user see» (?user=), among the
    rows of the schools this person audits (a school's auditor: that school's only)."""
    target = str(args.get("target", "")).strip() or None
    user = str(args.get("user", "")).strip() or None
    schools = policy().schools
    found = AuditService(archive()).find(target=target, actor=user, schools=schools)
    return target, user, found if (target or user) else []


@blueprint.route("/audit")
@requires(Permission.READ_AUDIT)
def page() -> Any:
    """«Who saw this record» (by target) and «what did this user see» (by user)."""
    target, user, rows = audit_query(request.args)
    service = AuditService(archive())
    if request.args.get("format") == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["когда", "кто", "роль", "откуда", "действие", "что", "итог", "подробно"])
        for e in rows:
            cells = [e.at.isoformat(), e.actor, e.role, e.address, e.action, e.target,
                     e.outcome, e.detail]  # fmt: skip
            writer.writerow([inert(cell) for cell in cells])
        audit("export", f"audit:{target or user}")
        return Response(
            out.getvalue().encode("utf-8-sig"),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
        )
    return render_template(
        "audit.html",
        rows=rows,
        target=target or "",
        user=user or "",
        check=service.verify(),
        names=target_names(archive(), {e.target for e in rows}),
        action_label=action_label,
        outcome_label=outcome_label,
        role_label=role_label,
    )


def inert(cell: str) -> str:
    """A cell a spreadsheet shows as text: Excel and LibreOffice run a cell that begins
    with «=», «+», «-», «@» (or a tab or carriage return before one) as a formula, and
    a file named «=HYPERLINK(…)» would then act when the export is opened. A leading
    apostrophe keeps it text (OWASP's advice for CSV injection)."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


@api.route("/audit")
@requires(Permission.READ_AUDIT)
def api_audit() -> Any:
    """The same query as JSON, with whether the hash chain is whole."""
    *_, rows = audit_query(request.args)
    check = AuditService(archive()).verify()
    names = target_names(archive(), {e.target for e in rows})
    return jsonify(
        {
            "entries": [
                {
                    "at": e.at.isoformat(),
                    "actor": e.actor,
                    "role": e.role,
                    "address": e.address,
                    "action": e.action,
                    "action_label": action_label(e.action),
                    "target": e.target,
                    "target_name": names.get(e.target, e.target),
                    "outcome": e.outcome,
                    "detail": e.detail,
                }
                for e in rows
            ],
            "chain": {"rows": check.rows, "broken_at": check.broken_at, "reason": check.reason},
        }
    )
