"""The reporting period: one rule for the web form and the command line."""

from __future__ import annotations

from datetime import date

import pytest

from exports.period import PeriodError, reporting_period


def test_a_year_or_a_period_or_nothing() -> None:
    assert reporting_period(2025, None, None) == (date(2025, 1, 1), date(2025, 12, 31))
    assert reporting_period(None, date(2025, 3, 1), date(2025, 3, 1)) == (date(2025, 3, 1), date(2025, 3, 1))
    assert reporting_period(None, None, None) is None


@pytest.mark.parametrize(
    ("year", "start", "end", "message"),
    [
        (2025, date(2025, 1, 1), None, "pas les deux"),
        (1999, None, None, "Année invalide : 1999."),
        (None, date(2025, 1, 1), None, "indiquez les deux"),
        (None, None, date(2025, 1, 1), "indiquez les deux"),
        (None, date(2025, 2, 1), date(2025, 1, 31), "précède son début"),
    ],
)
def test_refusals(year, start, end, message) -> None:
    with pytest.raises(PeriodError, match=message):
        reporting_period(year, start, end)
