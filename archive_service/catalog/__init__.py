"""The catalog: the system of record for metadata, workflow and users (SQLAlchemy 2)."""

from archive_service.catalog.db import Catalog
from archive_service.catalog.models import (
    Document,
    DocumentEvent,
    MetadataProposal,
    Nomenclature,
    NomenclatureItem,
    OutboxEntry,
    Page,
    Pupil,
    PupilClass,
    School,
    User,
)

__all__ = [
    "Catalog",
    "Document",
    "DocumentEvent",
    "MetadataProposal",
    "Nomenclature",
    "NomenclatureItem",
    "OutboxEntry",
    "Page",
    "Pupil",
    "PupilClass",
    "School",
    "User",
]
