"""The archive's parts, wired from settings: catalog, object store, search index, dispatch.

Built once per process (CLI call, web app, worker child). Services receive it instead of
reaching for globals, which keeps them testable and lets scaled adapters slot in by URL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from archive_service.catalog import Catalog
from archive_service.config import Settings
from archive_service.mirror import CatalogMirror
from archive_service.storage import ObjectStore, open_store
from search import SearchIndex, open_index


class Dispatcher(Protocol):
    """How a service asks for background work; Celery in production (workers.dispatch)."""

    def process_document(self, document_id: str) -> None: ...

    def relay_index(self) -> None: ...

    def split_stack(self, stack_id: str) -> None: ...

    def protect_originals(self, case_ids: list[int]) -> None: ...

    def destroy_act(self, act_id: int) -> None: ...

    def move_school(self, move_id: str) -> None: ...


class NoDispatch:
    """For tools that must not start work (migrations, read-only commands)."""

    def process_document(self, document_id: str) -> None:
        pass

    def relay_index(self) -> None:
        pass

    def split_stack(self, stack_id: str) -> None:
        pass

    def protect_originals(self, case_ids: list[int]) -> None:
        pass

    def destroy_act(self, act_id: int) -> None:
        pass

    def move_school(self, move_id: str) -> None:
        pass


@dataclass
class Archive:
    settings: Settings
    catalog: Catalog
    store: ObjectStore
    index: SearchIndex
    dispatcher: Dispatcher = field(default_factory=NoDispatch)

    @classmethod
    def open(cls, settings: Settings, dispatcher: Dispatcher | None = None) -> Archive:
        settings.ensure_dirs()
        catalog = Catalog(settings.database_url)
        catalog.migrate()
        store = open_store(settings.storage_url, settings.object_cache_dir)
        CatalogMirror(store).install(catalog.session_factory)  # storage alone can rebuild it
        return cls(
            settings=settings,
            catalog=catalog,
            store=store,
            index=open_index(settings.search_url),
            dispatcher=dispatcher or NoDispatch(),
        )

    def close(self) -> None:
        self.catalog.dispose()
