"""Numbers from a URL or a form, kept inside what the catalog can hold.

A database integer has 64 bits (SQLite, PostgreSQL's bigint) or 32 (integer columns):
a page number, an offset or a year past that made the driver raise, and the person got
a 500. Path numbers past 32 bits name nothing and answer 404 (`BoundedInt`, the app's
`int` converter); query numbers are clamped to a range that means something.
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

LARGEST_ID = 2**31 - 1  # the largest value of a 32-bit integer column
LARGEST_OFFSET = 10**9  # far past any archive's documents, far inside 64 bits


class BoundedInt(IntegerConverter):
    """`<int:…>` that matches only numbers a catalog column can hold: a larger one is
    no record, so the route answers 404 like any other missing record."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def clamped(values: MultiDict[str, str], name: str, default: int, lowest: int, highest: int) -> int:
    """The number asked for, moved into [lowest, highest]; the default when it is not
    a number at all."""
    try:
        number = int(values.get(name, default))
    except (TypeError, ValueError):
        return default
    return min(max(number, lowest), highest)


def within(values: MultiDict[str, str], name: str, lowest: int, highest: int) -> int | None:
    """The number asked for if it lies in [lowest, highest], else None: a year of 10²⁰
    is no year, and the caller says so as it would of a missing one."""
    try:
        number = int(values.get(name, ""))
    except (TypeError, ValueError):
        return None
    return number if lowest <= number <= highest else None
