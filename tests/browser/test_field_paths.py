"""The field's version-2 paths recorded in the browser, as a conseiller does, axe-core on each new page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from pathways.extensions import db
from pathways.models import Pathway, PathwayEvent, User
from pathways.services import pathway as pathway_service
from pathways.states import MoveRequest, State, Trigger
from tests import factories
from tests.browser.conftest import START

pytestmark = pytest.mark.browser


def in_app(live_app, action):
    with live_app.app_context():
        result = action(db.session)
        db.session.commit()
        return result


def prepared(live_app, world, last_name: str, state: State) -> int:
    """A pathway of the conseiller, brought to ``state`` through the services."""

    def build(s):
        person = factories.make_person(s, world, last_name=last_name, first_name="Inès")
        pathway = pathway_service.open_pathway(
            s, person, referred_on=START - timedelta(days=40), actor=None, territory_id=world.territory.id
        )
        adviser = s.get(User, world.adviser.id)
        if state is State.INFO_SESSION:
            pathway_service.assign_adviser(s, pathway, adviser, actor=None, on=START - timedelta(days=40))
            pathway_service.move(
                s,
                pathway,
                MoveRequest(
                    Trigger.REGISTER_INFO_SESSION,
                    START - timedelta(days=14),
                    info_session_id=world.info_session.id,
                ),
                None,
            )
            return pathway.id
        factories.satisfy_interview(s, world, pathway, START - timedelta(days=39))
        route = {
            State.EMPLOYMENT: (Trigger.SEEK_EMPLOYMENT,),
            State.TRAINING: (Trigger.START_TRAINING,),
        }[state]
        for index, trigger in enumerate(route):
            day = START - timedelta(days=30 - index)
            pathway_service.move(s, pathway, factories.full_request(world, trigger, day), None)
        return pathway.id

    return in_app(live_app, build)


def history(live_app, pathway_id: int) -> list[tuple[str, object]]:
    return in_app(
        live_app,
        lambda s: [
            (e.trigger.value, e.occurred_on)
            for e in s.scalars(
                sa.select(PathwayEvent)
                .where(PathwayEvent.pathway_id == pathway_id)
                .order_by(PathwayEvent.sequence)
            )
        ],
    )


def open_file(j, world, name: str) -> str:
    j.login(world.adviser.email)
    page = j.page
    page.fill("#q", name)
    page.click("button:has-text('Filtrer')")
    page.click(f"text=Inès {name.upper()}")
    return page.url


def test_lyon_path_interview_pmsmp_then_a_planned_training(journey, world, live_app, live_clock):
    """Information collective → individual interview → PMSMP → IFAS training planned, then confirmed."""
    pathway_id = prepared(live_app, world, "Guichet", State.INFO_SESSION)
    j = journey()
    page = j.page
    file_url = open_file(j, world, "Guichet")
    page.click("text=Enregistrer le diagnostic d'un entretien individuel")
    page.fill("#basic_skills", "Savoirs de base acquis")
    page.click("label[for='project_validated-0']")
    page.select_option("#target_job_code", "J1501")
    j.check("diagnostic-entretien")
    page.click("button:has-text('Enregistrer le diagnostic')")
    expect(page.locator("#diagnostic")).to_contain_text("Entretien individuel de diagnostic")

    page.click("#etapes-possibles >> text=Enregistrer une PMSMP")
    page.select_option("#employer_id", str(world.employer.id))
    page.fill("#starts_on", (START - timedelta(days=3)).isoformat())
    page.fill("#ends_on", (START - timedelta(days=2)).isoformat())
    expect(page.locator("#occurred_on")).to_have_count(0)  # one date per fact
    j.check("pmsmp-depuis-information-collective")
    page.click("button:has-text('Enregistrer')")
    expect(page.locator("#etat-parcours")).to_have_text("PMSMP")

    first_day = START + timedelta(days=21)
    page.click("#etapes-possibles >> text=Enregistrer une entrée en formation")
    page.select_option("#organisation_id", str(world.organisation.id))
    page.select_option("#certification_code", "DEAS")
    page.select_option("#funding", "prf")
    page.fill("#starts_on", first_day.isoformat())
    page.click("button:has-text('Enregistrer')")
    expect(page.locator(".fr-alert--success")).to_contain_text(f"Étape prévue le {first_day:%d/%m/%Y}")
    expect(page.locator("#etapes-prevues")).to_contain_text("Entrée en formation qualifiante")
    expect(page.locator("#etat-parcours")).to_have_text("PMSMP")
    j.check("formation-prevue")

    live_clock.today = first_day + timedelta(days=1)
    j.login(world.adviser.email)
    page.goto(file_url)
    page.click('#etapes-prevues button:has-text("Confirmer : l\'étape a eu lieu")')
    expect(page.locator("#etat-parcours")).to_have_text("Formation qualifiante")
    j.assert_accessible()
    assert history(live_app, pathway_id)[-2:] == [
        ("start_immersion", START - timedelta(days=3)),
        ("start_training", first_day),
    ]


def test_a_cdd_broken_in_month_two_then_a_cdi_to_completion(journey, world, live_app, live_clock):
    pathway_id = prepared(live_app, world, "Rupture", State.EMPLOYMENT)
    j = journey()
    page = j.page
    file_url = open_file(j, world, "Rupture")

    def sign(kind: str, months: str | None = None) -> None:
        page.goto(file_url)
        page.click("#etapes-possibles >> text=Enregistrer un contrat de travail")
        page.select_option("#employer_id", str(world.employer.id))
        page.select_option("#employer_type", "saad")
        page.select_option("#job_code", "K1311")
        page.select_option("#contract_type", kind)
        if months:
            page.fill("#cdd_months", months)
        page.fill("#starts_on", live_clock.today.isoformat())
        page.click("button:has-text('Enregistrer')")
        expect(page.locator("#etat-parcours")).to_have_text("Suivi dans l'emploi")

    def checkpoint(months: int) -> None:
        page.goto(file_url)
        page.click(f"#suivi a:has(span:text-is(' le point à {months} mois'))")
        page.click("label[for='still_in_post-0']")
        page.click("button:has-text('Enregistrer le point de suivi')")
        expect(page.locator(".fr-alert--success")).to_contain_text(f"Point de suivi à {months} mois")

    sign("cdd", "6")
    cdd_start = live_clock.today
    live_clock.today = cdd_start + timedelta(days=31)
    j.login(world.adviser.email)
    checkpoint(1)
    live_clock.today = cdd_start + timedelta(days=45)
    j.login(world.adviser.email)
    page.goto(file_url)
    page.click("#etapes-possibles >> text=Enregistrer la fin du contrat")
    page.select_option("#contract_end_reason", "trial_broken_by_employer")
    j.check("fin-de-contrat")
    page.click("button:has-text('Enregistrer')")
    expect(page.locator("#etat-parcours")).to_have_text("Accès à l'emploi")
    expect(page.locator("#suivi")).to_contain_text("Annulé (fin du contrat le")
    j.check("contrat-rompu")

    live_clock.today = cdd_start + timedelta(days=70)
    j.login(world.adviser.email)
    sign("cdi")
    cdi_start = live_clock.today
    live_clock.today = cdi_start + timedelta(days=184)
    j.login(world.adviser.email)
    checkpoint(6)
    page.goto(file_url)
    page.click("#etapes-possibles >> text=Clore le parcours")
    page.click("button:has-text('Enregistrer')")
    expect(page.locator("#etat-parcours")).to_have_text("Parcours terminé")
    j.assert_accessible()
    triggers = [t for t, _ in history(live_app, pathway_id)]
    assert triggers[-4:] == ["sign_contract", "end_contract", "sign_contract", "complete"]
    assert in_app(live_app, lambda s: s.get(Pathway, pathway_id).state) is State.COMPLETED


def test_a_training_abandoned_then_another_training_then_a_contract(journey, world, live_app, live_clock):
    pathway_id = prepared(live_app, world, "Abandon", State.TRAINING)
    j = journey()
    page = j.page
    file_url = open_file(j, world, "Abandon")
    page.click("#formation >> text=Enregistrer le résultat")
    page.select_option("#result", "abandoned")
    page.fill("#ends_on", (START - timedelta(days=5)).isoformat())
    page.fill("#abandon_reason", "Garde d'enfant impossible le soir")
    j.check("abandon-formation")
    page.click("button:has-text('Enregistrer le résultat')")
    expect(page.locator("#formation")).to_contain_text("Abandon de la formation")
    expect(page.locator("#etat-parcours")).to_have_text("Formation qualifiante")

    page.click("#etapes-possibles >> text=Passer en accès à l'emploi")
    page.fill("#occurred_on", (START - timedelta(days=4)).isoformat())
    page.click("button:has-text('Enregistrer')")
    page.goto(file_url)
    page.click("#etapes-possibles >> text=Enregistrer une entrée en formation")
    page.select_option("#organisation_id", str(world.organisation.id))
    page.select_option("#certification_code", "TP_ADVF")
    page.select_option("#funding", "poei")
    page.fill("#starts_on", START.isoformat())
    page.click("button:has-text('Enregistrer')")
    expect(page.locator("#etat-parcours")).to_have_text("Formation qualifiante")
    live_clock.shift(60)
    j.login(world.adviser.email)
    page.goto(file_url)
    page.click("#etapes-possibles >> text=Enregistrer un contrat de travail")
    page.select_option("#employer_id", str(world.employer.id))
    page.select_option("#employer_type", "saad")
    page.select_option("#job_code", "K1311")
    page.select_option("#contract_type", "cdi")
    page.fill("#starts_on", live_clock.today.isoformat())
    page.click("button:has-text('Enregistrer')")
    expect(page.locator("#etat-parcours")).to_have_text("Suivi dans l'emploi")
    j.assert_accessible()
    triggers = [t for t, _ in history(live_app, pathway_id)]
    assert triggers[-4:] == ["start_training", "seek_employment", "start_training", "sign_contract"]
