"""Settings, read once from the environment.

Every backend is chosen by URL so that one code base runs embedded (SQLite, files on disk,
FTS5, a broker that needs no server) or scaled (PostgreSQL, MinIO, Elasticsearch, Redis)
without a code change. Defaults all live under one data directory, so an embedded archive
is one folder to back up.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = "./archive-data"


@dataclass(frozen=True)
class Limits:
    """What intake accepts; generous for school scans, small enough to stop abuse."""

    max_file_bytes: int = 512 * 1024 * 1024
    max_pages: int = 2000
    max_image_pixels: int = 120_000_000
    max_filename_length: int = 255


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    storage_url: str
    search_url: str
    broker_url: str
    limits: Limits
    ocr_languages: str = "rus+eng"
    ocr_dpi: int = 300
    # How long a stored original is protected by the object store's lock (S3 GOVERNANCE
    # retention). A stand-in until retention comes from the nomenclature of cases.
    original_retention_days: int = 365
    # Signs web sessions. Several web instances (scaled mode) must share one; embedded
    # mode keeps a generated key in the data directory when this is unset.
    secret_key: str | None = None
    # The web server sits behind a reverse proxy that ends TLS (nginx, a load balancer):
    # cookies are marked Secure, and the client's address and scheme are read from the
    # proxy's X-Forwarded-For / X-Forwarded-Proto (one proxy hop trusted).
    behind_tls_proxy: bool = False
    # A hot folder `archive serve` watches (a network scanner's share), and the school
    # whose records its files are (None: the archive's own).
    hot_folder: Path | None = None
    hot_folder_school: str | None = None
    # A document queued or in processing that nothing has touched for this long, while
    # the broker's queues are empty, lost its message (a Redis restarted mid-task keeps
    # a task in hand as unacknowledged for an hour): the beat queues it again. Longer
    # than any task may run (workers.celery_app: task_time_limit, 16 min).
    stalled_after_seconds: int = 1200
    # How often the beat runs its daily work: renewing the originals' locks, a thirtieth
    # of the fixity check, mirroring what the store missed. A day; shorter for a trial.
    daily_seconds: int = 24 * 3600

    @property
    def embedded_broker(self) -> bool:
        """The file broker (`workers.file_transport`): no server, and no worker unless a
        command starts one (`workers.spawn`)."""
        return self.broker_url.startswith("filesystem://")

    @property
    def broker_dir(self) -> Path:
        return self.data_dir / "broker"

    @property
    def run_dir(self) -> Path:
        return self.data_dir / "run"

    @property
    def tmp_dir(self) -> Path:
        return self.data_dir / "tmp"

    @property
    def object_cache_dir(self) -> Path:
        """Local copies of remote originals (scaled mode); safe to delete at any time."""
        return self.data_dir / "cache" / "objects"

    def ensure_dirs(self) -> None:
        for d in (self.data_dir, self.broker_dir, self.run_dir, self.tmp_dir):
            d.mkdir(parents=True, exist_ok=True)


def load_settings(data_dir: str | os.PathLike[str] | None = None) -> Settings:
    """Build settings from the environment; an explicit data_dir beats ARCHIVE_DATA_DIR."""
    env = os.environ
    root = Path(data_dir or env.get("ARCHIVE_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
    limits = Limits(
        max_file_bytes=int(env.get("ARCHIVE_MAX_FILE_BYTES", Limits.max_file_bytes)),
        max_pages=int(env.get("ARCHIVE_MAX_PAGES", Limits.max_pages)),
        max_image_pixels=int(env.get("ARCHIVE_MAX_IMAGE_PIXELS", Limits.max_image_pixels)),
    )
    return Settings(
        data_dir=root,
        database_url=env.get("ARCHIVE_DATABASE_URL") or f"sqlite:///{root / 'catalog.sqlite3'}",
        storage_url=env.get("ARCHIVE_STORAGE_URL") or f"file://{root / 'objects'}",
        search_url=env.get("ARCHIVE_SEARCH_URL") or f"sqlite:///{root / 'search.sqlite3'}",
        broker_url=env.get("ARCHIVE_BROKER_URL") or "filesystem://",
        limits=limits,
        ocr_languages=env.get("ARCHIVE_OCR_LANGUAGES", "rus+eng"),
        ocr_dpi=int(env.get("ARCHIVE_OCR_DPI", "300")),
        original_retention_days=int(env.get("ARCHIVE_ORIGINAL_RETENTION_DAYS", "365")),
        secret_key=env.get("ARCHIVE_SECRET_KEY") or None,
        behind_tls_proxy=env.get("ARCHIVE_BEHIND_TLS_PROXY", "").lower() in ("1", "true", "yes"),
        hot_folder=Path(env["ARCHIVE_HOT_FOLDER"]) if env.get("ARCHIVE_HOT_FOLDER") else None,
        hot_folder_school=env.get("ARCHIVE_HOT_FOLDER_SCHOOL") or None,
        stalled_after_seconds=int(env.get("ARCHIVE_STALLED_AFTER_SECONDS", "1200")),
        daily_seconds=int(env.get("ARCHIVE_DAILY_SECONDS", str(24 * 3600))),
    )
