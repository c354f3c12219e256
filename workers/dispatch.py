"""The Dispatcher services use to ask for background work, sent through Celery.

Tasks are named, not imported: a signature finds the task object when this process has
registered it (a worker, or a test running tasks eagerly, which then runs the very same
task code in-process) and otherwise sends the message by name (the CLI and the web
process, which never load the tasks). Importing `workers.tasks` here would close a
circle, since the tasks open their archive with this dispatcher.
"""

from __future__ import annotations

from workers.celery_app import (
    DESTROY_ACT,
    MOVE_SCHOOL,
    PROCESS_DOCUMENT,
    PROTECT_ORIGINALS,
    RELAY_INDEX,
    SPLIT_STACK,
    app,
)


class CeleryDispatcher:
    def process_document(self, document_id: str) -> None:
        app.signature(PROCESS_DOCUMENT, args=(document_id,)).apply_async()

    def relay_index(self) -> None:
        app.signature(RELAY_INDEX).apply_async()

    def split_stack(self, stack_id: str) -> None:
        app.signature(SPLIT_STACK, args=(stack_id,)).apply_async()

    def protect_originals(self, case_ids: list[int]) -> None:
        app.signature(PROTECT_ORIGINALS, args=(sorted(set(case_ids)),)).apply_async()

    def destroy_act(self, act_id: int) -> None:
        app.signature(DESTROY_ACT, args=(act_id,)).apply_async()

    def move_school(self, move_id: str) -> None:
        app.signature(MOVE_SCHOOL, args=(move_id,)).apply_async()
