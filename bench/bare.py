"""The baseline of the HTTP benchmark: bare Flask pages running the same queries as the real ones.

Each page calls the very query functions of its real counterpart (the
services' own statements, on a plain SQLAlchemy session over the same
engine settings) and writes the rows into a minimal HTML table: no login,
no session check, no scope resolution, no CSRF or CSP, no layout, no audit.
The ratio of a real page to its bare one is what the application adds to
the queries it must run. Served by gunicorn like the application
(``gunicorn bench.bare:app`` with ``BENCH_DATABASE_URL``).
"""

from __future__ import annotations

import gc
import html
import os
from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from pathways.config import engine_options
from pathways.models import Pathway
from pathways.services.caseload import CaseloadFilters, alert_counts, caseload, state_counts
from pathways.services.dashboard import adviser_loads_page, cohorts_as_they_stand, funnel_as_it_stands
from pathways.services.pathway_file import pathway_file
from pathways.services.workspace import current_and_upcoming_weeks, session_visibility, upcoming_info_sessions
from pathways.states import State

app = Flask(__name__)
_url = os.environ.get("BENCH_DATABASE_URL", "sqlite://")
engine = sa.create_engine(_url, **engine_options(_url))


def _table(rows: Iterable[Iterable[object]]) -> str:
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(value))}</td>" for value in row) + "</tr>" for row in rows
    )
    return f"<!doctype html><title>bare</title><table>{body}</table>"


def _ids(text: str) -> list[int]:
    return [int(part) for part in text.split(",")]


def _delegate_scope(platform_id: int, delegate_id: int, territory_ids: list[int]) -> sa.ColumnElement[bool]:
    return sa.and_(
        Pathway.platform_id == platform_id,
        sa.or_(
            Pathway.delegate_id == delegate_id,
            sa.and_(
                Pathway.territory_id.in_(territory_ids),
                sa.or_(
                    Pathway.state.in_((State.REFERRED, State.INFO_SESSION, State.ORIENTATION)),
                    Pathway.adviser_id.is_(None),
                ),
            ),
        ),
    )


@app.get("/caseload/<int:platform_id>/<advisers>")
def caseload_page(platform_id: int, advisers: str) -> str:
    """The conseiller's caseload: its page of rows with their alerts, and the alerts' counts."""
    scope = sa.and_(Pathway.platform_id == platform_id, Pathway.adviser_id.in_(_ids(advisers)))
    with Session(engine) as session:
        page = caseload(session, scope, CaseloadFilters())
        counts = alert_counts(session, scope)
    rows = [(r.full_name, r.state.label, r.last_contact, len(r.alerts)) for r in page.rows]
    return _table([*rows, *counts.items()])


@app.get("/file/<int:pathway_id>")
def file_page(pathway_id: int) -> str:
    """The pathway file's read model."""
    with Session(engine) as session:
        pathway = session.get_one(Pathway, pathway_id)
        file = pathway_file(session, pathway, health_visible=True)
        rows = [(pathway.person.full_name, pathway.state.label)]
        rows += [(e.sequence, e.trigger.value, e.occurred_on) for e in file.events]
        rows += [(o.trigger.value,) for o in file.options]
        rows += [(c.starts_on, c.employer.name) for c in file.contracts]
    return _table(rows)


@app.get("/dashboard/<int:platform_id>")
def dashboard_page(platform_id: int) -> str:
    """The manager's dashboard: funnel, cohorts, a page of conseillers, the alerts' counts."""
    with Session(engine) as session:
        steps = funnel_as_it_stands(session, platform_id)
        quarters = cohorts_as_they_stand(session, platform_id)
        loads = adviser_loads_page(session, platform_id)
        counts = alert_counts(session, Pathway.platform_id == platform_id, platform_id=platform_id)
    rows = [(s.label, *s.counts) for s in steps] + [(c.label, *c.outcomes.values()) for c in quarters]
    rows += [(load.name, load.in_progress, load.with_alert) for load in loads.rows] + list(counts.items())
    return _table(rows)


@app.get("/delegate/<int:platform_id>/<int:delegate_id>/<territories>")
def delegate_page(platform_id: int, delegate_id: int, territories: str) -> str:
    """The délégué's home: the totals before the handover, the sessions and weeks to come."""
    territory_ids = _ids(territories)
    scope = _delegate_scope(platform_id, delegate_id, territory_ids)
    from pathways.models import InfoSession, OrientationWeek

    today = date.today()
    with Session(engine) as session:
        totals = state_counts(session, scope, (State.REFERRED, State.INFO_SESSION, State.ORIENTATION))
        sessions = upcoming_info_sessions(
            session, platform_id, session_visibility(InfoSession, territory_ids, delegate_id), today
        )
        weeks = current_and_upcoming_weeks(
            session, platform_id, session_visibility(OrientationWeek, territory_ids, delegate_id), today
        )
    return _table([*totals.items(), *sessions, *weeks])


@app.get("/persons/<int:platform_id>/<int:delegate_id>/<territories>")
def persons_page(platform_id: int, delegate_id: int, territories: str) -> str:
    """The délégué's persons: a page of the pathways in their scope."""
    with Session(engine) as session:
        scope = _delegate_scope(platform_id, delegate_id, _ids(territories))
        page = caseload(session, scope, CaseloadFilters())
    return _table([(r.full_name, r.state.label, r.last_contact, len(r.alerts)) for r in page.rows])


@app.get("/list/<int:platform_id>")
def platform_list_page(platform_id: int) -> str:
    """The manager's list: a page of the platform's pathways by alerts, and the platform's alert counts."""
    scope = Pathway.platform_id == platform_id
    with Session(engine) as session:
        page = caseload(session, scope, CaseloadFilters())
        counts = alert_counts(session, scope, platform_id=platform_id)
    rows = [(r.full_name, r.state.label, r.adviser, r.last_contact, len(r.alerts)) for r in page.rows]
    return _table([*rows, *counts.items()])


if os.environ.get("BENCH_GC_FREEZE", "1") == "1":
    gc.freeze()  # as the application does once loaded
