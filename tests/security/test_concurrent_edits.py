"""Issue 9, class 5: lost updates and double submissions.

Every editable record carries a version: a form rendered from an older
version is refused with « modifié par quelqu'un d'autre » and keeps what was
typed; two writers racing on the same version collide at the database. Every
creating form carries a one-time token: its second submission creates
nothing and lands where the first one led.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from pathways.extensions import db
from pathways.models import (
    Barrier,
    BarrierStatusChange,
    Checkpoint,
    Employer,
    Exchange,
    Immersion,
    InfoSession,
    Note,
    OrientationWeek,
    Person,
    Referent,
    Training,
)
from pathways.services import barrier as barrier_service
from pathways.services import enrolment
from pathways.services import pathway as pathway_service
from pathways.vocabulary import Role
from tests.security.scene import Scene, login

CONFLICT = "modifié par quelqu&#39;un d&#39;autre"
HIDDEN = re.compile(
    r'name="(submission|version)"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="(submission|version)"'
)


def hidden_values(html: str) -> dict[str, str]:
    found = {}
    for match in HIDDEN.finditer(html):
        name = match.group(1) or match.group(4)
        found[name] = match.group(2) if match.group(1) else match.group(3)
    return found


@pytest.fixture
def csrf_off(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)


def adviser_client(app: Flask, scene: Scene) -> FlaskClient:
    client = app.test_client()
    login(client, scene.own.world.adviser)
    return client


# --- stale forms: someone else saved in between ------------------------------------------------

Edit = tuple[str, dict[str, str], Callable[[Session, Scene], None], str]


def _other_changes_barrier(session: Session, scene: Scene) -> None:
    barrier_service.change_barrier_status(
        session,
        scene.own.barrier,
        status="in_progress",
        changed_on=date(2026, 6, 1),
        actor=scene.own.world.delegate,
    )


def _other_records_checkpoint(session: Session, scene: Scene) -> None:
    pathway_service.record_checkpoint(
        session,
        scene.own.checkpoint,
        recorded_on=date(2026, 6, 1),
        still_in_post=True,
        actor=scene.own.world.delegate,
    )


def _other_assesses_immersion(session: Session, scene: Scene) -> None:
    enrolment.record_immersion_assessment(
        session,
        scene.own.immersion,
        outcome="completed",
        assessed_on=date(2026, 6, 1),
        actor=scene.own.world.delegate,
    )


def _other_records_result(session: Session, scene: Scene) -> None:
    enrolment.record_training_result(
        session,
        scene.own.training,
        result="obtained",
        ends_on=date(2026, 6, 1),
        actor=scene.own.world.delegate,
    )


EDITS: dict[str, Edit] = {
    "frein": (
        "/parcours/{p}/freins/{barrier}/statut",
        {"status": "not_resolvable", "changed_on": "2026-06-10", "action_taken": "Texte saisi 5e1f"},
        _other_changes_barrier,
        "barrier",
    ),
    "point de suivi": (
        "/parcours/{p}/points-de-suivi/{checkpoint}",
        {"recorded_on": "2026-06-10", "still_in_post": "no", "difficulties": "Texte saisi 5e1f"},
        _other_records_checkpoint,
        "checkpoint",
    ),
    "bilan de PMSMP": (
        "/parcours/{p}/pmsmp/bilan?pmsmp={immersion}",
        {"outcome": "no_show", "assessed_on": "2026-06-10", "employer_feedback": "Texte saisi 5e1f"},
        _other_assesses_immersion,
        "immersion",
    ),
    "résultat de formation": (
        "/parcours/{p}/formation/resultat?formation={training}",
        {"result": "failed", "ends_on": "2026-06-10"},
        _other_records_result,
        "training",
    ),
}


@pytest.mark.parametrize("kind", list(EDITS))
def test_a_form_rendered_before_someone_elses_save_is_refused_keeping_what_was_typed(
    app: Flask, session: Session, scene: Scene, today: date, csrf_off: None, kind: str
) -> None:
    url_pattern, typed, other_saves, record_name = EDITS[kind]
    own = scene.own
    url = url_pattern.format(
        p=own.pathway.id,
        barrier=own.barrier.id,
        checkpoint=own.checkpoint.id,
        immersion=own.immersion.id,
        training=own.training.id,
    )
    record = getattr(own, record_name)
    client = adviser_client(app, scene)
    page = client.get(url)
    assert page.status_code == 200
    rendered = hidden_values(page.get_data(as_text=True))
    assert rendered["version"] == str(record.version)
    # Meanwhile the délégué saves the same record.
    other_saves(session, scene)
    session.commit()
    version_after_other = record.version
    data = {**typed, "version": rendered["version"]}
    if "pmsmp" in url:
        data["immersion_id"] = str(own.immersion.id)
    if "formation" in url:
        data["training_id"] = str(own.training.id)
    refused = client.post(url.split("?")[0], data=data)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert CONFLICT in body
    if "action_taken" in typed or "difficulties" in typed or "employer_feedback" in typed:
        assert "Texte saisi 5e1f" in body  # what was typed is still there
    session.expire_all()
    assert getattr(own, record_name).version == version_after_other  # nothing written
    # The page now carries the current version: a deliberate second try is judged on the facts.
    assert hidden_values(body)["version"] == str(version_after_other)


def test_two_writers_on_the_same_version_collide_at_the_database(
    session: Session, scene: Scene, today: date
) -> None:
    """Both read version 1 of a frein; the first to write wins, the second meets a stale version."""
    barrier_id = scene.own.barrier.id
    first, second = Session(db.engine), Session(db.engine)
    try:
        mine = first.get(Barrier, barrier_id)
        theirs = second.get(Barrier, barrier_id)
        assert mine.version == theirs.version
        barrier_service.change_barrier_status(
            first, mine, status="resolved", changed_on=date(2026, 6, 1), actor=None
        )
        first.commit()
        with pytest.raises(StaleDataError):
            barrier_service.change_barrier_status(
                second, theirs, status="not_resolvable", changed_on=date(2026, 6, 1), actor=None
            )
        second.rollback()
    finally:
        first.close()
        second.close()
    closings = session.scalar(
        sa.select(sa.func.count())
        .select_from(BarrierStatusChange)
        .where(
            BarrierStatusChange.barrier_id == barrier_id,
            BarrierStatusChange.status.in_(["resolved", "not_resolvable"]),
        )
    )
    assert closings == 1  # a closed frein is closed once


def test_a_reference_entry_edited_from_an_old_page_is_refused(
    app: Flask, session: Session, scene: Scene, today: date, csrf_off: None
) -> None:
    employer = scene.own.world.employer
    client = app.test_client()
    login(client, scene.own.world.manager)
    url = f"/referentiels/employeurs/{employer.id}"
    rendered = hidden_values(client.get(url).get_data(as_text=True))
    employer.city = "Versailles"
    session.commit()
    response = client.post(
        url, data={"name": "Nouveau nom", "employer_type": "saad", "version": rendered["version"]}
    )
    assert response.status_code == 422
    assert CONFLICT in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Employer, employer.id).name != "Nouveau nom"


# --- double submissions --------------------------------------------------------------------------

Creation = tuple[Role, str, dict[str, str], type, str]


def creations(scene: Scene) -> dict[str, Creation]:
    p = scene.own.pathway.id
    return {
        "note": (
            Role.ADVISER,
            f"/parcours/{p}/notes/nouvelle",
            {"body": "Une note", "written_on": "2026-06-10"},
            Note,
            f"/parcours/{p}/notes/nouvelle",
        ),
        "échange": (
            Role.ADVISER,
            f"/parcours/{p}/echanges/nouveau",
            {"occurred_on": "2026-06-10", "mode": "phone", "participants": "Moi", "summary": "Compte rendu"},
            Exchange,
            f"/parcours/{p}/echanges/nouveau",
        ),
        "frein": (
            Role.ADVISER,
            f"/parcours/{p}/freins/nouveau",
            {"category": "mobility", "identified_on": "2026-06-10"},
            Barrier,
            f"/parcours/{p}/freins/nouveau",
        ),
        "référent": (
            Role.ADVISER,
            f"/parcours/{p}/referents/nouveau",
            {"organisation_type": "france_travail", "name": "Référent"},
            Referent,
            f"/parcours/{p}/referents/nouveau",
        ),
        "information collective": (
            Role.DELEGATE,
            "/informations-collectives/nouvelle",
            {"held_on": "2026-07-01", "starts_at": "09:30", "ends_at": "12:00", "place": "Versailles", "seats": "12"},
            InfoSession,
            "/informations-collectives/nouvelle",
        ),
        "semaine": (
            Role.DELEGATE,
            "/pole-orientation/nouvelle",
            {"starts_on": "2026-07-06", "place": "Versailles", "seats": "10"},
            OrientationWeek,
            "/pole-orientation/nouvelle",
        ),
        "personne": (
            Role.DELEGATE,
            "/delegue/personnes/nouvelle",
            {"last_name": "Nouvelle", "first_name": "Personne", "birth_date": "1990-05-05"},
            Person,
            "/delegue/personnes/nouvelle",
        ),
        "employeur": (
            Role.MANAGER,
            "/referentiels/employeurs/nouveau",
            {"name": "Un employeur", "employer_type": "saad"},
            Employer,
            "/referentiels/employeurs/nouveau",
        ),
    }


@pytest.mark.parametrize(
    "kind",
    ["note", "échange", "frein", "référent", "information collective", "semaine", "personne", "employeur"],
)
def test_a_form_submitted_twice_creates_once_and_lands_where_the_first_led(
    app: Flask, session: Session, scene: Scene, today: date, csrf_off: None, kind: str
) -> None:
    role, url, data, model, form_url = creations(scene)[kind]
    client = app.test_client()
    login(client, scene.own.user(role))
    token = hidden_values(client.get(form_url).get_data(as_text=True))["submission"]
    before = session.scalar(sa.select(sa.func.count()).select_from(model))
    first = client.post(url, data={**data, "submission": token})
    assert first.status_code == 302, first.get_data(as_text=True)[:2000]
    again = client.post(url, data={**data, "submission": token})
    assert again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(model)) == before + 1
    assert "déjà été envoyé" in client.get(again.headers["Location"]).get_data(as_text=True)
    # A fresh form (a new token) creates again: the token guards replays, not repetition.
    fresh = hidden_values(client.get(form_url).get_data(as_text=True))["submission"]
    assert fresh != token


def test_a_refused_submission_does_not_use_up_its_token(
    app: Flask, session: Session, scene: Scene, today: date, csrf_off: None
) -> None:
    client = adviser_client(app, scene)
    url = f"/parcours/{scene.own.pathway.id}/notes/nouvelle"
    token = hidden_values(client.get(url).get_data(as_text=True))["submission"]
    refused = client.post(url, data={"body": "", "written_on": "2026-06-10", "submission": token})
    assert refused.status_code == 422
    assert hidden_values(refused.get_data(as_text=True))["submission"] == token
    assert (
        client.post(
            url, data={"body": "Corrigée", "written_on": "2026-06-10", "submission": token}
        ).status_code
        == 302
    )
    # Bodies are encrypted at rest: compared once read back, not in SQL.
    assert session.scalars(sa.select(Note.body)).all().count("Corrigée") == 1


def test_the_records_that_change_carry_a_version() -> None:
    for model in (Barrier, Checkpoint, Immersion, Training, Employer):
        assert model.__mapper__.version_id_col is not None, model
