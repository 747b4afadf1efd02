"""Issue 9 in the browser: what a conseiller, a manager and a hostile date see, axe-checked.

A health frein's history is shown to the pathway's conseiller and hidden
from the manager (class 3); a frein changed by someone else while the form
was open is refused with « modifié par quelqu'un d'autre », keeping what was
typed (class 5); a double click on a creating form creates one note (class 5);
a date at year 9999 is refused in French (class 6). At phone width too.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from pathways.models import Barrier, Note, User
from pathways.services import barrier as barrier_service
from tests.browser.conftest import START
from tests.browser.test_journeys import in_app, prepared_pathway

pytestmark = pytest.mark.browser
ACTION = "Orientation vers le CSAPA de Mantes"


def test_health_history_conflicts_double_clicks_and_far_dates(journey, world, live_app):
    pathway_id = prepared_pathway(live_app, world, "Garnier")

    def health_frein(s):
        adviser = s.get(User, world.adviser.id)
        from pathways.models import Pathway

        pathway = s.get(Pathway, pathway_id)
        barrier = barrier_service.identify_barrier(
            s, pathway, category="health", identified_on=START - timedelta(days=5), actor=adviser
        )
        barrier_service.change_barrier_status(
            s, barrier, status="in_progress", changed_on=START - timedelta(days=2), action_taken=ACTION,
            partner="CSAPA", actor=adviser,
        )
        return barrier.id

    barrier_id = in_app(live_app, health_frein)
    file_path = f"/parcours/{pathway_id}"

    # The conseiller sees the history; the manager sees that a health frein exists, not its history.
    adviser = journey()
    adviser.login(world.adviser.email)
    adviser.goto(file_path)
    expect(adviser.page.locator("#freins")).to_contain_text(ACTION)
    manager = journey()
    manager.login(world.manager.email)
    manager.goto(file_path)
    expect(manager.page.locator("#freins")).to_contain_text("Santé")
    expect(manager.page.locator("#freins")).not_to_contain_text(ACTION)
    expect(manager.page.locator("#freins")).to_contain_text("réservés au conseiller et au délégué")
    manager.check("dossier-vu-du-responsable")

    # A stale form: the délégué closes the frein while the conseiller types.
    page = adviser.page
    adviser.goto(f"{file_path}/freins/{barrier_id}/statut")
    page.select_option("#status", "resolved")
    page.fill("#action_taken", "Suivi régulier, sortie du dispositif")

    def delegate_closes(s):
        barrier_service.change_barrier_status(
            s, s.get(Barrier, barrier_id), status="not_resolvable", changed_on=START, actor=None
        )

    in_app(live_app, delegate_closes)
    page.click("main button[type=submit]")
    expect(page.locator("#form-errors")).to_contain_text("modifié par quelqu'un d'autre")
    expect(page.locator("#action_taken")).to_have_value("Suivi régulier, sortie du dispositif")
    adviser.check("frein-modifie-entre-temps")
    page.set_viewport_size({"width": 390, "height": 844})
    adviser.check("frein-modifie-entre-temps-telephone")
    page.set_viewport_size({"width": 1280, "height": 900})

    # A double click on "Ajouter la note" adds one note.
    adviser.goto(f"{file_path}/notes/nouvelle")
    page.fill("#body", "Appel de suivi, rendez-vous fixé")
    page.dblclick("main button[type=submit]")
    page.wait_for_url(f"**{file_path}#notes")
    count = in_app(
        live_app,
        # Bodies are encrypted at rest: compared once read back, not in SQL.
        lambda s: s.scalars(sa.select(Note.body)).all().count("Appel de suivi, rendez-vous fixé"),
    )
    assert count == 1

    # A far date is refused in French, nothing recorded.
    adviser.goto(f"{file_path}/notes/nouvelle")
    page.fill("#body", "Note datée de l'an 9999")
    page.fill("#written_on", "9999-12-28")
    page.click("main button[type=submit]")
    expect(page.locator("main")).to_contain_text("comprise entre le 01/01/1900 et le 31/12/2100")
    adviser.check("date-lointaine")
    adviser.assert_accessible()
    manager.assert_accessible()
