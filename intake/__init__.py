"""Taking files in: sniff the type from the bytes, enforce limits, hash while streaming.

Nothing here touches the catalog or the store; `archive_service.services.pipeline.ingest` puts the
checked file in the archive. Every refusal is an `IntakeRejected` with a Russian reason
that is shown to the archivist as it is.
"""

from intake.errors import IntakeRejected
from intake.inspect import InspectedFile, inspect_file
from intake.sniff import sniff_media_type
from intake.spool import SpooledUpload, spool

__all__ = [
    "InspectedFile",
    "IntakeRejected",
    "SpooledUpload",
    "inspect_file",
    "sniff_media_type",
    "spool",
]
