"""The Dispatcher services use to ask for background work, sent through Celery."""

from __future__ import annotations

from celery import Celery

from workers.celery_app import DEFAULT_QUEUE


class CeleryDispatcher:
    def __init__(self, app: Celery | None = None) -> None:
        if app is None:
            from workers.celery_app import app as default_app

            app = default_app
        self.app = app

    def process_document(self, document_id: str) -> None:
        self.app.send_task("archive.process_document", (document_id,), queue=DEFAULT_QUEUE)

    def relay_index(self) -> None:
        self.app.send_task("archive.relay_index", queue=DEFAULT_QUEUE)
