"""The Synthèse equals the indicators recomputed independently, for a year and a custom period."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from exports.bilan import write_bilan
from exports.indicators import compute_bilan
from tests.factories import make_world
from tests.unit.exports.scenario import build_caseload, oracle
from tests.unit.exports.workbooks import sheet, sheet_names, synthese

PERIODS = [(date(2025, 1, 1), date(2025, 12, 31)), (date(2025, 3, 10), date(2026, 2, 20))]


def assert_synthese_matches(values: dict, expected: dict) -> None:
    for code, wanted in expected.items():
        if code.startswith("_"):
            continue
        assert code in values, f"{code} missing from the Synthèse"
        value, denominator = values[code]
        if isinstance(wanted, tuple):
            rate, wanted_denominator = wanted
            assert denominator == wanted_denominator, code
            if rate is None:
                assert value is None, code
            else:
                assert value == pytest.approx(rate), code
        elif wanted is None:
            assert value is None, code
        else:
            assert value == pytest.approx(wanted), code
    # Nothing in the Synthèse the oracle does not know (jobs rows only when non-zero).
    extra = {code for code in values if code not in expected}
    assert not extra, extra


@pytest.mark.parametrize(("start", "end"), PERIODS, ids=["year", "custom"])
def test_synthese_equals_independent_computation(
    session, today, tmp_path: Path, start: date, end: date
) -> None:
    world = make_world(session)
    build_caseload(session, world, seed=5, count=35)
    expected = oracle(session, [world.platform.id], start, end)
    assert expected["accompanied"] > 5
    assert expected["contracts_signed"] > 0

    target = tmp_path / "bilan.xlsx"
    write_bilan(session, world.platform, start, end, target, actor=world.manager)
    assert_synthese_matches(synthese(target), expected)

    names = sheet_names(target)
    assert names[0] == "Synthèse"
    assert {"Public", "Sexe", "Âge à l'entrée", "Niveau de diplôme", "Prescripteur", "Territoire"} <= set(
        names
    )
    assert {"Sessions", "Freins", "Délais"} <= set(names)

    # Breakdowns: accompanied and access per modality.
    for title, dimension in (
        ("Public", "publics"),
        ("Sexe", "sexe"),
        ("Âge à l'entrée", "age"),
        ("Niveau de diplôme", "diplome"),
        ("Prescripteur", "prescripteur"),
        ("Territoire", "territoire"),
    ):
        rows = sheet(target, title)
        assert rows[0][:5] == ["modalite", "libelle", "accompanied", "access_training_or_job", "access_rate"]
        counts = expected["_breakdowns"][dimension]
        for code, _label, accompanied, access, rate in rows[1:]:
            assert accompanied == counts[(code, False)], (title, code)
            assert access == counts[(code, True)], (title, code)
            if accompanied:
                assert rate == pytest.approx(access / accompanied)
            else:
                assert rate is None
        shown = {row[0] for row in rows[1:]}
        assert {code for code, _ in counts} <= shown


def test_same_period_same_numbers_whenever_produced(session, today, monkeypatch) -> None:
    world = make_world(session)
    build_caseload(session, world, seed=11, count=20)
    before = compute_bilan(session, world.platform, *PERIODS[0])
    # Later activity (after the period) changes nothing for the period.
    from pathways import clock

    monkeypatch.setattr(clock, "today", lambda: date(2027, 6, 1))
    from pathways.states import State
    from tests.factories import make_pathway

    make_pathway(session, world, State.FOLLOW_UP, start=date(2026, 9, 1))
    after = compute_bilan(session, world.platform, *PERIODS[0])
    assert [(i.code, i.value, i.denominator) for i in before.indicators] == [
        (i.code, i.value, i.denominator) for i in after.indicators
    ]


def test_workbook_is_usable_as_it_is(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    build_caseload(session, world, seed=3, count=12)
    target = tmp_path / "bilan.xlsx"
    write_bilan(session, world.platform, *PERIODS[0], target, actor=world.manager, with_cohort=True)
    workbook = load_workbook(target)
    sheet_ = workbook["Synthèse"]
    assert sheet_.freeze_panes == "A2"
    assert sheet_.auto_filter.ref.startswith("A1:D")
    assert sheet_.column_dimensions["B"].width >= 40
    rates = [row for row in sheet_.iter_rows(min_row=2) if row[0].value == "access_rate"]
    assert rates[0][2].number_format == "0.0%"
    sessions = workbook["Sessions"]
    dates = [row[1] for row in sessions.iter_rows(min_row=2) if row[1].value is not None]
    assert dates
    assert all(cell.is_date and cell.number_format == "DD/MM/YYYY" for cell in dates)
    assert "Cohorte" in workbook.sheetnames
    header = [c.value for c in workbook["Cohorte"][1]]
    assert "pseudonyme" in header
    assert "nom" not in header
