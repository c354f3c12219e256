"""The Dispatcher services use to ask for background work, sent through Celery.

It calls the task objects (not send_task by name), so Celery's eager mode runs the very
same task code in-process when a test asks for it.
"""

from __future__ import annotations


class CeleryDispatcher:
    def process_document(self, document_id: str) -> None:
        from workers.tasks import process_document

        process_document.apply_async((document_id,))

    def relay_index(self) -> None:
        from workers.tasks import relay_index

        relay_index.apply_async()

    def split_stack(self, stack_id: str) -> None:
        from workers.tasks import split_stack

        split_stack.apply_async((stack_id,))
