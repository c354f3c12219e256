"""Snippets with the matched words marked, cut from the page's original text.

The index holds stems, which are no use to a reader, so the snippet is built from the
page text by the same tokenizer: a token is marked when its stem is one of the query's,
or begins as a word the query gave with a star («Кузн*») does.
"""

from __future__ import annotations

import html
import re
from collections import deque
from collections.abc import Callable

from markupsafe import escape

from search.analysis import (
    TOKEN_RE,
    first_possible_match,
    fold,
    stem,
    term_matcher,
    tokens,
    unbroken,
)

CONTEXT_BEFORE = 8
WINDOW = 30
LOOK_BACK = 64  # characters first looked back over for the words before a match, doubled
# How both engines mark a match in a snippet (Elasticsearch's highlighter is given the
# same tags and the html encoder).
MARKED = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)


def make_snippet(text: str, wanted: set[str]) -> str:
    """Up to WINDOW words from a little before the first match, matches marked.

    Words are read lazily and reading stops once the window is full, so a page costs
    only as much as its text up to the first match: a results page shows up to 20 × 10
    page snippets, so this is the hot path of the embedded search. For that it works on
    the tokenizer's regex matches, not `tokens`' objects, and escapes the text between
    marks whole rather than word by word: 72 µs a page before, a third of a common
    query's 40 ms at 300 000 pages. No word before the first place a match can begin
    (`first_possible_match`) is stemmed, and only the eight just before it are read.
    """
    matches = term_matcher(wanted)
    folded = fold(unbroken(text))
    begin, head, skipped = _lead_up(folded, frozenset(wanted))
    window: list[re.Match[str]] = []
    if begin < len(folded):
        for word in TOKEN_RE.finditer(folded, begin):
            if matches(stem(word.group())):
                window = [*head, word]
                break
            skipped = skipped or len(head) == CONTEXT_BEFORE
            head.append(word)
    skipped = skipped and bool(window)
    words = TOKEN_RE.finditer(folded, window[-1].end() if window else 0)
    more = False
    for word in words:
        if len(window) == WINDOW:
            more = True
            break
        window.append(word)
    if not window:
        return ""
    # At either edge of the page keep what lies beyond the first/last word too.
    start = window[0].start() if skipped else 0
    end = window[-1].end() if more else len(text)
    out: list[str] = ["… " if skipped else ""]
    pos = start
    for word in window:
        if matches(stem(word.group())):
            out.append(str(escape(text[pos : word.start()])))
            out.append(f"<mark>{escape(text[word.start() : word.end()])}</mark>")
            pos = word.end()
    out.append(str(escape(text[pos:end])))
    if more:
        out.append(" …")
    return " ".join("".join(out).split())


def _lead_up(folded: str, wanted: frozenset[str]) -> tuple[int, deque[re.Match[str]], bool]:
    """Where to start reading words for a match (`first_possible_match`; the page's
    start when that cannot be told), the CONTEXT_BEFORE words before that place, and
    whether more words lie before them."""
    head: deque[re.Match[str]] = deque(maxlen=CONTEXT_BEFORE)
    begin = first_possible_match(folded, wanted) or 0
    if begin in (0, len(folded)):  # read from the start, or nothing on the page can match
        return begin, head, False
    # The stretch looked back over doubles until it holds more words than the head
    # keeps, or the page's start: its first may be the end of a word cut at `back`.
    reach = LOOK_BACK
    while True:
        back = max(0, begin - reach)
        before = list(TOKEN_RE.finditer(folded, back, begin))
        if not back or len(before) > CONTEXT_BEFORE:
            break
        reach *= 2
    head.extend(before)
    first = TOKEN_RE.search(folded)
    return begin, head, bool(head) and first is not None and first.start() < head[0].start()


def highlight(text: str, wanted: set[str]) -> tuple[str, int]:
    """The whole page text, HTML-escaped, with the words whose stem is wanted marked,
    and how many were: the document page opened from a search result shows where on
    the sheet the query stands, by the same rule as the snippet that led there."""
    matches = term_matcher(wanted)
    out: list[str] = []
    pos = found = 0
    for tok in tokens(text):
        if matches(tok.term):
            out.append(str(escape(text[pos : tok.start])))
            out.append(f"<mark>{escape(text[tok.start : tok.end])}</mark>")
            pos = tok.end
            found += 1
    out.append(str(escape(text[pos:])))
    return "".join(out), found


def plain_snippet(snippet: str, mark: Callable[[str], str] = str) -> str:
    """A snippet as a terminal shows it: a snippet is HTML (escaped text, matches in
    <mark>) for the web page and the API, and a terminal would print «9 &#34;А&#34;» and
    the tags themselves. Here the text is unescaped and each match goes through `mark`
    (bold, for `archive search`)."""
    parts = MARKED.split(snippet)  # text, match, text, match, …, text
    return "".join(
        mark(html.unescape(part)) if i % 2 else html.unescape(part) for i, part in enumerate(parts)
    )
