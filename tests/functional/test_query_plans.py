"""Every page's queries walk an index on PostgreSQL: no sequential scan of ``pathways`` or ``pathway_events``.

The pages (a conseiller's caseload and a file, the dashboard, the délégué's
home and persons, the manager's list) run on the largest of twenty platforms
sharing one database, a tenth of its pathways — the national case in small,
enough rows that the planner picks an index wherever one serves. A plan that
reads either table whole would cost seconds at 500 000 pathways. (SQLite's
planner is not PostgreSQL's: its plans are not judged here.) ``make bench``
checks the same at national size.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bench import data
from bench.http import LARGEST_SLUG, explain_in, target
from pathways.extensions import db


def test_no_page_reads_a_whole_table(app, backend) -> None:
    if backend != "postgresql":
        pytest.skip("the plans judged are PostgreSQL's")
    data.load_national(db.engine, platforms=20, pathways=10_000, largest=1_000)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("ANALYZE"))
    goal = target(db.engine, LARGEST_SLUG)
    assert goal is not None
    failures = explain_in(app, [goal], echo=False)
    assert failures == [], "\n\n".join(failures)
