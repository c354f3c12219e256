"""manifest.json: enough to rebuild a document's catalog entry from storage alone.

It lists the document's metadata, every file under its prefix with its SHA-256, its pages
and its events, and is rewritten whenever the document reaches a final state. Its
`record` (archive_service.mirror) holds the document's catalog rows and follows every
later change, such as a filing; the list of files is what this module writes.

The SHA-256 of a file the catalog knows (the original, each page's files, as read back
when they were written) is taken from the catalog; only other files are read back and
hashed here. A 300-page export has 601 files: reading them all again cost ~0.1 s on
disk, and a download of every derivative from MinIO in scaled mode.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.orm import object_session

from archive_service.catalog import Document, DocumentEvent
from archive_service.mirror import MANIFEST_FORMAT, document_record, manifest_written
from archive_service.storage import ObjectStore, keys

CHUNK = 1024 * 1024


def _sha256(store: ObjectStore, key: str) -> str:
    digest = hashlib.sha256()
    with store.open(key) as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def recorded_digests(doc: Document) -> dict[str, str]:
    """The SHA-256 the catalog holds for the document's stored files, by key."""
    known = {doc.storage_key: doc.sha256}
    for page in doc.pages:
        for key, digest in (
            (keys.page_preview(doc.id, page.number), page.preview_sha256),
            (keys.page_text(doc.id, page.number), page.text_sha256),
            (keys.page_pdf(doc.id, page.number), page.pdf_sha256),
        ):
            if digest is not None:
                known[key] = digest
    return known


def build_manifest(
    store: ObjectStore,
    doc: Document,
    events: list[DocumentEvent],
    written: dict[str, str] | None = None,
) -> dict[str, Any]:
    """`written`: files just stored whose SHA-256 the catalog does not hold yet. The
    document must be in a session: its `record` is read from it (archive_service.mirror)."""
    session = object_session(doc)
    assert session is not None, "the manifest reads the document's record from its session"
    manifest_key = keys.manifest(doc.id)
    known = recorded_digests(doc) | (written or {})
    files = {
        key: known.get(key) or _sha256(store, key)
        for key in store.list(keys.prefix(doc.id))
        if key != manifest_key
    }
    return {
        "format": MANIFEST_FORMAT,
        "id": doc.id,
        "filename": doc.filename,
        "title": doc.title,
        "media_type": doc.media_type,
        "size": doc.size,
        "sha256": doc.sha256,
        "original": doc.storage_key,
        "searchable_pdf": doc.searchable_pdf_key,
        "status": doc.status,
        "page_count": doc.page_count,
        "created_at": doc.created_at.isoformat(),
        "archived_at": doc.archived_at.isoformat() if doc.archived_at else None,
        "pages": [
            {
                "number": p.number,
                "source": p.source,
                "confidence": p.confidence,
                "rotation": p.rotation,
                "state": p.state,
            }
            for p in doc.pages
        ],
        "files": files,
        "events": [{"at": e.at.isoformat(), "kind": e.kind, "detail": e.detail} for e in events],
        "record": document_record(session, doc),
    }


def write_manifest(
    store: ObjectStore,
    doc: Document,
    events: list[DocumentEvent],
    written: dict[str, str] | None = None,
) -> None:
    body = json.dumps(build_manifest(store, doc, events, written), ensure_ascii=False, indent=2)
    store.put_bytes(keys.manifest(doc.id), body.encode("utf-8"))
    session = object_session(doc)
    if session is not None:
        manifest_written(session, doc.id)
