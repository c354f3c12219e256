"""What reading one page yields, whatever the source."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass(slots=True)
class Word:
    """One word's text and box. Not frozen: a frozen dataclass sets each field through
    `object.__setattr__`, four times the cost, and a journal page has ~500 words."""

    text: str
    left: float
    top: float
    width: float
    height: float
    confidence: float  # 0–100; 100 for a text layer


@dataclass
class PageReading:
    number: int
    source: str
    text: str
    confidence: float | None
    rotation: int
    width: int
    height: int
    words: list[Word] = field(default_factory=list)
    preview_jpeg: bytes = b""
    page_pdf: bytes | None = None  # a searchable single-page PDF, for OCR'd pages

    def text_json(self) -> bytes:
        """The text derivative as stored: UTF-8 JSON, Cyrillic as it is. orjson writes a
        journal page's ~500 word boxes in a fraction of the json module's time."""
        return orjson.dumps(self.text_record())

    def text_record(self) -> dict[str, Any]:
        """The page's text derivative: text, word boxes and confidence."""
        return {
            "number": self.number,
            "source": self.source,
            "rotation": self.rotation,
            "confidence": self.confidence,
            "width": self.width,
            "height": self.height,
            "text": self.text,
            # Built by hand: dataclasses.asdict deep-copies, costly at 500 words a page.
            "words": [
                {
                    "text": w.text,
                    "left": w.left,
                    "top": w.top,
                    "width": w.width,
                    "height": w.height,
                    "confidence": w.confidence,
                }
                for w in self.words
            ],
        }
