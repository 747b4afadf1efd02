"""Issue 9, classes 3, 4 and 7: health data, a délégué's reach, and the refusals' trail.

Class 3: a health frein's status history (action taken, partner — a CSAPA
names a care) was shown to the manager and to a replacing conseiller; now
everything beyond the category and the dated statuses follows the health
rule on the page and in every export.
Class 4: registering a *known* person loaded any id of the platform; lists
named persons whose file the viewer may not open.
Class 7: bare 404s, and refusals of another platform's objects, reach the
right trails.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from exports.bilan import write_bilan, write_national
from exports.cohort import write_cohort
from pathways.models import AuditEntry, OrientationParticipant, Pathway
from pathways.services import barrier as barrier_service
from pathways.services.enrolment import register_at_info_session
from pathways.services.platform import create_territory, create_user
from pathways.services.replacement import grant_replacement
from pathways.states import State
from pathways.vocabulary import Role
from tests.factories import PASSWORD, make_pathway, make_person
from tests.security.scene import HEALTH_DETAILS, Scene, login

ACTION = "Orientation vers le CSAPA 4b2c"
PARTNER = "CSAPA de Versailles 4b2c"


def client_of(app: Flask, user: object) -> FlaskClient:
    client = app.test_client()
    login(client, user)  # type: ignore[arg-type]
    return client


@pytest.fixture
def health_history(session: Session, scene: Scene, today: date) -> Scene:
    barrier_service.change_barrier_status(
        session,
        scene.own.barrier,
        status="in_progress",
        changed_on=date(2026, 6, 1),
        action_taken=ACTION,
        partner=PARTNER,
        actor=scene.own.world.adviser,
    )
    session.commit()
    return scene


def test_health_history_is_shown_only_to_the_pathways_conseiller_and_delegue(
    app: Flask, session: Session, health_history: Scene
) -> None:
    own = health_history.own
    world = own.world
    replacing = create_user(
        session, email="remplacante@example.fr", role=Role.ADVISER, password=PASSWORD, platform=world.platform
    )
    grant_replacement(
        session, replaced=world.adviser, replacing=replacing, starts_on=date(2026, 6, 15),
        ends_on=date(2026, 7, 15), actor=world.manager,
    )
    session.commit()
    url = f"/parcours/{own.pathway.id}"
    for user, sees in ((world.adviser, True), (world.delegate, True), (world.manager, False), (replacing, False)):
        page = client_of(app, user).get(url)
        assert page.status_code == 200, user.email
        text = page.get_data(as_text=True)
        for secret in (ACTION, PARTNER, HEALTH_DETAILS):
            assert (secret in text) is sees, (user.email, secret)
        # Everyone sees that a health frein exists, its status and the dates of its history.
        assert "Santé" in text
        assert "01/06/2026" in text
        if not sees:
            assert "réservés au conseiller et au délégué du parcours" in text


def test_no_export_carries_the_health_history(session: Session, health_history: Scene) -> None:
    world = health_history.own.world
    period = (date(2025, 1, 1), date(2026, 12, 31))
    for write in (
        lambda t: write_bilan(session, world.platform, *period, t, actor=world.manager, with_cohort=True),
        lambda t: write_national(session, world.platform, *period, t, actor=world.manager),
        lambda t: write_cohort(session, world.platform, t, actor=world.manager),
        lambda t: write_cohort(session, world.platform, t, actor=world.manager, identified=True),
    ):
        target = io.BytesIO()
        write(target)
        with zipfile.ZipFile(io.BytesIO(target.getvalue())) as archive:
            content = b"".join(archive.read(name) for name in archive.namelist())
        for secret in (ACTION, PARTNER, HEALTH_DETAILS):
            assert secret.encode() not in content


@pytest.fixture
def two_territories(session: Session, scene: Scene, today: date) -> dict[str, object]:
    """A délégué of another territory of the same platform, and a person of the first one at a session."""
    world = scene.own.world
    elsewhere = create_territory(session, world.platform, "Territoire voisin")
    neighbour = create_user(
        session,
        email="delegue-voisin@example.fr",
        role=Role.DELEGATE,
        password=PASSWORD,
        platform=world.platform,
        territories=[elsewhere],
    )
    person = make_person(session, world, last_name="Horsperimetre", first_name="Lina")
    register_at_info_session(session, world.info_session, person, actor=world.delegate, on=date(2026, 6, 10))
    session.commit()
    return {"neighbour": neighbour, "person": person}


def test_a_delegue_cannot_pull_a_known_person_of_another_territory_by_id(
    app: Flask, session: Session, scene: Scene, two_territories: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    neighbour, person = two_territories["neighbour"], two_territories["person"]
    session_id = scene.own.world.info_session.id
    pathways_before = session.scalar(sa.select(sa.func.count()).select_from(Pathway))
    client = client_of(app, neighbour)
    response = client.post(
        f"/informations-collectives/{session_id}/inscriptions/personne-connue", data={"person": person.id}
    )
    assert response.status_code == 404
    assert session.scalar(sa.select(sa.func.count()).select_from(Pathway)) == pathways_before
    refusal = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "access.refused", AuditEntry.object_type == "person")
    ).one()
    assert (refusal.user_id, refusal.object_id) == (neighbour.id, person.id)


def test_session_lists_name_only_persons_the_viewer_may_see(
    app: Flask, session: Session, scene: Scene, two_territories: dict[str, object]
) -> None:
    neighbour = two_territories["neighbour"]
    url = f"/informations-collectives/{scene.own.world.info_session.id}"
    theirs = client_of(app, neighbour).get(url).get_data(as_text=True)
    assert "HORSPERIMETRE" not in theirs
    assert "hors de votre périmètre" in theirs
    own = client_of(app, scene.own.world.delegate).get(url).get_data(as_text=True)
    assert "HORSPERIMETRE" in own
    manager = client_of(app, scene.own.world.manager).get(url).get_data(as_text=True)
    assert "HORSPERIMETRE" in manager


def test_week_participants_are_listed_within_scope_only(
    app: Flask, session: Session, scene: Scene, two_territories: dict[str, object]
) -> None:
    world = scene.own.world
    pathway = make_pathway(session, world, State.ORIENTATION, start=date(2026, 5, 4))
    session.commit()
    week_id = session.scalar(
        sa.select(OrientationParticipant.week_id).where(OrientationParticipant.pathway_id == pathway.id)
    )
    url = f"/pole-orientation/{week_id}"
    name = pathway.person.last_name.upper()
    assert name in client_of(app, world.delegate).get(url).get_data(as_text=True)
    assert name not in client_of(app, two_territories["neighbour"]).get(url).get_data(as_text=True)


def test_a_bare_404_and_another_platforms_record_leave_their_trace(
    app: Flask, session: Session, scene: Scene
) -> None:
    manager = scene.own.world.manager
    client = client_of(app, manager)
    assert client.get("/nulle-part").status_code == 404
    other_barrier = scene.other.barrier
    url = f"/parcours/{scene.own.pathway.id}/freins/{other_barrier.id}/statut"
    assert client.get(url).status_code == 404
    entries = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "access.refused").order_by(AuditEntry.id)
    ).all()
    found = [(e.platform_id, e.object_type, e.object_id, e.details["reason"]) for e in entries]
    own_platform, other_platform = manager.platform_id, scene.other.world.platform.id
    assert (own_platform, None, None, "not_found") in found
    assert (own_platform, "barrier", other_barrier.id, "scope") in found
    # The probed platform's manager sees the probe of its frein.
    assert (other_platform, "barrier", other_barrier.id, "scope") in found
