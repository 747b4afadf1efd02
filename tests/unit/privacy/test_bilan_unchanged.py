"""Every past bilan is identical before and after the anonymisation of every person (issue 12)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from openpyxl import load_workbook

from exports.bilan import write_bilan
from exports.indicators import compute_bilan
from pathways.models import Pathway, Person
from pathways.privacy.anonymise import Reason, anonymise_person
from pathways.services import pathway as pathway_service
from pathways.states import TERMINAL_STATES, ExitReason, MoveRequest, Trigger
from tests.factories import make_world
from tests.unit.exports.scenario import build_caseload


def periods(today: date) -> list[tuple[date, date]]:
    """Every calendar year and every month the caseload covers, and the whole span."""
    found = [(date(2024, 1, 1), today)]
    for year in (2024, 2025, 2026):
        found.append((date(year, 1, 1), date(year, 12, 31)))
        for month in range(1, 13):
            start = date(year, month, 1)
            if start > today:
                break
            end = date(year + month // 12, month % 12 + 1, 1)
            found.append((start, date.fromordinal(end.toordinal() - 1)))
    return found


def workbook_cells(path) -> dict[str, list[tuple]]:
    book = load_workbook(path, read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def test_every_past_bilan_is_identical_after_every_person_is_anonymised(session, today, tmp_path) -> None:
    world = make_world(session)
    build_caseload(session, world, seed=12, count=40)
    # Only a person without a pathway in progress can be anonymised: everyone leaves today.
    for pathway in session.scalars(sa.select(Pathway).where(Pathway.state.not_in(TERMINAL_STATES))).all():
        pathway_service.move(
            session, pathway, MoveRequest(Trigger.EXIT, today, exit_reason=ExitReason.MOVED), world.manager
        )
    session.commit()
    spans = periods(today)
    assert len(spans) == 34
    before = {span: compute_bilan(session, world.platform, *span) for span in spans}
    books_before = {}
    for year in (2024, 2025, 2026):
        path = tmp_path / f"avant-{year}.xlsx"
        write_bilan(session, world.platform, date(year, 1, 1), date(year, 12, 31), path, actor=world.manager)
        books_before[year] = workbook_cells(path)
    assert before[(date(2025, 1, 1), date(2025, 12, 31))].value("accompanied") > 10
    births_before = dict(session.execute(sa.select(Person.id, Person.birth_date)).all())

    persons = session.scalars(sa.select(Person).where(Person.platform_id == world.platform.id)).all()
    for person in persons:
        anonymise_person(session, person, reason=Reason.RETENTION, actor=None)
    session.commit()

    # The anonymisation did change what it must (so the comparison below can fail).
    assert set(session.scalars(sa.select(Person.last_name))) == {"Anonymisée"}
    births_after = dict(session.execute(sa.select(Person.id, Person.birth_date)).all())
    assert sum(births_after[p] != births_before[p] for p in births_before) > len(births_before) // 2
    for span in spans:
        after = compute_bilan(session, world.platform, *span)
        assert after == before[span], f"the bilan of {span[0]} – {span[1]} changed"
    for year in (2024, 2025, 2026):
        path = tmp_path / f"apres-{year}.xlsx"
        write_bilan(session, world.platform, date(year, 1, 1), date(year, 12, 31), path, actor=world.manager)
        cells = workbook_cells(path)
        assert cells.keys() == books_before[year].keys()
        for sheet, rows in cells.items():
            assert rows == books_before[year][sheet], f"{year}, sheet {sheet}"
