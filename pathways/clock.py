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
