"""Reading pages: a PDF's own text layer, or OCR of the page image.

The parser side of the pipeline (like Paperless-ngx's parsers): it knows PDFs, images and
Tesseract, and nothing of the catalog or storage.
"""

from archive_service.reading.result import PageReading, Word

__all__ = ["PageReading", "Word"]
