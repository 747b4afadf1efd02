"""The import's benchmark: 10 000 rows verified, then imported, beside plain executemany of the same rows.

Into a new platform of the bench database (so the platform's existing
persons are looked up as in production), from an .xlsx of every path of
the field (``bench.caseload``). The baseline, measured in the same run, is
the floor any import pays: the very rows the import wrote, read back and
inserted again with the driver's own ``executemany`` (ids shifted, nothing
computed, no file read), then committed. Figures are printed, never asserted.

``python -m bench.imports DATABASE_URL [ROWS]`` runs it alone.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bench.caseload import caseload_rows, write_xlsx
from bench.engine import Figure
from pathways import clock
from pathways.imports.service import import_file, run_import, verify
from pathways.imports.writer import TABLE_ORDER
from pathways.models import Platform, Territory, User
from pathways.services.platform import create_platform, create_territory, create_user
from pathways.vocabulary import Role

ROWS = 10_000
# Written once per import, shared by many rows: not copied (their names are unique).
REFERENCE_TABLES = {"employers", "training_organisations", "info_sessions", "orientation_weeks"}


def _world(session: Session) -> tuple[Platform, Territory, User, User, User]:
    slug = f"import-{time.time_ns()}"
    platform = create_platform(session, slug, "Banc d'essai de l'import")
    territory = create_territory(session, platform, "Territoire de l'import")
    password = "banc-essai-import-2026"
    manager = create_user(
        session, email=f"r@{slug}.fr", role=Role.MANAGER, password=password, platform=platform
    )
    delegate = create_user(
        session,
        email=f"d@{slug}.fr",
        role=Role.DELEGATE,
        password=password,
        platform=platform,
        territories=[territory],
    )
    adviser = create_user(
        session, email=f"c@{slug}.fr", role=Role.ADVISER, password=password, platform=platform
    )
    session.commit()
    return platform, territory, manager, delegate, adviser


def _highest_ids(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            model.__table__.name: connection.scalar(sa.select(sa.func.max(model.__table__.c.id))) or 0
            for model in TABLE_ORDER
        }


def plain_executemany(
    engine: sa.Engine, before: dict[str, int], after: dict[str, int]
) -> tuple[float, float]:
    """The rows the import wrote, inserted again by executemany: (wall, CPU) seconds, with commit."""
    tables = [m.__table__ for m in TABLE_ORDER if m.__table__.name not in REFERENCE_TABLES]
    shift = {name: after[name] - before[name] for name in after}
    placeholder = "%s" if engine.dialect.name == "postgresql" else "?"
    prepared = []
    with engine.connect() as connection:
        for table in tables:
            columns = [c.name for c in table.columns]
            remap = {
                index: next(iter(column.foreign_keys)).column.table.name
                for index, column in enumerate(table.columns)
                if column.foreign_keys
                and next(iter(column.foreign_keys)).column.table.name in shift
                and next(iter(column.foreign_keys)).column.table.name not in REFERENCE_TABLES
            }
            rows = []
            for row in connection.exec_driver_sql(
                f"SELECT {', '.join(columns)} FROM {table.name} WHERE id > {before[table.name]}"
            ):
                values = list(row)
                values[columns.index("id")] += shift[table.name]
                for index, target in remap.items():
                    if values[index] is not None and values[index] > before[target]:
                        values[index] += shift[target]
                rows.append(tuple(values))
            statement = (
                f"INSERT INTO {table.name} ({', '.join(columns)}) "
                f"VALUES ({', '.join([placeholder] * len(columns))})"
            )
            prepared.append((table.name, statement, rows))
    raw = engine.raw_connection()
    try:
        started, cpu = time.perf_counter(), time.process_time()
        cursor = raw.cursor()
        for _name, statement, rows in prepared:
            if rows:
                if engine.dialect.name == "postgresql":
                    # The JSON columns come back as Python values: send them as JSON again.
                    from psycopg.types.json import Json

                    rows = [tuple(Json(v) if isinstance(v, dict | list) else v for v in r) for r in rows]
                cursor.executemany(statement, rows)
        raw.commit()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        for name, _statement, _rows in reversed(prepared):
            cursor.execute(f"DELETE FROM {name} WHERE id > {after[name]}")
        raw.commit()
    finally:
        raw.close()
    return elapsed, cpu


def run(session: Session, engine: sa.Engine, loaded: object = None, rows: int = ROWS) -> list[Figure]:
    platform, territory, manager, delegate, adviser = _world(session)
    today = clock.today()
    caseload = caseload_rows(
        rows, today, adviser=adviser.email, delegate=delegate.email, territory=territory.name
    )
    path = write_xlsx(Path(tempfile.mkdtemp(prefix="pathways-import-")) / "parcours.xlsx", caseload)

    started, cpu = time.perf_counter(), time.process_time()
    verification = verify(session, platform, path, actor=manager)
    verify_time, verify_cpu = time.perf_counter() - started, time.process_time() - cpu
    session.rollback()
    assert verification.report.ok, verification.report.problems[:5]

    before = _highest_ids(engine)
    started, cpu = time.perf_counter(), time.process_time()
    report = run_import(session, platform, path, actor=manager)
    session.commit()
    import_time, import_cpu = time.perf_counter() - started, time.process_time() - cpu
    assert report.ok
    assert report.pathways_created == rows
    after = _highest_ids(engine)
    written = sum(after[name] - before[name] for name in after)
    baseline, baseline_cpu = plain_executemany(engine, before, after)
    path.unlink()

    # As the web confirms it (``import_file``): checked again, then written and committed as it
    # goes — on SQLite in chunks of short transactions, pauses between them included.
    platform, territory, manager, delegate, adviser = _world(session)
    caseload = caseload_rows(
        rows, today, adviser=adviser.email, delegate=delegate.email, territory=territory.name
    )
    path = write_xlsx(Path(tempfile.mkdtemp(prefix="pathways-import-")) / "parcours.xlsx", caseload)
    started, cpu = time.perf_counter(), time.process_time()
    confirmed = import_file(session, platform, path, actor=manager)
    web_time, web_cpu = time.perf_counter() - started, time.process_time() - cpu
    assert confirmed.pathways_created == rows
    path.unlink()

    return [
        Figure(
            f"import: verify {rows} rows (.xlsx), vs plain executemany of its {written} rows",
            verify_time,
            baseline,
        ),
        Figure(f"import: import {rows} rows (verify, write, commit), vs the same", import_time, baseline),
        Figure("import: the same as the web confirms it (chunks on SQLite), vs the same", web_time, baseline),
        Figure(
            "  import: rows of the file per second (baseline: the same rows)",
            rows / import_time,
            rows / baseline,
            "/s",
        ),
        Figure("  verify, CPU seconds of this process (the machine is shared)", verify_cpu, baseline_cpu),
        Figure("  import, CPU seconds of this process", import_cpu, baseline_cpu),
        Figure("  import as the web confirms it, CPU seconds of this process", web_cpu, baseline_cpu),
    ]


if __name__ == "__main__":
    from flask_migrate import upgrade

    from bench.__main__ import print_figures
    from pathways import create_app
    from pathways.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        upgrade()
        figures = run(db.session, db.engine, rows=int(sys.argv[2]) if len(sys.argv) > 2 else ROWS)
        print_figures(db.engine.dialect.name, figures)
