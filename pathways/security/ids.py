"""Identifiers and numbers from the outside world: parsed strictly, bounded to what the database holds.

Ids are PostgreSQL ``integer`` columns: anything above 2³¹ − 1 would make the
database raise (a 500) instead of finding nothing (a 404). ``str.isdigit``
accepts "²" and "٣", which ``int`` then refuses or reads as 3: only ASCII
digits count here. The ``int`` URL converter is replaced once for the whole
application (``init_app``), so every ``<int:...>`` of every route is bounded.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1
MIN_INT = -(2**31)
MAX_INT = 2**31 - 1
ASCII_INTEGER = re.compile(r"-?[0-9]{1,10}")


def parse_int(value: object, *, low: int = MIN_INT, high: int = MAX_INT) -> int | None:
    """``value`` as an int when it is plain ASCII digits (optionally signed) within bounds; else None."""
    text = str(value).strip() if value is not None else ""
    if not ASCII_INTEGER.fullmatch(text):
        return None
    number = int(text)
    return number if low <= number <= high else None


def parse_id(value: object) -> int | None:
    """A database id (1 … 2³¹ − 1) written in ASCII digits, or None."""
    return parse_int(value, low=1, high=MAX_ID)


class IdConverter(IntegerConverter):
    """``<int:…>`` accepting only ASCII digits, 1 to 2³¹ − 1; anything else is a 404."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Before any blueprint is registered: rules compile their converters when added."""
    app.url_map.converters["int"] = IdConverter
