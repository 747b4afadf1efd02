"""Benchmarks of the exports, each beside a baseline measured in the same run.

- The cohort export (openpyxl write-only, rows streamed with ``yield_per``)
  against the same rows, from the same query, written by xlsxwriter in
  ``constant_memory`` mode: time, then the peak resident memory each adds
  (measured in a forked child, see ``_peak``).
- The bilan (``write_bilan``: every indicator, breakdown, sessions and freins
  sheets) against the same counts by hand-written SQL: the main pass over
  the events, the breakdowns, freins, trainings and sessions.

``make bench`` calls ``run`` on the data ``bench.data`` loaded;
``python -m bench.exports DATABASE_URL [PATHWAYS]`` runs them alone (the
database is migrated and loaded with ``bench.data.load`` when it holds no
pathway). Targets: cohort ≤ 1.3× xlsxwriter and < 150 MB; bilan ≤ 3× SQL. The cohort
is also run as a job (count for the progress bar, progress lines, file
kept) beside the same call made directly, to show what the queue costs.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import xlsxwriter
from sqlalchemy.orm import Session

from bench.engine import Figure
from exports.bilan import write_bilan
from exports.cohort import cohort_rows, columns, write_cohort
from exports.indicators import compute_bilan
from exports.pdf import write_bilan_pdf
from exports.writer import Kind, Percent, cell_value
from pathways.models import Platform

MB = 1024 * 1024


def _timed(function: Callable[[], Any]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak(function: Callable[[], Any], engine: sa.Engine) -> float:
    """Peak resident memory added by ``function``, in MB, measured in a forked child.

    Resident memory, not tracemalloc: it counts what lxml, the database
    driver and zlib allocate in C too, and tracing every allocation would
    slow the run several times over.
    """
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a fresh pool, the peak reset, then the work
        try:
            os.close(read)
            engine.dispose(close=False)
            with open("/proc/self/clear_refs", "w") as clear:
                clear.write("5")  # resets the peak resident size (VmHWM)
            start = _rss()
            function()
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            os.write(write, str((peak - start) / MB).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as answer:
        text = answer.read()
    os.waitpid(pid, 0)
    return float(text or "nan")


def xlsxwriter_cohort(session: Session, platform: Platform, path: Path) -> int:
    """The baseline: the same rows written by xlsxwriter in constant-memory mode."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Cohorte")
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    cols = columns(identified=False)
    sheet.write_row(0, 0, [c.header for c in cols])
    kinds = [c.kind for c in cols]
    number = 0
    for number, values in enumerate(cohort_rows(session, platform, None, None, identified=False), 1):
        for index, value in enumerate(values):
            value = cell_value(value)
            if value is None:
                continue
            if kinds[index] is Kind.DATE:
                sheet.write_datetime(number, index, value, date_format)
            elif isinstance(value, Percent):
                sheet.write_number(number, index, value)
            else:
                sheet.write(number, index, value)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, number, len(cols) - 1)
    book.close()
    return number


PLAIN_SQL = [
    """SELECT sum(CASE WHEN reached = 1 AND ended = 0 THEN 1 ELSE 0 END),
              sum(CASE WHEN reached = 1 AND ended = 0 AND access = 1 THEN 1 ELSE 0 END),
              sum(entered), sum(positive)
       FROM (SELECT e.pathway_id,
               max(CASE WHEN e.to_state IN ('orientation','reinforcement','immersion','training',
                    'employment','follow_up') AND e.occurred_on <= :end THEN 1 ELSE 0 END) AS reached,
               max(CASE WHEN e.to_state IN ('completed','exited') AND e.occurred_on < :start
                    THEN 1 ELSE 0 END) AS ended,
               max(CASE WHEN e.trigger IN ('start_training','sign_contract')
                    AND e.occurred_on BETWEEN :start AND :end THEN 1 ELSE 0 END) AS access,
               max(CASE WHEN e.trigger = 'refer' AND e.occurred_on BETWEEN :start AND :end
                    THEN 1 ELSE 0 END) AS entered,
               max(CASE WHEN e.trigger = 'sign_contract' AND e.occurred_on BETWEEN :start AND :end
                    THEN 1 ELSE 0 END) AS positive
             FROM pathway_events e JOIN pathways p ON p.id = e.pathway_id
             WHERE p.platform_id = :pid GROUP BY e.pathway_id) s""",
    """SELECT e.trigger, count(*) FROM pathway_events e JOIN pathways p ON p.id = e.pathway_id
       WHERE p.platform_id = :pid AND e.occurred_on BETWEEN :start AND :end GROUP BY e.trigger""",
    """SELECT c.contract_type, c.employer_type, c.job_code, count(*)
       FROM contracts c JOIN pathways p ON p.id = c.pathway_id
       WHERE p.platform_id = :pid AND c.starts_on BETWEEN :start AND :end
       GROUP BY c.contract_type, c.employer_type, c.job_code""",
    """SELECT k.still_in_post, count(*) FROM checkpoints k JOIN pathways p ON p.id = k.pathway_id
       WHERE p.platform_id = :pid AND k.month = 6 AND k.recorded_on BETWEEN :start AND :end
       GROUP BY k.still_in_post""",
]


# The accompanied pathways of the period, for the breakdowns below.
ACCOMPANIED = """
    SELECT e.pathway_id,
           max(CASE WHEN e.trigger IN ('start_training','sign_contract')
                AND e.occurred_on BETWEEN :start AND :end THEN 1 ELSE 0 END) AS access,
           min(CASE WHEN e.trigger = 'refer' THEN e.occurred_on END) AS entered_on
    FROM pathway_events e JOIN pathways p ON p.id = e.pathway_id
    WHERE p.platform_id = :pid
    GROUP BY e.pathway_id
    HAVING max(CASE WHEN e.to_state IN ('orientation','reinforcement','immersion','training',
                'employment','follow_up') AND e.occurred_on <= :end THEN 1 ELSE 0 END) = 1
       AND max(CASE WHEN e.to_state IN ('completed','exited') AND e.occurred_on < :start
                THEN 1 ELSE 0 END) = 0"""
BREAKDOWNS = {
    "sex": "pe.sex",
    "diploma": "pe.diploma_level",
    "prescriber": "p.prescriber_type",
    "territory": "p.territory_id",
    # Years between birth and entry, near enough for a timing baseline.
    "age": "CAST((a.entered_on - pe.birth_date) / 365.25 AS INTEGER)",
}
PLAIN_SQL += [
    f"""SELECT {column}, count(*), sum(a.access)
        FROM ({ACCOMPANIED}) a JOIN pathways p ON p.id = a.pathway_id JOIN persons pe ON pe.id = p.person_id
        GROUP BY {column}"""
    for column in BREAKDOWNS.values()
] + [
    f"""SELECT sum(CASE WHEN pe.is_job_seeker THEN 1 ELSE 0 END), sum(CASE WHEN pe.is_rsa_beneficiary
               THEN 1 ELSE 0 END), sum(CASE WHEN pe.is_reconversion THEN 1 ELSE 0 END),
               sum(CASE WHEN pe.is_rqth THEN 1 ELSE 0 END), sum(CASE WHEN pe.is_bpi THEN 1 ELSE 0 END),
               sum(CASE WHEN pe.is_qpv_resident THEN 1 ELSE 0 END),
               sum(CASE WHEN pe.is_zrr_resident THEN 1 ELSE 0 END)
        FROM ({ACCOMPANIED}) a JOIN pathways p ON p.id = a.pathway_id
        JOIN persons pe ON pe.id = p.person_id""",
    """SELECT b.category, count(*) FROM barriers b JOIN pathways p ON p.id = b.pathway_id
       WHERE p.platform_id = :pid AND b.identified_on BETWEEN :start AND :end GROUP BY b.category""",
    """SELECT b.category, count(DISTINCT b.id) FROM barrier_status_changes c
       JOIN barriers b ON b.id = c.barrier_id JOIN pathways p ON p.id = b.pathway_id
       WHERE p.platform_id = :pid AND c.status = 'resolved' AND c.changed_on BETWEEN :start AND :end
       GROUP BY b.category""",
    """SELECT t.result, count(*) FROM trainings t JOIN pathways p ON p.id = t.pathway_id
       WHERE p.platform_id = :pid AND t.ends_on BETWEEN :start AND :end GROUP BY t.result""",
    """SELECT count(*) FROM info_sessions WHERE platform_id = :pid AND held_on BETWEEN :start AND :end""",
    """SELECT count(*) FROM orientation_weeks
       WHERE platform_id = :pid AND starts_on BETWEEN :start AND :end""",
    # Version 2: persons, the funnel of the period's entrants, the delays' day pairs.
    """SELECT count(DISTINCT p.person_id) FROM pathway_events e JOIN pathways p ON p.id = e.pathway_id
       WHERE p.platform_id = :pid AND e.trigger = 'refer' AND e.occurred_on BETWEEN :start AND :end""",
    """SELECT level, count(*) FROM (
         SELECT p.person_id, max(CASE WHEN e.to_state IN ('follow_up','completed') THEN 3
                WHEN e.to_state IN ('immersion','training','employment') THEN 2
                WHEN e.to_state IN ('orientation','reinforcement') THEN 1 ELSE 0 END) AS level
         FROM pathway_events e JOIN pathways p ON p.id = e.pathway_id
         JOIN pathway_events f ON f.pathway_id = p.id AND f.sequence = 1
         WHERE p.platform_id = :pid AND f.occurred_on BETWEEN :start AND :end AND e.occurred_on <= :end
         GROUP BY p.person_id) s GROUP BY level""",
    *[
        f"""SELECT e.occurred_on, f.occurred_on, count(*) FROM pathway_events e
            JOIN pathways p ON p.id = e.pathway_id
            JOIN pathway_events f ON f.pathway_id = e.pathway_id AND f.sequence = 1
            WHERE p.platform_id = :pid AND e.trigger = '{trigger}'
              AND e.occurred_on BETWEEN :start AND :end GROUP BY e.occurred_on, f.occurred_on"""
        for trigger in ("start_orientation", "start_training", "sign_contract")
    ],
    """SELECT t.certification_code, t.funding, count(*)
       FROM trainings t JOIN pathways p ON p.id = t.pathway_id
       WHERE p.platform_id = :pid AND t.starts_on BETWEEN :start AND :end
       GROUP BY t.certification_code, t.funding""",
]


def plain_sql_counts(engine: sa.Engine, platform_id: int, start: date, end: date) -> list[Any]:
    with engine.connect() as connection:
        return [
            connection.execute(sa.text(query), {"pid": platform_id, "start": start, "end": end}).all()
            for query in PLAIN_SQL
        ]


def cohort_job(session: Session, platform: Platform, folder: Path, period: tuple[date, date]) -> None:
    """The cohort through the job queue (run at once: the bench app is in immediate mode)."""
    from flask import current_app

    from exports.jobs import request_export
    from pathways.models import User
    from pathways.vocabulary import JobStatus, Role

    current_app.config["JOBS_FOLDER"] = str(folder / "jobs")
    manager = session.scalar(
        sa.select(User).where(User.platform_id == platform.id, User.role == Role.MANAGER).limit(1)
    )
    if manager is None:
        manager = User(
            email="bench-manager@example.fr", password_hash="-", role=Role.MANAGER, platform=platform
        )
        session.add(manager)
        session.flush()
    job = request_export(session, manager, platform, "cohort", *period)
    session.commit()  # runs the job
    session.refresh(job)
    assert job.status is JobStatus.DONE, job.error_message


def run(session: Session, engine: sa.Engine, loaded: Any) -> list[Figure]:
    platform = session.get(Platform, loaded.platform_id)
    assert platform is not None
    year = date.today().year - 1
    start, end = date(year, 1, 1), date(year, 12, 31)
    figures = []
    with tempfile.TemporaryDirectory(prefix="pathways-exports-") as folder:
        ours, theirs = Path(folder) / "cohort.xlsx", Path(folder) / "baseline.xlsx"

        def cohort() -> None:
            write_cohort(session, platform, ours, actor=None)
            session.rollback()  # the audit line

        def baseline() -> None:
            xlsxwriter_cohort(session, platform, theirs)
            session.rollback()  # no connection held across the fork of ``_peak``

        baseline()  # warm the database cache for both
        cohort_time, baseline_time = _timed(cohort), _timed(baseline)
        figures.append(
            Figure(
                f"cohort export, {loaded.pathways} rows (vs xlsxwriter constant_memory)",
                cohort_time,
                baseline_time,
            )
        )
        figures.append(
            Figure(
                "cohort export peak resident memory added (vs xlsxwriter constant_memory)",
                _peak(cohort, engine),
                _peak(baseline, engine),
                "MB",
            )
        )
        period = (date(2000, 1, 1), date.today())

        def direct() -> None:
            write_cohort(session, platform, ours, actor=None, start=period[0], end=period[1])
            session.rollback()

        figures.append(
            Figure(
                "cohort export as a job: count, progress, file (vs the same call, direct)",
                _timed(lambda: cohort_job(session, platform, Path(folder), period)),
                _timed(direct),
            )
        )

        def bilan() -> None:
            write_bilan(session, platform, start, end, Path(folder) / "bilan.xlsx", actor=None)
            session.rollback()

        plain_sql_counts(engine, platform.id, start, end)  # warm
        bilan()  # warm the ORM's and openpyxl's first use
        bilan_time = _timed(bilan)
        sql_time = _timed(lambda: plain_sql_counts(engine, platform.id, start, end))
        figures.append(
            Figure(
                f"bilan {year}, {loaded.events} events (vs the same counts in plain SQL)",
                bilan_time,
                sql_time,
            )
        )

        def report() -> None:
            write_bilan_pdf(session, platform, start, end, Path(folder) / "bilan.pdf", actor=None)
            session.rollback()

        def indicators() -> None:
            compute_bilan(session, platform, start, end)
            session.rollback()

        figures.append(
            Figure(
                f"bilan {year} as PDF report (vs computing its indicators alone)",
                _timed(report),
                _timed(indicators),
            )
        )
    return figures


def main(argv: list[str] | None = None) -> None:
    """``python -m bench.exports DATABASE_URL [PATHWAYS]``: load if empty, then measure."""
    from flask_migrate import upgrade

    from bench import data
    from pathways import create_app
    from pathways.extensions import db
    from pathways.models import Pathway, PathwayEvent

    args = sys.argv[1:] if argv is None else argv
    if not args:
        raise SystemExit("usage: python -m bench.exports DATABASE_URL [PATHWAYS]")
    url, pathways = args[0], int(args[1]) if len(args) > 1 else 100_000
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        upgrade()
        existing = db.session.scalar(sa.select(sa.func.count()).select_from(Pathway))
        if existing:
            platform_id = db.session.scalar(sa.select(Pathway.platform_id).limit(1))
            events = db.session.scalar(sa.select(sa.func.count()).select_from(PathwayEvent))
            loaded: Any = data.Loaded(platform_id, [], existing, events)
        else:
            started = time.perf_counter()
            loaded = data.load(db.engine, pathways)
            elapsed = time.perf_counter() - started
            print(f"loaded {loaded.pathways} pathways, {loaded.events} events in {elapsed:.1f}s")
        for figure in run(db.session, db.engine, loaded):
            print(
                f"{figure.name:<80} {figure.measured:>9.3f}{figure.unit:<2} "
                f"{figure.baseline:>9.3f}{figure.unit:<2} {figure.ratio:>6.2f}x"
            )


if __name__ == "__main__":
    main()
