"""The Celery application, configured from the same settings as everything else.

Embedded mode uses kombu's filesystem transport: messages are files under the data
directory, so a real Celery worker runs with no broker server. Scaled mode passes a
redis:// URL. OCR pages go to their own queue ("ocr"), apart from planning, finishing and
indexing ("default"), so a host can be given to OCR alone.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from archive_service.config import Settings
from workers import file_transport

OCR_QUEUE = "ocr"
DEFAULT_QUEUE = "default"
RELAY_EVERY_SECONDS = 60.0


def broker_options(settings: Settings) -> dict[str, object]:
    if not settings.broker_url.startswith("filesystem://"):
        return {}
    queue = settings.broker_dir / "queue"
    processed = settings.broker_dir / "processed"
    control = settings.broker_dir / "control"
    for folder in (queue, processed, control):
        folder.mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "processed_folder": str(processed),
        "control_folder": str(control),
        "store_processed": False,
        "polling_interval": 0.1,
    }


# The tasks' names: the dispatcher sends by name, so it needs no import of the tasks
# (which would close a circle: tasks → context → dispatch → tasks).
PROCESS_DOCUMENT = "archive.process_document"
PROCESS_PAGES = "archive.process_pages"
FINALIZE_DOCUMENT = "archive.finalize_document"
RELAY_INDEX = "archive.relay_index"
SPLIT_STACK = "archive.split_stack"
PROTECT_ORIGINALS = "archive.protect_originals"
DESTROY_ACT = "archive.destroy_act"
MOVE_SCHOOL = "archive.move_school"
RENEW_LOCKS = "archive.renew_locks"
CHECK_FIXITY = "archive.check_fixity"
MIRROR_CATALOG = "archive.mirror_catalog"
RECOVER_STALLED = "archive.recover_stalled"

app = Celery("archive", include=["workers.tasks", "workers.memory", "workers.warmup"])


def configure_celery(settings: Settings) -> Celery:
    """Point the one Celery app at this archive's broker; call before sending or working.

    Configuration is explicit, not done at import, because the data directory (and so
    the embedded broker's folder) is known only once the CLI has read --data-dir.
    """
    broker_url = settings.broker_url
    if settings.embedded_broker:
        file_transport.register()
        broker_url = f"{file_transport.ALIAS}://"
    app.conf.update(
        broker_url=broker_url,
        broker_transport_options=broker_options(settings),
        broker_connection_retry_on_startup=True,
        task_default_queue=DEFAULT_QUEUE,
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_max_tasks_per_child=500,
        worker_max_memory_per_child=450_000,  # KiB: a child past it is replaced
        task_soft_time_limit=900,
        task_time_limit=960,
        worker_enable_remote_control=not settings.embedded_broker,
        worker_hijack_root_logger=False,
        task_serializer="json",
        accept_content=["json"],
        beat_schedule=beat_schedule(settings),
        beat_schedule_filename=str(settings.run_dir / "beat-schedule"),
    )
    return app


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """Scaled mode: beat retries index writes an outage held back in the outbox, and
    once a day (ARCHIVE_DAILY_SECONDS) renews the originals' object locks, checks a
    thirtieth of the fixity and mirrors what the store missed. (Embedded mode relays on
    every archived document and has no object lock: it needs no beat.)"""
    daily = float(settings.daily_seconds)
    return {
        "relay-index-outbox": {
            "task": RELAY_INDEX,
            "schedule": RELAY_EVERY_SECONDS,
            "options": {"queue": DEFAULT_QUEUE, "expires": RELAY_EVERY_SECONDS},
        },
        "renew-original-locks": {
            "task": RENEW_LOCKS,
            "schedule": daily,
            "options": {"queue": DEFAULT_QUEUE, "expires": daily},
        },
        "check-fixity": {  # one thirtieth of the archive a day: all of it monthly
            "task": CHECK_FIXITY,
            "schedule": daily,
            "options": {"queue": DEFAULT_QUEUE, "expires": daily},
        },
        "recover-stalled": {  # documents whose message a broker restart lost
            "task": RECOVER_STALLED,
            "schedule": min(300.0, max(10.0, settings.stalled_after_seconds / 2)),
            "options": {"queue": DEFAULT_QUEUE, "expires": 60},
        },
        "mirror-catalog": {  # what the store missed while it was away
            "task": MIRROR_CATALOG,
            "schedule": daily,
            "options": {"queue": DEFAULT_QUEUE, "expires": daily},
        },
    }
