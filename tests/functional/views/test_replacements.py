"""A manager grants a time-limited replacement; the replacing conseiller sees the caseload only then."""

from __future__ import annotations

import html
from datetime import date, timedelta

import sqlalchemy as sa

from pathways import clock
from pathways.models import AdviserReplacement, AuditEntry
from pathways.services.platform import create_user
from pathways.states import State
from pathways.vocabulary import Role
from tests import factories

TODAY = date(2026, 6, 15)


def second_adviser(session, world):
    user = create_user(
        session,
        email="remplacante@example.fr",
        role=Role.ADVISER,
        password=factories.PASSWORD,
        platform=world.platform,
        full_name="Inès Remplaçante",
    )
    session.commit()
    return user


def grant(client, replaced, replacing, starts_on: date, ends_on: date):
    return client.post(
        "/remplacements/",
        data={
            "replaced": replaced.id,
            "replacing": replacing.id,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
        },
    )


def test_the_replacing_adviser_sees_the_caseload_during_the_replacement_only(
    session, world, login, monkeypatch
) -> None:
    pathway = factories.make_pathway(session, world, State.TRAINING, start=TODAY - timedelta(days=60))
    session.commit()
    substitute = second_adviser(session, world)
    assert login(substitute).get(f"/parcours/{pathway.id}").status_code == 404

    response = grant(login(world.manager), world.adviser, substitute, TODAY, TODAY + timedelta(days=30))
    assert response.status_code == 302
    page = html.unescape(login(world.manager).get("/remplacements/").get_data(as_text=True))
    assert "Inès Remplaçante" in page
    assert "15/07/2026" in page
    assert (
        session.scalar(
            sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == "replacement.grant")
        )
        == 1
    )

    assert login(substitute).get(f"/parcours/{pathway.id}").status_code == 200
    monkeypatch.setattr(clock, "today", lambda: TODAY + timedelta(days=31))
    assert login(substitute).get(f"/parcours/{pathway.id}").status_code == 404
    assert login(world.adviser).get(f"/parcours/{pathway.id}").status_code == 200


def test_refused_replacements_say_why_and_write_nothing(session, world, login) -> None:
    substitute = second_adviser(session, world)
    manager = login(world.manager)
    cases = [
        (world.adviser, world.adviser, TODAY, TODAY + timedelta(days=3), "ne se remplace pas"),
        (
            world.adviser,
            substitute,
            TODAY - timedelta(days=1),
            TODAY + timedelta(days=3),
            "aujourd'hui au plus tôt",
        ),
        (world.adviser, substitute, TODAY, TODAY + timedelta(days=200), "au plus 6 mois"),
        (world.adviser, substitute, TODAY + timedelta(days=5), TODAY, "précède son début"),
    ]
    for replaced, replacing, starts_on, ends_on, message in cases:
        response = grant(manager, replaced, replacing, starts_on, ends_on)
        assert response.status_code == 422
        assert message in html.unescape(response.get_data(as_text=True))
    response = grant(manager, world.delegate, substitute, TODAY, TODAY + timedelta(days=3))
    assert response.status_code in (404, 422)  # a délégué is not among the choices
    assert session.scalar(sa.select(sa.func.count()).select_from(AdviserReplacement)) == 0


def test_only_managers_grant_replacements(session, world, login) -> None:
    for user in (world.adviser, world.delegate, world.admin):
        assert login(user).get("/remplacements/").status_code == 404
    other = factories.make_world(session, "essonne")
    session.commit()
    response = grant(login(world.manager), world.adviser, other.adviser, TODAY, TODAY + timedelta(days=3))
    assert response.status_code in (404, 422)
    assert session.scalar(sa.select(sa.func.count()).select_from(AdviserReplacement)) == 0
