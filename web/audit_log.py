"""The audit log in the UI: who saw a record, what a user saw, and its CSV export."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, render_template, request

from archive_service.access import Permission
from archive_service.services.admin.audit import AuditService
from web.access import policy, requires
from web.audit import audit
from web.context import archive

blueprint = Blueprint("audit_log", __name__)


@blueprint.route("/audit")
@requires(Permission.READ_AUDIT)
def page() -> Any:
    """«Who saw this record» (by target) and «what did this user see» (by user)."""
    target = request.args.get("target", "").strip() or None
    user = request.args.get("user", "").strip() or None
    service = AuditService(archive())
    schools = policy().schools  # a school's auditor: that school's rows only
    rows = service.find(target=target, actor=user, schools=schools) if (target or user) else []
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
        "audit.html", rows=rows, target=target or "", user=user or "", check=service.verify()
    )


def inert(cell: str) -> str:
    """A cell a spreadsheet shows as text: Excel and LibreOffice run a cell that begins
    with «=», «+», «-», «@» (or a tab or carriage return before one) as a formula, and
    a file named «=HYPERLINK(…)» would then act when the export is opened. A leading
    apostrophe keeps it text (OWASP's advice for CSV injection)."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
