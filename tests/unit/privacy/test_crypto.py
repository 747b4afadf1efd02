"""Notes and freins encrypted at rest: unreadable in the raw database, readable through the tool, rotated."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask import Flask

from pathways import crypto
from pathways.models import Barrier, BarrierStatusChange, Note, Pathway
from pathways.services import barrier as barrier_service
from pathways.services import coaccompaniment
from pathways.services.pathway_file import pathway_file
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.factories import make_pathway, make_world

NOTE = "La personne a repris contact ; rendez-vous fixé."
DETAILS = "Suivi en CMP, traitement en cours"
ACTION = "Orientation vers le médecin du travail"
PARTNER = "CMP de Mantes"


@pytest.fixture
def recorded(session, today):
    world = make_world(session)
    pathway = make_pathway(session, world, start=date(2025, 1, 6))
    note = coaccompaniment.add_note(
        session, pathway, body=NOTE, actor=world.adviser, written_on=date(2025, 2, 1)
    )
    barrier = barrier_service.identify_barrier(
        session,
        pathway,
        category="health",
        identified_on=date(2025, 2, 1),
        actor=world.adviser,
        details=DETAILS,
        partner=PARTNER,
    )
    barrier_service.change_barrier_status(
        session,
        barrier,
        status="in_progress",
        changed_on=date(2025, 2, 3),
        actor=world.adviser,
        action_taken=ACTION,
        partner=PARTNER,
    )
    session.commit()
    return world, pathway, note, barrier


def raw_values(session) -> list[str]:
    """What a copy of the database shows of the encrypted columns."""
    rows = []
    for table, column in (
        ("notes", "body"),
        ("barriers", "details"),
        ("barrier_status_changes", "action_taken"),
        ("barrier_status_changes", "partner"),
    ):
        rows += (
            session.execute(sa.text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL"))
            .scalars()
            .all()
        )
    return rows


def test_unreadable_in_the_database_readable_through_the_tool(session, recorded) -> None:
    _world, pathway, note, _barrier = recorded
    raw = raw_values(session)
    assert len(raw) == 5  # the note, the details, one action, two partners
    for value in raw:
        assert value.startswith("gAAAAA"), value  # a Fernet token
        for plain in (NOTE, DETAILS, ACTION, PARTNER):
            assert plain not in value
    session.expire_all()
    assert session.get(Note, note.id).body == NOTE
    shown = pathway_file(session, session.get(type(pathway), pathway.id), health_visible=True)
    assert shown.notes[0].body == NOTE
    assert shown.barriers[0].details == DETAILS
    assert [(c.action_taken, c.partner) for c in shown.barriers[0].changes] == [
        (None, PARTNER),
        (ACTION, PARTNER),
    ]


def test_two_encryptions_of_the_same_text_differ(session, recorded) -> None:
    tokens = [crypto.encrypt("Même texte"), crypto.encrypt("Même texte")]
    assert tokens[0] != tokens[1]
    assert {crypto.decrypt(t) for t in tokens} == {"Même texte"}


def test_key_rotation_then_reencrypt(session, recorded, app: Flask) -> None:
    _world, _pathway, note, barrier = recorded
    old = TEST_ENCRYPTION_KEY
    new = Fernet.generate_key().decode()
    before = raw_values(session)
    try:
        # The new key first (it encrypts), the old one after (it still decrypts).
        app.config["ENCRYPTION_KEYS"] = (new, old)
        session.expire_all()
        assert session.get(Note, note.id).body == NOTE
        coaccompaniment.add_note(
            session, session.get(Pathway, note.pathway_id), body="Après la rotation", actor=None
        )
        session.commit()
        result = app.test_cli_runner().invoke(args=["reencrypt"])
        assert result.exit_code == 0, result.output
        assert "6 valeurs rechiffrées" in result.output
        after = raw_values(session)
        assert not set(after) & set(before)
        # Now the new key alone opens everything.
        app.config["ENCRYPTION_KEYS"] = (new,)
        session.expire_all()
        assert session.get(Note, note.id).body == NOTE
        assert session.get(Barrier, barrier.id).details == DETAILS
        partners = session.scalars(sa.select(BarrierStatusChange.partner)).all()
        assert partners == [PARTNER, PARTNER]
        # And the old key alone opens nothing.
        app.config["ENCRYPTION_KEYS"] = (old,)
        session.expire_all()
        with pytest.raises(crypto.KeyMissing):
            session.get(Note, note.id).body  # noqa: B018
    finally:
        session.rollback()
        app.config["ENCRYPTION_KEYS"] = (old,)


def test_bad_keys_stop_the_start() -> None:
    with pytest.raises(crypto.BadKeys, match="n'est pas une clé Fernet"):
        crypto.configure(["not a key"])
    with pytest.raises(crypto.BadKeys, match="Aucune clé de chiffrement"):
        crypto.configure([])
    crypto.configure([TEST_ENCRYPTION_KEY])
    assert crypto.parse_keys(" a, ,b ") == ("a", "b")


def test_development_key_generated_once(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("PATHWAYS_ENCRYPTION_KEYS", raising=False)
    first = crypto.encryption_keys(tmp_path)
    assert crypto.encryption_keys(tmp_path) == first
    assert (tmp_path / crypto.KEYS_FILE).stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("PATHWAYS_ENCRYPTION_KEYS", f"{TEST_ENCRYPTION_KEY}, {first[0]}")
    assert crypto.encryption_keys(tmp_path) == (TEST_ENCRYPTION_KEY, first[0])


def test_a_retention_setting_that_is_not_a_number_stops_the_start_in_french(monkeypatch) -> None:
    from pathways.config import _positive_int

    monkeypatch.setenv("PATHWAYS_RETENTION_MONTHS", "abc")
    with pytest.raises(ValueError, match="doit être un nombre entier d'au moins 1"):
        _positive_int("PATHWAYS_RETENTION_MONTHS", 24)
    monkeypatch.setenv("PATHWAYS_RETENTION_MONTHS", "18")
    assert _positive_int("PATHWAYS_RETENTION_MONTHS", 24) == 18
