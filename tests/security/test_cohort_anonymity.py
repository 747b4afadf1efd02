"""Issue 9, class 9: the pseudonymised cohort is k-anonymous (k = 5), and says so.

Exact dates with the RQTH and RSA flags made 197 of 215 rows unique on
(age band, sex, territory, entry date, RQTH, RSA). Now every combination of
those quasi-identifiers counts at least 5 rows, the ``Notes cohorte`` sheet
states the k reached, and the identified export (managers only) keeps exact
dates.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from exports.bilan import write_bilan
from exports.cohort import K_ANONYMITY, QUASI_IDENTIFIERS, SUPPRESSED, write_cohort
from tests.factories import make_world
from tests.unit.exports.scenario import build_caseload
from tests.unit.exports.workbooks import sheet

PERIOD = re.compile(r"^\d{4}(-\d{2}|-T[1-4])?$")
DATE_HEADERS = ("date_entree", "date_information_collective", "date_pole_orientation", "date_fin")


def classes(rows: list[list[object]], header: list[object]) -> Counter[tuple[object, ...]]:
    where = [header.index(name) for name in QUASI_IDENTIFIERS]
    return Counter(tuple(row[i] for i in where) for row in rows)


def notes(path: Path, title: str = "Notes cohorte") -> dict[str, object]:
    return {row[0]: row[1] for row in sheet(path, title)[1:]}


@pytest.mark.parametrize("count", [40, 120])
def test_every_combination_of_quasi_identifiers_counts_at_least_k_rows(
    session: Session, today: date, tmp_path: Path, count: int
) -> None:
    world = make_world(session)
    build_caseload(session, world, seed=count, count=count, field_paths=False)
    target = tmp_path / "cohorte.xlsx"
    rows = write_cohort(session, world.platform, target, actor=world.manager)
    data = sheet(target, "Cohorte")
    header, body = data[0], data[1:]
    assert rows == len(body) == count
    sizes = classes(body, header)
    assert min(sizes.values()) >= K_ANONYMITY, sizes
    # The k written in the notes is the smallest class found in the file.
    stated = notes(target)["k-anonymat atteint"]
    assert str(stated).startswith(f"{min(sizes.values())} ")
    # Dates are periods, never days.
    for name in DATE_HEADERS:
        for row in body:
            value = row[header.index(name)]
            assert value is None or value == SUPPRESSED or PERIOD.match(str(value)), (name, value)
    if count >= 100:
        # A platform of some size keeps at least half its rows: generalising did the work, masking the rest.
        assert sum(1 for row in body if row[header.index("date_entree")] != SUPPRESSED) >= count // 2


def test_a_cohort_too_small_for_k_masks_everything_and_says_so(
    session: Session, today: date, tmp_path: Path
) -> None:
    world = make_world(session)
    build_caseload(session, world, seed=3, count=3, field_paths=False)
    target = tmp_path / "petite.xlsx"
    write_cohort(session, world.platform, target, actor=world.manager)
    data = sheet(target, "Cohorte")
    header, body = data[0], data[1:]
    assert {row[header.index(name)] for row in body for name in ("sexe", "territoire", "date_entree")} == {
        SUPPRESSED
    }
    assert str(notes(target)["k-anonymat atteint"]).startswith("3 ")


def test_the_identified_cohort_keeps_exact_dates_and_the_bilans_cohort_is_generalised(
    session: Session, today: date, tmp_path: Path
) -> None:
    world = make_world(session)
    build_caseload(session, world, seed=8, count=30)
    identified = tmp_path / "nominative.xlsx"
    write_cohort(session, world.platform, identified, actor=world.manager, identified=True)
    data = sheet(identified, "Cohorte")
    entries = [row[data[0].index("date_entree")] for row in data[1:]]
    assert all(isinstance(value, date) for value in entries)
    bilan = tmp_path / "bilan.xlsx"
    write_bilan(session, world.platform, date(2024, 1, 1), date(2026, 12, 31), bilan, actor=world.manager, with_cohort=True)
    cohort = sheet(bilan, "Cohorte")
    assert min(classes(cohort[1:], cohort[0]).values()) >= K_ANONYMITY
    assert "k-anonymat atteint" in notes(bilan)
