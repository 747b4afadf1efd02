"""Issue 12 in the browser: the notice given, an opposition, the access export, the list, the register, an erasure.

A conseiller records that the notice was given and that the person opposes
messages; the manager sees who will be anonymised, reads the register,
prepares a person's whole record (downloaded from « Mes tâches », written by
the job queue's consumer) and erases an old file after confirming. Every
page axe-checked, on a laptop and on a phone.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from pathways.models import AuditEntry, Pathway, Person, User
from pathways.services import coaccompaniment
from pathways.services import pathway as pathway_service
from pathways.states import ExitReason, MoveRequest, Trigger
from tests import factories
from tests.browser.conftest import START
from tests.browser.test_journeys import in_app, prepared_pathway

pytestmark = pytest.mark.browser
NOTE = "Appel du 3 juin : la personne confirme son entrée en formation."


def old_pathway(live_app, world, last_name: str) -> int:
    """A pathway closed about two years before ``START``: on the list of anonymisations to come."""

    def build(s):
        person = factories.make_person(s, world, last_name=last_name, first_name="Inès")
        pathway = pathway_service.open_pathway(
            s,
            person,
            referred_on=date(2024, 5, 2),
            actor=None,
            territory_id=world.territory.id,
            delegate=s.get(User, world.delegate.id),
        )
        pathway_service.move(
            s, pathway, MoveRequest(Trigger.EXIT, date(2024, 5, 20), exit_reason=ExitReason.MOVED), None
        )
        return pathway.person_id

    return in_app(live_app, build)


def test_rights_notice_register_and_erasure(journey, world, live_app, live_worker, tmp_path):
    pathway_id = prepared_pathway(live_app, world, "Lefort")
    in_app(
        live_app,
        lambda s: coaccompaniment.add_note(
            s, s.get(Pathway, pathway_id), body=NOTE, actor=s.get(User, world.adviser.id), written_on=START
        ),
    )
    person_id = in_app(live_app, lambda s: s.get(Pathway, pathway_id).person_id)
    old_person_id = old_pathway(live_app, world, "Ancienne")

    # The conseiller: the file flags the notice not given; it is recorded from the person's page.
    j = journey()
    page = j.page
    j.login(world.adviser.email)
    j.goto(f"/parcours/{pathway_id}")
    expect(page.locator("#donnees-personnelles")).to_contain_text("Notice d'information non remise")
    page.click("#donnees-personnelles a")
    expect(page.locator("h1")).to_contain_text("Données personnelles de Nora LEFORT")
    j.check("donnees-personnelles-conseiller")
    page.fill("#informed_on", (START - timedelta(days=30)).isoformat())
    page.click("#information button[type=submit]")
    expect(page.locator(".fr-alert--success")).to_contain_text(
        "remise de la notice d'information est enregistrée"
    )
    expect(page.locator("#information")).to_contain_text("Notice remise le 16/05/2026")
    page.click("#opposition button[type=submit]")
    expect(page.locator("#opposition")).to_contain_text("Opposée aux messages")
    j.check("notice-et-opposition")
    page.set_viewport_size({"width": 390, "height": 844})
    j.check("donnees-personnelles-telephone")
    page.set_viewport_size({"width": 1280, "height": 900})
    j.goto("/donnees-personnelles/notice")
    expect(page.locator("h1")).to_have_text("Vos données personnelles")
    j.check("notice")
    j.logout()
    j.assert_accessible()

    # The manager: the list, the register, the whole record, an erasure.
    m = journey()
    page = m.page
    m.login(world.manager.email)
    m.nav("Données personnelles")
    expect(page.locator("#a-venir")).to_contain_text("Inès ANCIENNE")
    m.check("anonymisations-a-venir")
    page.click("a:has-text('Registre des traitements')")
    expect(page.locator("h1")).to_have_text("Registre des activités de traitement")
    m.check("registre")
    with page.expect_download() as pdf:
        page.click("a:has-text('Télécharger en PDF')")
    saved = tmp_path / pdf.value.suggested_filename
    pdf.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    m.goto(f"/donnees-personnelles/personnes/{person_id}")
    page.check("input[name=record_format][value=pdf]", force=True)
    page.click("#acces button[type=submit]")
    expect(page.locator("h1")).to_have_text("Mes tâches")
    item = page.locator(".pw-job").first
    expect(item).to_contain_text("Dossier complet de Nora LEFORT (PDF)")
    link = item.locator("a.fr-link--download")
    expect(link).to_be_visible(timeout=60_000)
    with page.expect_download() as record:
        link.click()
    saved = tmp_path / record.value.suggested_filename
    record.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    assert saved.name.startswith(f"dossier-personne-{person_id}-")

    m.goto(f"/donnees-personnelles/personnes/{old_person_id}")
    page.click("a:has-text('Effacer les données de la personne')")
    expect(page.locator("h1")).to_contain_text("Effacer les données d'Inès ANCIENNE")
    m.check("effacement")
    page.click("main button:has-text('Effacer les données')")  # opens the confirmation
    dialog = page.locator("#confirmer-effacement")
    expect(dialog).to_be_visible()
    m.check("effacement-confirmation")
    dialog.locator("button:has-text('Effacer définitivement')").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("sont effacées")
    expect(page.locator("#a-venir")).not_to_contain_text("ANCIENNE")
    page.set_viewport_size({"width": 390, "height": 844})
    m.check("apres-effacement-telephone")
    m.assert_accessible()

    def stored(s):
        person, old = s.get(Person, person_id), s.get(Person, old_person_id)
        return person.informed_on, person.opposed_on, old.last_name, old.anonymised_on

    informed_on, opposed_on, old_name, anonymised_on = in_app(live_app, stored)
    assert informed_on == START - timedelta(days=30)
    assert opposed_on == START
    assert old_name == "Anonymisée"
    assert anonymised_on == START
    exports = in_app(
        live_app,
        lambda s: s.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "person.access_export")
        ),
    )
    assert exports == 1
