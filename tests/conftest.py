"""Test fixtures: every database test runs on SQLite and on PostgreSQL.

The ``backend`` fixture is parametrised over both; the PostgreSQL cluster is
a throwaway one started once for the run (see ``tools/pgcluster.py``). Each
backend is migrated once with Alembic; after each test the tables are
emptied (reference lists kept), which also lets tests commit for real, as
the concurrency tests must.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy.orm import Session

from pathways import clock, create_app, passwords
from pathways.extensions import db
from tools.pgcluster import running_cluster

# Cheap argon2 parameters: hashing cost is not what the tests are about.
passwords.use_hasher(PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))

BACKENDS = ["sqlite", "postgresql"]
# The tests' key for the columns encrypted at rest (never the project's instance/ file).
TEST_ENCRYPTION_KEY = "53PotJ8lbmRumcooM9RHPp1eMYjMk5Itd8-1pRbztjU="
REFERENCE_TABLES = {"jobs", "certifications", "alembic_version"}

_stack = ExitStack()
_urls: dict[str, str] = {}


def backend_url(backend: str, tmp_root: Path) -> str:
    """A database URL for ``backend``, the PostgreSQL cluster started on first use."""
    if backend not in _urls:
        if backend == "sqlite":
            _urls[backend] = f"sqlite:///{tmp_root / 'tests.db'}"
        else:
            _urls[backend] = _stack.enter_context(running_cluster())
    return _urls[backend]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _stack.close()


def make_app(url: str, **overrides: object) -> Flask:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret-key",
        "ENCRYPTION_KEYS": [TEST_ENCRYPTION_KEY],
        "SERVER_NAME": "localhost",
        # Result files of jobs: never in the project's instance/ folder.
        "JOBS_FOLDER": str(Path(tempfile.gettempdir()) / f"pathways-test-jobs-{os.getpid()}"),
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    return backend_url(backend, tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def migrated_app(database_url: str) -> Flask:
    app = make_app(database_url)
    with app.app_context():
        upgrade()
    return app


def empty_tables(engine: sa.Engine) -> None:
    tables = [t for t in db.metadata.sorted_tables if t.name not in REFERENCE_TABLES]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                connection.execute(table.delete())


@pytest.fixture
def app(migrated_app: Flask) -> Iterator[Flask]:
    with migrated_app.app_context():
        yield migrated_app
        db.session.rollback()
        db.session.remove()
        empty_tables(db.engine)


@pytest.fixture
def session(app: Flask) -> Session:
    """The application's session, as services receive it."""
    return db.session


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> date:
    """Freeze the platforms' today on a fixed date."""
    frozen = date(2026, 6, 15)
    monkeypatch.setattr(clock, "today", lambda: frozen)
    return frozen


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # `PATHWAYS_TEST_BACKENDS=sqlite` runs one backend while developing; CI runs both.
    wanted = os.environ.get("PATHWAYS_TEST_BACKENDS")
    if not wanted:
        return
    keep = set(wanted.split(","))
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec and callspec.params.get("backend") not in (None, *keep):
            item.add_marker(pytest.mark.skip(reason=f"backend not in {wanted}"))
