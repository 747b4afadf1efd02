"""The summary an import writes with its pathways is the one ``summary.recomputed()`` reads from their records.

The planner computes each pathway's summary in memory (``summary.computed``)
and writes it with the pathway's row: no SQL recomputation follows. These
tests import every field path, in one transaction and in chunks, and compare
every column with the SQL definition; and each person's standing, which the
import refreshes with each chunk, with ``standing.computed()``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bench.caseload import caseload_rows, write_xlsx
from pathways.imports.service import import_file, run_import
from pathways.models import Pathway, PersonStanding
from pathways.services import standing, summary
from tests.factories import World, make_world
from tests.unit.imports.test_import import full_row, short_row
from tests.unit.imports.test_paths_v2 import BROKEN_CDD, DROPOUT, LYON, identity

# Four rows of each of the bench's ten paths (every exit reason of its exits among them).
ROWS = 40


def field_paths(world: World, today: date) -> list[dict[str, Any]]:
    """The bench's paths, with and without a conseiller, and the tests' own version-2 paths."""
    rows = caseload_rows(
        ROWS,
        today,
        adviser=world.adviser.email,
        delegate=world.delegate.email,
        territory=world.territory.name,
    )
    # Without a conseiller the bench keeps the paths that need none; other persons (birth dates).
    for row in caseload_rows(12, today, delegate=world.delegate.email, territory=world.territory.name):
        rows.append(row | {"nom": f"Sans{row['nom']}", "date_naissance": date(1970, 6, 1)})
    rows += [
        identity(world, "Lyon", **LYON),
        identity(world, "Rupture", **BROKEN_CDD),
        identity(world, "Abandon", **DROPOUT),
        full_row(world),
        short_row(),
    ]
    return rows


def assert_summary_is_the_definition(session: Session, world: World, created: int) -> None:
    ids = list(session.scalars(sa.select(Pathway.id).where(Pathway.platform_id == world.platform.id)))
    assert len(ids) == created
    assert summary.mismatches(session, ids) == []
    # And each person's standing (the dashboard's), refreshed with the rows written.
    assert standing.mismatches(session, platform_id=world.platform.id) == []
    persons = sa.select(sa.func.count(sa.distinct(Pathway.person_id))).where(Pathway.id.in_(ids))
    assert session.scalar(sa.select(sa.func.count()).select_from(PersonStanding)) == session.scalar(persons)
    # Every column is set on some pathway: no rule goes unchecked for want of a path.
    for name in summary.COLUMNS:
        column = getattr(Pathway, name)
        assert session.scalar(sa.select(sa.func.count()).where(Pathway.id.in_(ids), column.is_not(None))), (
            name
        )


def test_summary_written_in_one_transaction(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    session.commit()
    rows = field_paths(world, today)
    report = run_import(
        session, world.platform, write_xlsx(tmp_path / "parcours.xlsx", rows), actor=world.manager
    )
    assert report.problems == []
    assert report.pathways_created == len(rows)
    session.commit()
    assert_summary_is_the_definition(session, world, len(rows))


def test_summary_written_in_chunks(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    session.commit()
    rows = field_paths(world, today)
    path = write_xlsx(tmp_path / "parcours.xlsx", rows)
    report = import_file(session, world.platform, path, actor=world.manager, chunk_rows=7, chunked=True)
    assert report.problems == []
    assert report.pathways_created == len(rows)
    assert_summary_is_the_definition(session, world, len(rows))
