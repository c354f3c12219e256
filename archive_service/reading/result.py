"""What reading one page yields, whatever the source."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Word:
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

    def text_record(self) -> dict[str, Any]:
        """The page's text derivative: text, word boxes and confidence, as stored JSON."""
        return {
            "number": self.number,
            "source": self.source,
            "rotation": self.rotation,
            "confidence": self.confidence,
            "width": self.width,
            "height": self.height,
            "text": self.text,
            # Built by hand: dataclasses.asdict deep-copies, costly at 400 words a page.
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
