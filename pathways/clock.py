"""Today's date where the platforms work, in one place so tests can move it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

PLATFORM_TIMEZONE = ZoneInfo("Europe/Paris")


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today in metropolitan France: at 00:30 in Paris it is already tomorrow in UTC terms."""
    return now().astimezone(PLATFORM_TIMEZONE).date()


# Dates a person may type (forms, imported files): outside, a typing error
# ("0025", "9999") that would only fail later, on a page that can never be shown.
EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)
DATE_RANGE_MESSAGE = "La date doit être comprise entre le 01/01/1900 et le 31/12/2100."


def plausible(day: date | None) -> bool:
    """``day`` is within the dates a person may type (``None`` is left to the caller)."""
    return day is None or EARLIEST <= day <= LATEST
