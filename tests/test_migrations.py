"""Migrations: one head, models and migrations agree, upgrade/downgrade round trip with data."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade

from pathways import MIGRATIONS_DIRECTORY
from pathways.extensions import db, migrate
from pathways.models import Pathway, PathwayEvent, Person, PersonStanding
from pathways.services import standing
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


def _condition(clause: object) -> str | None:
    """An index's condition as text to compare: PostgreSQL adds casts and brackets when it reflects."""
    if clause is None:
        return None
    text = str(clause).lower().replace("::text", "")
    return "".join(ch for ch in text if ch not in "() ")


def test_partial_and_covering_indexes_are_the_models(app: Flask) -> None:
    """What autogenerate leaves out: each index's condition and, on PostgreSQL, the columns it carries."""
    dialect = db.engine.dialect.name
    inspector = sa.inspect(db.engine)
    checked = 0
    for table in db.metadata.sorted_tables:
        reflected = {index["name"]: index for index in inspector.get_indexes(table.name)}
        for index in table.indexes:
            found = reflected[index.name]
            options = index.dialect_options[dialect]
            wanted_where = _condition(options.get("where"))
            assert _condition(found.get("dialect_options", {}).get(f"{dialect}_where")) == wanted_where, index.name
            if dialect == "postgresql":
                carried = found.get("dialect_options", {}).get("postgresql_include") or []
                assert list(carried) == list(options.get("include") or []), index.name
            checked += bool(wanted_where) or bool(options.get("include"))
    # The partial indexes of the planned steps, the alerts, the notice, and the funnel's covering one.
    assert checked >= 6


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
        # The persons' standings, dropped and filled again from the pathways by their migration.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PersonStanding)) == 3
        assert standing.mismatches(db.session) == []
        db.session.remove()
        # And the whole schema goes away and comes back.
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Pathway)) == 0
        assert db.session.scalar(sa.text("SELECT count(*) FROM jobs")) > 0
        db.session.remove()
        db.engine.dispose()


VERSION_1 = "d75d279fd874"


def _insert(connection: sa.Connection, tables: dict[str, sa.Table], table_name: str, **values: object) -> int:
    """Insert a row at the version-1 schema, filling the NOT NULL columns the test does not care about."""
    table = tables[table_name]
    for column in table.columns:
        if column.name in values or column.nullable or column.primary_key:
            continue
        if isinstance(column.type, sa.Boolean):
            values[column.name] = False
        elif isinstance(column.type, sa.DateTime):
            values[column.name] = datetime(2025, 1, 1, tzinfo=UTC)
        elif isinstance(column.type, sa.Integer):
            values[column.name] = 1
        elif isinstance(column.type, sa.JSON):
            values[column.name] = {}
        else:
            values[column.name] = "x"
    return connection.execute(table.insert().values(**values)).inserted_primary_key[0]


def test_version_2_carries_existing_pathways_over_and_back(empty_database: str, monkeypatch) -> None:
    """Steps re-dated by their records where the history stays in order; kinds of diagnostics; undone
    by the downgrade; the replay of every pathway still equals its state."""
    from pathways import clock
    from pathways.services.pathway import replay

    monkeypatch.setattr(clock, "today", lambda: date(2026, 6, 15))
    app = make_app(empty_database)
    with app.app_context():
        upgrade(revision=VERSION_1)
        metadata = sa.MetaData()
        metadata.reflect(db.engine)
        tables = dict(metadata.tables)
        with db.engine.begin() as c:
            platform = _insert(c, tables, "platforms", slug="v1", name="Plateforme v1")
            person = _insert(
                c,
                tables,
                "persons",
                platform_id=platform,
                last_name="Ancien",
                first_name="Awa",
                birth_date=date(1990, 1, 1),
            )
            week = _insert(
                c,
                tables,
                "orientation_weeks",
                platform_id=platform,
                starts_on=date(2025, 2, 3),
                place="Mantes",
                seats=10,
            )
            employer = _insert(
                c, tables, "employers", platform_id=platform, name="SAAD", employer_type="saad"
            )
            organisation = _insert(c, tables, "training_organisations", platform_id=platform, name="GRETA")
            pathway = _insert(
                c,
                tables,
                "pathways",
                platform_id=platform,
                person_id=person,
                state="follow_up",
                last_event_on=date(2025, 6, 2),
                version=1,
            )
            training = _insert(
                c,
                tables,
                "trainings",
                pathway_id=pathway,
                organisation_id=organisation,
                certification_code="TP_ADVF",
                funding="prf",
                starts_on=date(2025, 6, 10),
                result="obtained",
                ends_on=date(2025, 9, 20),
            )
            contract = _insert(
                c,
                tables,
                "contracts",
                pathway_id=pathway,
                employer_id=employer,
                employer_type="saad",
                job_code="K1311",
                contract_type="cdi",
                starts_on=date(2025, 6, 16),
            )  # after the event: typed ahead, left alone
            events = [
                ("refer", None, "referred", date(2025, 1, 20), {}),
                (
                    "start_orientation",
                    "referred",
                    "orientation",
                    date(2025, 1, 30),
                    {"orientation_week_id": week},
                ),
                ("start_training", "orientation", "training", date(2025, 2, 20), {"training_id": training}),
                ("sign_contract", "training", "follow_up", date(2025, 6, 2), {"contract_id": contract}),
            ]
            for sequence, (trigger, source, target, day, details) in enumerate(events, start=1):
                _insert(
                    c,
                    tables,
                    "pathway_events",
                    pathway_id=pathway,
                    sequence=sequence,
                    trigger=trigger,
                    from_state=source,
                    to_state=target,
                    occurred_on=day,
                    details=details,
                )
            for month in (1, 3, 6):
                _insert(
                    c,
                    tables,
                    "checkpoints",
                    contract_id=contract,
                    pathway_id=pathway,
                    month=month,
                    due_on=date(2025, 6 + month, 16),
                )
            week_diagnostic = _insert(
                c,
                tables,
                "diagnostics",
                pathway_id=pathway,
                written_on=date(2025, 2, 7),
                project_validated=True,
            )

        def dates() -> list[tuple[str, date, date | None]]:
            return [
                (row.trigger, row.occurred_on, row.redated_from)
                for row in db.session.execute(
                    sa.text("SELECT trigger, occurred_on, redated_from FROM pathway_events ORDER BY sequence")
                )
            ]

        upgrade()
        db.session.remove()
        after = [(t, d if isinstance(d, date) else date.fromisoformat(d)) for t, d, _ in dates()]
        assert after == [
            ("refer", date(2025, 1, 20)),
            ("start_orientation", date(2025, 2, 3)),  # the week's first day
            # The training's first day (10/06) would come after the contract's event: left as it was.
            ("start_training", date(2025, 2, 20)),
            ("sign_contract", date(2025, 6, 16)),  # the contract's first day
        ]
        stored = db.session.get(Pathway, pathway)
        assert stored.last_event_on == date(2025, 6, 16)
        assert stored.state is replay(list(stored.events))
        kind, week_id = db.session.execute(
            sa.text("SELECT kind, week_id FROM diagnostics WHERE id = :id"), {"id": week_diagnostic}
        ).one()
        assert (kind, week_id) == ("orientation_week", week)
        db.session.remove()

        downgrade(revision=VERSION_1)
        back = db.session.execute(
            sa.text("SELECT occurred_on FROM pathway_events ORDER BY sequence")
        ).scalars()
        assert [d if isinstance(d, date) else date.fromisoformat(d) for d in back] == [e[3] for e in events]
        db.session.remove()
        upgrade()
        assert len(dates()) == 4
        db.session.remove()
        db.engine.dispose()


ATTENDANCE_STATUSES = "8fda351a4c94"


def test_attendance_becomes_a_status_with_nothing_lost_and_back(empty_database: str) -> None:
    """Issue 11: present true → « présent », false → « absent », unknown → « inscrit »; and back."""
    app = make_app(empty_database)
    with app.app_context():
        upgrade(revision=f"{ATTENDANCE_STATUSES}-1")
        metadata = sa.MetaData()
        metadata.reflect(db.engine)
        tables = dict(metadata.tables)
        with db.engine.begin() as c:
            platform = _insert(c, tables, "platforms", slug="ic", name="Plateforme IC")
            session_id = _insert(
                c, tables, "info_sessions", platform_id=platform, held_on=date(2025, 3, 4), place="Mantes", seats=12
            )
            ids = {}
            for name, present in (("Present", True), ("Absent", False), ("Inconnu", None)):
                person = _insert(
                    c,
                    tables,
                    "persons",
                    platform_id=platform,
                    last_name=name,
                    first_name="Awa",
                    birth_date=date(1990, 1, 1),
                )
                ids[name] = _insert(
                    c,
                    tables,
                    "info_session_attendances",
                    session_id=session_id,
                    person_id=person,
                    present=present,
                )
        upgrade()

        def statuses() -> dict[int, str]:
            with db.engine.connect() as c:
                return dict(c.execute(sa.text("SELECT id, status FROM info_session_attendances")).all())

        assert statuses() == {ids["Present"]: "present", ids["Absent"]: "absent", ids["Inconnu"]: "registered"}
        with db.engine.connect() as c:
            persons = c.execute(sa.text("SELECT email_allowed, sms_allowed FROM persons")).all()
        assert {tuple(bool(v) for v in row) for row in persons} == {(True, False)}  # e-mail unless refused
        with db.engine.begin() as c:
            c.execute(
                sa.text("UPDATE info_session_attendances SET status = 'excused' WHERE id = :id"),
                {"id": ids["Inconnu"]},
            )
        downgrade(revision=f"{ATTENDANCE_STATUSES}-1")
        with db.engine.connect() as c:
            present = dict(c.execute(sa.text("SELECT id, present FROM info_session_attendances")).all())
        assert {k: (None if v is None else bool(v)) for k, v in present.items()} == {
            ids["Present"]: True,
            ids["Absent"]: False,
            ids["Inconnu"]: False,  # excused: absent, as version 1 knew it
        }
        upgrade()
        assert statuses()[ids["Present"]] == "present"
        db.session.remove()
        db.engine.dispose()


BEFORE_PRIVACY = "8fda351a4c94"


def test_personal_data_migration_encrypts_existing_rows_and_the_downgrade_decrypts(
    empty_database: str, monkeypatch
) -> None:
    """Notes and freins written in clear before issue 12 are encrypted by the upgrade, readable through the
    models, decrypted by the downgrade; the downgrade refuses once a notice given would be lost."""
    from pathways import clock
    from pathways.models import Barrier, BarrierStatusChange, Note

    monkeypatch.setattr(clock, "today", lambda: date(2026, 6, 15))
    app = make_app(empty_database)
    with app.app_context():
        upgrade(revision=BEFORE_PRIVACY)
        metadata = sa.MetaData()
        metadata.reflect(db.engine)
        tables = dict(metadata.tables)
        with db.engine.begin() as c:
            platform = _insert(c, tables, "platforms", slug="p12", name="Plateforme 12")
            person = _insert(
                c,
                tables,
                "persons",
                platform_id=platform,
                last_name="Clair",
                first_name="Ada",
                birth_date=date(1990, 1, 1),
            )
            pathway = _insert(
                c,
                tables,
                "pathways",
                platform_id=platform,
                person_id=person,
                state="referred",
                last_event_on=date(2025, 1, 6),
                version=1,
            )
            _insert(c, tables, "notes", pathway_id=pathway, written_on=date(2025, 1, 7), body="Note en clair")
            barrier = _insert(
                c,
                tables,
                "barriers",
                pathway_id=pathway,
                category="health",
                status="identified",
                identified_on=date(2025, 1, 7),
                details="Précision en clair",
                version=1,
            )
            _insert(
                c,
                tables,
                "barrier_status_changes",
                barrier_id=barrier,
                status="identified",
                changed_on=date(2025, 1, 7),
                action_taken="Action en clair",
                partner="Partenaire en clair",
            )

        def raw() -> list[str]:
            return [
                db.session.execute(sa.text(query)).scalar_one()
                for query in (
                    "SELECT body FROM notes",
                    "SELECT details FROM barriers",
                    "SELECT action_taken FROM barrier_status_changes",
                    "SELECT partner FROM barrier_status_changes",
                )
            ]

        clear = ["Note en clair", "Précision en clair", "Action en clair", "Partenaire en clair"]
        upgrade()
        assert all(value.startswith("gAAAAA") for value in raw()), raw()
        assert db.session.scalar(sa.select(Note.body)) == "Note en clair"
        assert db.session.scalar(sa.select(Barrier.details)) == "Précision en clair"
        assert db.session.execute(
            sa.select(BarrierStatusChange.action_taken, BarrierStatusChange.partner)
        ).one() == ("Action en clair", "Partenaire en clair")
        db.session.remove()
        downgrade(revision=BEFORE_PRIVACY)
        assert raw() == clear
        db.session.remove()
        upgrade()
        db.session.execute(sa.text("UPDATE persons SET informed_on = '2025-01-06'"))
        db.session.commit()
        with pytest.raises(SystemExit):  # Flask-Migrate's exit on the migration's refusal
            downgrade(revision=BEFORE_PRIVACY)
        db.session.remove()
        assert db.session.scalar(sa.text("SELECT count(*) FROM persons WHERE informed_on IS NOT NULL")) == 1
        assert all(value.startswith("gAAAAA") for value in raw())
        db.session.remove()
        db.engine.dispose()
