"""Snippets with the matched words marked, cut from the page's original text.

The index holds stems, which are no use to a reader, so the snippet is built from the
page text by the same tokenizer: a token is marked when its stem is one of the query's.
"""

from __future__ import annotations

from markupsafe import escape

from search.analysis import tokens

CONTEXT_BEFORE = 8
WINDOW = 30


def make_snippet(text: str, wanted: set[str]) -> str:
    toks = list(tokens(text))
    hits = [i for i, t in enumerate(toks) if t.term in wanted]
    if not toks:
        return ""
    first = hits[0] if hits else 0
    lo = max(0, first - CONTEXT_BEFORE)
    hi = min(len(toks), lo + WINDOW)
    # At either edge of the page keep what lies beyond the first/last word too.
    start = 0 if lo == 0 else toks[lo].start
    end = len(text) if hi == len(toks) else toks[hi - 1].end
    marked = set(hits)
    out: list[str] = ["… " if lo > 0 else ""]
    pos = start
    for i in range(lo, hi):
        tok = toks[i]
        out.append(str(escape(text[pos : tok.start])))
        word = str(escape(text[tok.start : tok.end]))
        out.append(f"<mark>{word}</mark>" if i in marked else word)
        pos = tok.end
    out.append(str(escape(text[pos:end])))
    if hi < len(toks):
        out.append(" …")
    return " ".join("".join(out).split())
