"""The catalog: the system of record for metadata, workflow and users (SQLAlchemy 2)."""

from archive_service.catalog.db import TRANSIENT_ERRORS, Catalog, CatalogBusy
from archive_service.catalog.models import (
    Case,
    Document,
    DocumentEvent,
    DocumentPupil,
    Hold,
    MetadataProposal,
    Nomenclature,
    NomenclatureItem,
    OutboxEntry,
    Page,
    Pupil,
    PupilClass,
    PupilEvent,
    School,
    Stack,
    User,
)

__all__ = [
    "TRANSIENT_ERRORS",
    "Case",
    "Catalog",
    "CatalogBusy",
    "Document",
    "DocumentEvent",
    "DocumentPupil",
    "Hold",
    "MetadataProposal",
    "Nomenclature",
    "NomenclatureItem",
    "OutboxEntry",
    "Page",
    "Pupil",
    "PupilClass",
    "PupilEvent",
    "School",
    "Stack",
    "User",
]
