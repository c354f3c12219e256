"""Catalog rows as JSON and back: every mapped column by name, dates as ISO text.

A bag carries rows column by column rather than in a format of its own, so a column
added later travels without a change here; columns a bag lacks take their defaults and
columns the catalog does not know are ignored (an older deployment reads a newer bag).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import inspect

from archive_service.catalog.models import Base

M = TypeVar("M", bound=Base)


def to_json(row: Base, *, without: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for attr in inspect(type(row)).column_attrs:
        if attr.key in without:
            continue
        value = getattr(row, attr.key)
        out[attr.key] = value.isoformat() if isinstance(value, date | datetime) else value
    return out


def from_json(model: type[M], data: dict[str, Any], **overrides: Any) -> M:
    """A new row of `model` from a bag's dict; `overrides` replace ids renumbered here."""
    values: dict[str, Any] = {}
    for attr in inspect(model).column_attrs:
        key = attr.key
        if key in overrides:
            values[key] = overrides[key]
            continue
        if key not in data or data[key] is None:
            continue
        value = data[key]
        kind = attr.columns[0].type.python_type
        if kind is datetime:
            value = datetime.fromisoformat(value)
        elif kind is date:
            value = date.fromisoformat(value)
        values[key] = value
    return model(**values)
