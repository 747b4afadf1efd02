"""An iCalendar (RFC 5545) event, written with the standard library: one ``VEVENT`` per convocation.

Times are written in UTC (``…Z``): every calendar shows them in its own
zone, and no ``VTIMEZONE`` block is needed. A week is one event repeated
daily (``RRULE:FREQ=DAILY;COUNT=5``), or all-day events when its hours are
unknown. The UID is stable for a convocation: a convocation sent again
updates the event rather than adding one (its ``SEQUENCE`` grows).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from pathways import clock

PRODUCT = "-//Pathways//Convocations//FR"


def escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11)."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Lines of at most 75 octets, continued with CRLF and a space (§3.1), never inside a character."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    current = ""
    size = 0
    limit = 75
    for character in line:
        width = len(character.encode())
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with a space
        current += character
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass(frozen=True)
class Event:
    uid: str
    summary: str
    location: str
    description: str
    first_day: date
    days: int = 1
    starts_at: time | None = None
    ends_at: time | None = None
    sequence: int = 0


def calendar(event: Event) -> bytes:
    """The ``.ics`` file of ``event`` (METHOD:PUBLISH: nothing to answer through the calendar)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{_utc(clock.now())}",
        f"SEQUENCE:{event.sequence}",
    ]
    if event.starts_at is not None and event.ends_at is not None:
        start = datetime.combine(event.first_day, event.starts_at, tzinfo=clock.PLATFORM_TIMEZONE)
        end = datetime.combine(event.first_day, event.ends_at, tzinfo=clock.PLATFORM_TIMEZONE)
        lines += [f"DTSTART:{_utc(start)}", f"DTEND:{_utc(end)}"]
    else:
        lines += [
            f"DTSTART;VALUE=DATE:{event.first_day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{event.first_day + timedelta(days=1):%Y%m%d}",
        ]
    if event.days > 1:
        lines.append(f"RRULE:FREQ=DAILY;COUNT={event.days}")
    lines += [
        f"SUMMARY:{escape(event.summary)}",
        f"LOCATION:{escape(event.location)}",
        f"DESCRIPTION:{escape(event.description)}",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode()
