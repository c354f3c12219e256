"""Stacks uploaded through the UI or the API: spooled, checked and queued for a worker."""

from __future__ import annotations

import tempfile
from pathlib import Path

from werkzeug.datastructures import FileStorage

from archive_service.services.batch.stack_jobs import StackJobs, Submission
from intake import IntakeRejected, spool
from web.audit import audit, current_actor
from web.context import archive


def submit_stacks(files: list[FileStorage], school_id: int | None) -> list[Submission]:
    """Each upload is a stack, refused at once if it cannot be one; the worker splits it.
    Each stack queued is audited here; the parts are, as the worker creates them."""
    settings = archive().settings
    jobs = StackJobs(archive())
    submissions: list[Submission] = []
    with tempfile.TemporaryDirectory(dir=settings.tmp_dir) as tmp:
        for f in files:
            name = f.filename or "пачка"
            try:
                upload = spool(f.stream, Path(tmp), settings.limits.max_file_bytes)
            except IntakeRejected as exc:
                submissions.append(Submission(name, error=exc.reason))
                continue
            submission = jobs.submit(upload.path, name, current_actor(), school_id)
            upload.discard()
            if submission.id:
                audit("create", f"stack:{submission.id}", detail=submission.file)
            submissions.append(submission)
    return submissions
