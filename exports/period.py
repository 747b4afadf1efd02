"""The period a bilan or an export covers, checked in one place for the web form and the CLI."""

from __future__ import annotations

from datetime import date

from pathways import clock

FIRST_YEAR, LAST_YEAR = 2000, 2100


class PeriodError(ValueError):
    """A period that cannot be exported; the message is for the user, in French."""


def reporting_period(year: int | None, start: date | None, end: date | None) -> tuple[date, date] | None:
    """A calendar year, or ``[start, end]`` both days included; ``None`` when nothing was given."""
    if year is not None and (start is not None or end is not None):
        raise PeriodError("Choisissez soit une année, soit une période (début et fin), pas les deux.")
    if year is not None:
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise PeriodError(f"Année invalide : {year}.")
        return date(year, 1, 1), date(year, 12, 31)
    if (start is None) != (end is None):
        raise PeriodError("Le début et la fin de la période vont ensemble : indiquez les deux.")
    if start is not None and end is not None:
        if not (clock.plausible(start) and clock.plausible(end)):
            raise PeriodError(clock.DATE_RANGE_MESSAGE)
        if end < start:
            raise PeriodError("La fin de la période précède son début.")
        return start, end
    return None
