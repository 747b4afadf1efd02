"""Migrations: one head, models and migrations agree, upgrade/downgrade round trip with data."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade

from pathways import MIGRATIONS_DIRECTORY
from pathways.extensions import db, migrate
from pathways.models import Pathway, PathwayEvent, Person
from pathways.states import State
from tests.conftest import make_app
from tests.factories import make_pathway, make_world


def script_directory(app: Flask) -> ScriptDirectory:
    config = migrate.get_config(MIGRATIONS_DIRECTORY)
    return ScriptDirectory.from_config(config)


def test_single_head(app: Flask) -> None:
    assert len(script_directory(app).get_heads()) == 1


def test_models_and_migrations_agree(app: Flask) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


@pytest.fixture
def empty_database(backend: str, database_url: str, tmp_path) -> str:
    """A database of its own, next to the test one, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'roundtrip.db'}"
        return
    name = f"roundtrip_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    yield database_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


def test_upgrade_downgrade_round_trip_keeps_data(empty_database: str, monkeypatch) -> None:
    from pathways import clock

    monkeypatch.setattr(clock, "today", lambda: date(2026, 6, 15))
    app = make_app(empty_database)
    with app.app_context():
        upgrade()
        world = make_world(db.session, "allers-retours")
        for state in (State.TRAINING, State.COMPLETED, State.ON_HOLD):
            make_pathway(db.session, world, state, start=date(2025, 2, 3))
        db.session.commit()

        def snapshot() -> tuple[int, int, int]:
            return tuple(
                db.session.scalar(sa.select(sa.func.count()).select_from(model))
                for model in (Person, Pathway, PathwayEvent)
            )

        before = snapshot()
        db.session.remove()
        # Every migration after the first steps down and up again over real data.
        revisions = list(script_directory(app).walk_revisions())
        for _revision in revisions[:-1]:
            downgrade(revision="-1")
            upgrade(revision="+1")
        assert snapshot() == before
        db.session.remove()
        # And the whole schema goes away and comes back.
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Pathway)) == 0
        assert db.session.scalar(sa.text("SELECT count(*) FROM jobs")) > 0
        db.session.remove()
        db.engine.dispose()
