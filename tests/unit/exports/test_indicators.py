"""The Synthèse equals the indicators recomputed independently, for a year and a custom period."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from exports.bilan import write_bilan
from exports.indicators import compute_bilan
from pathways.models import PlannedStep
from pathways.vocabulary import PlannedStepStatus
from pathways.wording import MONTH_NAMES
from tests.factories import make_world
from tests.unit.exports.scenario import add_field_paths, build_caseload, oracle
from tests.unit.exports.workbooks import sheet, sheet_names, synthese

# A calendar year, and a custom period that runs past today (15/06/2026) into
# the steps still planned.
PERIODS = [(date(2025, 1, 1), date(2025, 12, 31)), (date(2025, 3, 10), date(2026, 8, 31))]
LEVELS = {"réalisation", "résultat", "impact"}


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
    # Nothing in the Synthèse the oracle does not know (open lists only when non-zero).
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
    assert expected["contracts_ended_early"] > 0
    assert expected["training_dropouts"] > 0
    assert expected["accompanied_persons"] < expected["accompanied"]  # the person with two pathways

    target = tmp_path / "bilan.xlsx"
    write_bilan(session, world.platform, start, end, target, actor=world.manager)
    assert_synthese_matches(synthese(target), expected)

    rows = sheet(target, "Synthèse")
    assert rows[0][:5] == ["code", "libelle", "valeur", "denominateur", "niveau"]
    levels = {row[0]: row[4] for row in rows[1:]}
    assert set(levels.values()) == LEVELS
    assert levels["accompanied_persons"] == "réalisation"
    assert levels["access_rate"] == "résultat"
    assert levels["contracts_ended.trial_broken_by_employer"] == "résultat"
    assert levels["jobs_share.K1311"] == "impact"

    names = sheet_names(target)
    assert names[0] == "Synthèse"
    assert {
        "Entonnoir et devenir",
        "Ventilations",
        "Délais",
        "Métiers et employeurs",
        "Sessions",
        "Sessions (détail)",
        "Freins",
        "Délais (jours)",
    } <= set(names)

    # Breakdowns: accompanied and access per modality.
    ventilations = sheet(target, "Ventilations")
    assert ventilations[0][:6] == [
        "Ventilation",
        "Code",
        "Modalité",
        "Parcours accompagnés",
        "Accès à une formation ou un emploi",
        "Taux d'accès",
    ]
    titles = {
        "Public": "publics",
        "Sexe": "sexe",
        "Âge à l'entrée": "age",
        "Niveau de diplôme": "diplome",
        "Prescripteur": "prescripteur",
        "Territoire": "territoire",
    }
    shown: dict[str, set[str]] = {dimension: set() for dimension in titles.values()}
    for title, code, _label, accompanied, access, rate in ventilations[1:]:
        counts = expected["_breakdowns"][titles[title]]
        assert accompanied == counts[(code, False)], (title, code)
        assert access == counts[(code, True)], (title, code)
        assert rate == (pytest.approx(access / accompanied) if accompanied else None)
        shown[titles[title]].add(code)
    for dimension, counts in expected["_breakdowns"].items():
        assert {code for code, _ in counts} <= shown[dimension]

    # The exact day counts behind the medians.
    day_counts: dict[str, Counter[int]] = {}
    for code, days, n in sheet(target, "Délais (jours)")[1:]:
        day_counts.setdefault(code, Counter())[days] += n
    for code in ("median_days_to_orientation", "median_days_to_training", "median_days_to_contract"):
        assert day_counts.get(code, Counter()) == expected[f"_days.{code}"], code

    # Contracts by job × employer type, the jobs named.
    jobs = sheet(target, "Métiers et employeurs")
    header = jobs[0]
    assert header[:2] == ["Code ROME", "Métier"]
    assert header[-1] == "Total"
    by_cell = Counter()
    labels = dict(zip(header, range(len(header)), strict=True))
    from pathways.vocabulary import EmployerType

    for row in jobs[1:]:
        if row[0] == "Total":
            assert row[-1] == expected["contracts_signed"]
            continue
        for employer in EmployerType:
            if row[labels[employer.label]]:
                by_cell[(row[0], employer.value)] += row[labels[employer.label]]
    assert by_cell == expected["_jobs_by_employer"]

    # The funnel and the outcomes of the persons who entered in the period.
    funnel = sheet(target, "Entonnoir et devenir")
    assert funnel[0][:2] == ["Étape du parcours", "Personnes entrées dans la période"]
    assert [row[1] for row in funnel[1:6]] == expected["_funnel"]
    assert expected["_funnel"] == sorted(expected["_funnel"], reverse=True)  # it narrows
    heading = next(i for i, row in enumerate(funnel) if row[0] == "Trimestre d'entrée")
    outcome_columns = funnel[heading][1:6]
    got = Counter()
    for row in funnel[heading + 1 :]:
        if row[0] in (None, "Total") or not str(row[0]).startswith("T"):
            continue
        for label, n in zip(outcome_columns, row[1:6], strict=True):
            if n:
                got[(row[0], label)] += n
    from pathways.services.dashboard import OUTCOMES

    label_of = dict(OUTCOMES)
    assert got == Counter({(q, label_of[o]): n for (q, o), n in expected["_outcomes"].items()})


def test_the_field_paths_count_as_the_field_expects(session, today) -> None:
    """Each version-2 path, alone, shows where it should in the 2025 bilan."""
    world = make_world(session)
    paths = add_field_paths(session, world)
    bilan = compute_bilan(session, world.platform, *PERIODS[0])
    value = bilan.value
    # Lyon (no week), the broken CDD, the dropout, two exits out of the sector, the job
    # dating, and both pathways of the person who came back.
    assert value("accompanied") == 8
    assert value("accompanied_persons") == 7
    assert value("entries") == 7
    assert value("entries_persons") == 7
    assert value("orientation_entrants") == 5  # Lyon and the job dating had no week (and 2024's)
    assert value("projects_validated") == 6  # five weeks' diagnostics and Lyon's interview
    assert value("contracts_signed") == 4  # the CDD, the CDI, the dropout's CDD, the job dating
    assert value("contracts_ended_early") == 1
    assert value("contracts_ended.trial_broken_by_employer") == 1
    assert value("training_dropouts") == 1  # from the training's result: the pathway went on
    assert value("exits.dropped_out") == 1  # the first visit, not the dropout
    assert value("trainings_in_employment") == 1  # the VAE during the CDI
    assert value("trainings_started.DEAS") == 1
    assert value("trainings_started.TP_ADVF") == 1
    assert value("trainings_started.funding.prf") == 1
    assert value("trainings_started.funding.poei") == 1
    assert value("training_certified") == 1
    # Access: any training or job; in the sector: without the two exits.
    assert value("access_training_or_job") == 6
    assert value("access_sector_training_or_job") == 4
    assert value("access_rate") == pytest.approx(6 / 8)
    assert value("positive_exits") == 5
    assert value("median_days_to_orientation") == 7.0
    assert value("in_post_6_months") == 1
    assert value("jobs.K1304") == 1
    # The funnel starts from the persons who entered, and narrows.
    assert bilan.funnel[0].counts == (value("entries_persons"),)
    assert [s.counts[0] for s in bilan.funnel] == [7, 7, 7, 3, 1]  # Lyon signs in 2026
    labels = {i.code: i.label for i in bilan.indicators}
    assert "Employé familial" in labels["jobs.K1304"]
    assert "Diplôme d'État d'aide-soignant" in labels["trainings_started.DEAS"]

    # Steps still planned are not facts: the period that holds their dates does not count them.
    planned = session.scalars(
        sa.select(PlannedStep).where(
            PlannedStep.pathway_id == paths.planned.id, PlannedStep.status == PlannedStepStatus.PLANNED
        )
    ).all()
    assert len(planned) == 2
    summer = compute_bilan(session, world.platform, date(2026, 6, 1), date(2026, 8, 31))
    assert summer.value("contracts_signed") == 0
    assert summer.value("trainings_started") == 0
    assert summer.value("trainings_started.funding.prf") == 0


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
    assert [s.counts for s in before.funnel] == [s.counts for s in after.funnel]


def test_workbook_reads_and_prints_as_it_is(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    build_caseload(session, world, seed=3, count=12)
    target = tmp_path / "bilan.xlsx"
    write_bilan(session, world.platform, *PERIODS[0], target, actor=world.manager, with_cohort=True)
    workbook = load_workbook(target)
    assert workbook.properties.title == (
        "Bilan d'activité — Plateforme yvelines — Année 2025 (du 01/01/2025 au 31/12/2025)"
    )
    assert "Plateforme yvelines" in workbook.properties.subject
    synthese_sheet = workbook["Synthèse"]
    assert synthese_sheet.freeze_panes == "A2"
    assert synthese_sheet.auto_filter.ref.startswith("A1:E")
    assert synthese_sheet.column_dimensions["B"].width >= 40
    rates = [row for row in synthese_sheet.iter_rows(min_row=2) if row[0].value == "access_rate"]
    assert rates[0][2].number_format == "0.0%"
    for name in workbook.sheetnames:
        ws = workbook[name]
        assert ws.page_setup.orientation == "landscape", name
        assert ws.page_setup.paperSize == 9, name  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert ws.page_setup.fitToWidth == 1, name
        assert ws.print_title_rows == "$1:$1", name
        assert ws.oddHeader.left.text == "Plateforme yvelines", name
        assert "01/01/2025 au 31/12/2025" in ws.oddHeader.right.text, name
    # Names beside codes: jobs, certifications, employer types, prescribers, freins.
    labels = {row[0].value: row[1].value for row in synthese_sheet.iter_rows(min_row=2)}
    jobs = [code for code in labels if code.startswith("jobs.")]
    assert jobs
    for code in jobs:
        assert labels[code].endswith(f"({code.removeprefix('jobs.')})"), labels[code]
        assert len(labels[code]) > len(code) + 20  # a name, not the code alone
    assert "Titre professionnel Assistant de vie aux familles" in labels["trainings_started.TP_ADVF"]
    metiers = workbook["Métiers et employeurs"]
    assert "Service autonomie à domicile (SAD, ex-SAAD/SSIAD)" in [c.value for c in metiers[1]]
    assert all(row[1].value for row in metiers.iter_rows(min_row=2))
    ventilations = {
        (r[0].value, r[1].value): r[2].value for r in workbook["Ventilations"].iter_rows(min_row=2)
    }
    assert ventilations[("Prescripteur", "france_travail")] == "France Travail"
    assert next(r[1].value for r in workbook["Freins"].iter_rows(min_row=2)) == "Mobilité"
    assert workbook["Délais (jours)"].sheet_state == "hidden"
    assert workbook["Sessions (détail)"].sheet_state == "hidden"
    # Charts beside their tables: the funnel and the outcomes, the delays' bands.
    assert len(workbook["Entonnoir et devenir"]._charts) == 2
    assert len(workbook["Délais"]._charts) == 1
    # French headers on every sheet of the bilan (the Synthèse's code column apart).
    for name, first in (
        ("Ventilations", "Ventilation"),
        ("Délais", "Délai"),
        ("Métiers et employeurs", "Code ROME"),
        ("Sessions", "Mois"),
        ("Sessions (détail)", "Type"),
        ("Freins", "Code"),
        ("Délais (jours)", "Indicateur"),
    ):
        assert workbook[name]["A1"].value == first, name
    sessions = workbook["Sessions (détail)"]
    assert sessions.sheet_state == "hidden"  # long: the printed Sessions sheet sums it by month
    assert [c.value for c in sessions[1]] == [
        "Type",
        "Date",
        "Lieu",
        "Territoire",
        "Places",
        "Inscrits",
        "Présents",
        "Excusés",
        "Absents",
        "Taux d'absence",
        "Taux d'excuse",
    ]
    dates = [row[1] for row in sessions.iter_rows(min_row=2) if row[1].value is not None]
    assert dates
    assert all(cell.is_date and cell.number_format == "DD/MM/YYYY" for cell in dates)
    months = [[c.value for c in row] for row in workbook["Sessions"].iter_rows(min_row=2)]
    assert months[-1][0] == "Total"
    assert months[-1][1] == sum(
        1 for row in sessions.iter_rows(min_row=2) if row[0].value == "Information collective"
    )
    assert months[-1][4] == sum(
        1 for row in sessions.iter_rows(min_row=2) if row[0].value == "Pôle orientation"
    )
    assert "Cohorte" in workbook.sheetnames
    header = [c.value for c in workbook["Cohorte"][1]]
    assert "pseudonyme" in header
    assert "nom" not in header


def _expected_sessions(session, platform_id: int, start: date, end: date) -> dict[str, dict]:
    """The Sessions sheet recomputed from the rows, by month and in total, without the service's code."""
    from pathways.models import (
        InfoSession,
        InfoSessionAttendance,
        OrientationAttendance,
        OrientationParticipant,
        OrientationWeek,
    )
    from pathways.vocabulary import InvitationAnswer

    months: dict[str, Counter] = {}

    def bucket(day: date) -> list[Counter]:
        label = f"{MONTH_NAMES[day.month - 1]} {day.year}"
        return [months.setdefault(label, Counter()), months.setdefault("Total", Counter())]

    for info in session.scalars(sa.select(InfoSession).where(InfoSession.platform_id == platform_id)):
        if not start <= info.held_on <= end:
            continue
        rows = session.scalars(
            sa.select(InfoSessionAttendance).where(InfoSessionAttendance.session_id == info.id)
        ).all()
        for counter in bucket(info.held_on):
            counter["sessions"] += 1
            counter["registered"] += len(rows)
            for row in rows:
                counter[f"info_{row.status.value}"] += 1
    for week in session.scalars(sa.select(OrientationWeek).where(OrientationWeek.platform_id == platform_id)):
        if not start <= week.starts_on <= end:
            continue
        participants = session.scalars(
            sa.select(OrientationParticipant).where(OrientationParticipant.week_id == week.id)
        ).all()
        for counter in bucket(week.starts_on):
            counter["weeks"] += 1
            counter["participants"] += len(participants)
            for participant in participants:
                days = session.scalars(
                    sa.select(OrientationAttendance.present).where(
                        OrientationAttendance.participant_id == participant.id
                    )
                ).all()
                if any(days):
                    counter["week_present"] += 1
                elif participant.answer is InvitationAnswer.NOT_ATTENDING:
                    counter["week_excused"] += 1
                elif days:
                    counter["week_absent"] += 1
    return months


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@pytest.mark.parametrize(("start", "end"), PERIODS, ids=["year", "custom"])
def test_sessions_sheet_counts_statuses_and_rates(session, today, tmp_path: Path, start: date, end: date) -> None:
    """Issue 11: excused, absent, and the no-show and excused rates of each month, recomputed here."""
    from pathways.models import InfoSession, InfoSessionAttendance, OrientationParticipant
    from pathways.vocabulary import AttendanceStatus, InvitationAnswer

    world = make_world(session)
    build_caseload(session, world, seed=5, count=35)
    # Every status at the sessions; some participants of the weeks said they would not come.
    statuses = list(AttendanceStatus)
    held = sa.select(InfoSessionAttendance).join(InfoSession).where(InfoSession.held_on.between(start, end))
    for index, attendance in enumerate(session.scalars(held.order_by(InfoSessionAttendance.id)).all()):
        attendance.status = statuses[(index + 3) % len(statuses)]
    for index, participant in enumerate(session.scalars(sa.select(OrientationParticipant)).all()):
        if index % 4 == 0:
            participant.answer = InvitationAnswer.NOT_ATTENDING
    session.commit()
    expected = _expected_sessions(session, world.platform.id, start, end)
    assert expected["Total"]["info_excused"] > 0
    assert expected["Total"]["info_absent"] > 0
    target = tmp_path / "bilan.xlsx"
    write_bilan(session, world.platform, start, end, target, actor=world.manager)
    rows = sheet(target, "Sessions")
    assert rows[0] == [
        "Mois",
        "Informations collectives",
        "Inscrits",
        "Présents",
        "Semaines du pôle orientation",
        "Participants",
        "Présents au moins un jour",
        "IC : excusés",
        "IC : absents",
        "IC : taux d'absence",
        "IC : taux d'excuse",
        "Semaines : excusés",
        "Semaines : absents",
        "Semaines : taux d'absence",
        "Semaines : taux d'excuse",
    ]
    by_month = {row[0]: row for row in rows[1:]}
    assert set(by_month) == set(expected)
    for label, counts in expected.items():
        row = by_month[label]
        info_noted = counts["info_present"] + counts["info_excused"] + counts["info_absent"]
        week_noted = counts["week_present"] + counts["week_excused"] + counts["week_absent"]
        wanted = [
            label,
            counts["sessions"],
            counts["registered"],
            counts["info_present"],
            counts["weeks"],
            counts["participants"],
            counts["week_present"],
            counts["info_excused"],
            counts["info_absent"],
            _rate(counts["info_absent"], info_noted),
            _rate(counts["info_excused"], info_noted),
            counts["week_excused"],
            counts["week_absent"],
            _rate(counts["week_absent"], week_noted),
            _rate(counts["week_excused"], week_noted),
        ]
        assert row == [pytest.approx(v) if isinstance(v, float) else v for v in wanted], label
