"""The three journeys of issue 4, end to end in Chromium, with axe-core on every page visited.

Each runs on a laptop's screen and on a phone's (390 × 844): there the menu
button opens the navigation and the account links, and the journey ends by
logging out through it. No page may log an error in the browser's console.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from pathways.extensions import db
from pathways.models import Pathway, Person, User
from pathways.services import pathway as pathway_service
from pathways.services.platform import create_user
from pathways.states import State
from pathways.vocabulary import Role
from pathways.wording import de
from tests import factories
from tests.browser.conftest import START

pytestmark = pytest.mark.browser
DEVICES = ["ordinateur", "telephone"]
# Each run makes its own persons: the second would otherwise be caught as duplicates.
PEOPLE = {
    "ordinateur": {
        "known": ("Connue", "Ines"),
        "newcomers": [
            ("Keita", "Aminata", "1991-04-12"),
            ("Moreau", "Julie", "1987-09-30"),
            ("Petit", "Sami", "1999-01-15"),
        ],
        "adviser_case": "Lefebvre",
        "leaving": "depart@navigateur.fr",
    },
    "telephone": {
        "known": ("Ouedraogo", "Assa"),
        "newcomers": [
            ("Sow", "Mariam", "1993-02-03"),
            ("Lambert", "Élodie", "1989-06-21"),
            ("Roussel", "Yanis", "2000-11-08"),
        ],
        "adviser_case": "Garnier",
        "leaving": "depart-mobile@navigateur.fr",
    },
}


def in_app(live_app, action):
    """Run ``action(session)`` in the live app's database and commit."""
    with live_app.app_context():
        result = action(db.session)
        db.session.commit()
        return result


@pytest.mark.parametrize("device", DEVICES)
def test_a_delegate_runs_a_session_and_a_week_and_hands_over(journey, world, live_app, device):
    """(a) Information session for 4 people, their orientation week, 3 projects validated and handed over."""
    people = PEOPLE[device]
    known_last, known_first = people["known"]
    # One of the four was repéré·e earlier (a known person); three are created on the spot.
    known = in_app(
        live_app,
        lambda s: (
            pathway_service.open_pathway(
                s,
                factories.make_person(s, world, last_name=known_last, first_name=known_first),
                referred_on=START - timedelta(days=20),
                actor=None,
                territory_id=world.territory.id,
                delegate=s.get(User, world.delegate.id),
            ).id
        ),
    )
    j = journey(device)
    page = j.page
    j.login(world.delegate.email)
    expect(page.locator("h1")).to_have_text("Mon espace délégué·e")
    j.check("accueil-delegue")

    page.click("text=Nouvelle information collective")
    j.check("nouvelle-information-collective")
    page.fill("#held_on", (START - timedelta(days=10)).isoformat())
    page.fill("#starts_at", "09:30")
    page.fill("#ends_at", "12:00")
    page.fill("#place", "Maison de l'emploi de Mantes")
    page.click("button:has-text('Créer l\\'information collective')")
    expect(page.locator("h1")).to_contain_text("Information collective du")
    session_url = page.url
    j.check("information-collective")

    page.select_option("#pathway", str(known))
    page.click("button:has-text('Inscrire')")
    expect(page.locator(".fr-alert--success")).to_contain_text(f"{known_first} {known_last.upper()}")
    newcomers = people["newcomers"]
    for last, first, birth in newcomers:
        page.fill("#last_name", last)
        page.fill("#first_name", first)
        page.fill("#birth_date", birth)
        page.click("button:has-text('Créer et inscrire')")
        expect(page.locator(".fr-alert--success")).to_contain_text(f"{first} {last.upper()}")
    # The same person typed again is caught as a possible duplicate, and the warning is in sight.
    last, first, birth = newcomers[0]
    page.fill("#last_name", last.upper())
    page.fill("#first_name", first)
    page.fill("#birth_date", birth)
    page.click("button:has-text('Créer et inscrire')")
    expect(page.locator("#doublons")).to_contain_text(f"{first} {last.upper()}")
    expect(page.locator("#form-errors")).to_be_focused()
    expect(page.locator("#doublons")).to_be_in_viewport()
    j.check("doublon-detecte")
    page.goto(session_url)
    for radio in page.locator("input[type=radio][value='present']").all():
        page.click(f"label[for='{radio.get_attribute('id')}']")
    page.click("button:has-text('Enregistrer les présences')")
    expect(page.locator(".fr-alert--success")).to_contain_text("4 modification")
    j.check("presences-information-collective")

    j.nav("Pôle orientation")
    j.check("liste-semaines")
    page.click("text=Nouvelle semaine")
    monday = START - timedelta(days=7)
    page.fill("#starts_on", monday.isoformat())
    page.fill("#place", "Pôle autonomie de Versailles")
    page.click("button:has-text('Créer la semaine')")
    expect(page.locator("h1")).to_have_text(f"Semaine du {monday:%d/%m/%Y}")
    week_url = page.url
    j.check("semaine")
    for _ in range(4):
        page.select_option("#pathway", index=1)
        page.click("label[for='availability_confirmed']")
        page.click("button:has-text('Ajouter à la semaine')")
        expect(page.locator(".fr-alert--success")).to_contain_text("participe à la semaine")
    for box in page.locator("#presences input[type=checkbox]").all():
        box.focus()  # the grid is filled from the keyboard, as many délégués do
        page.keyboard.press("Space")
    page.click("#presences button:has-text('Enregistrer les présences')")
    expect(page.locator(".fr-alert--success")).to_contain_text("20 modification")
    j.check("semaine-presences")

    names = [
        f"{known_first} {known_last.upper()}",
        *(f"{first} {last.upper()}" for last, first, _ in newcomers),
    ]
    for name in names:
        page.goto(week_url)
        page.click(f'a:has-text("Rédiger le diagnostic"):has(span:text-is(" {de(name)}"))')
        validated = name != names[-1]
        page.fill("#basic_skills", "Savoirs de base acquis")
        page.click(f"label[for='project_validated-{0 if validated else 1}']")
        if validated:
            page.select_option("#target_job_code", "K1311")
            page.fill("#road_map-0-title", "PMSMP dans un SAAD")
            page.fill("#road_map-0-planned_on", (START + timedelta(days=14)).isoformat())
        if name == names[0]:
            j.check("diagnostic")
        page.click("button:has-text('Enregistrer le diagnostic')")
        expect(page.locator(".fr-alert--success")).to_contain_text(f"Diagnostic {de(name)}")
    for name in names[:3]:
        page.click(f"a:has-text('Passer le relais'):has(span:text-is(' pour {name}'))")
        page.select_option("#adviser_id", str(world.adviser.id))
        page.fill("#note", "Projet ADVF validé ; mobilité à travailler.")
        if name == names[0]:
            j.check("passage-de-relais")
        page.click("button:has-text('Confier le parcours')")
        expect(page.locator(".fr-alert--success")).to_contain_text(f"{name} est confié·e")
    expect(page.locator("#participants")).to_contain_text("Projet non validé")
    j.check("semaine-apres-relais")
    if j.phone:
        j.open_menu()
        j.check("menu-ouvert")
    j.logout()
    j.assert_accessible()

    handed = in_app(
        live_app,
        lambda s: s.scalar(
            sa.select(sa.func.count()).select_from(Pathway).where(Pathway.adviser_id == world.adviser.id)
        ),
    )
    assert handed >= 3


def prepared_pathway(live_app, world, last_name: str) -> int:
    """A pathway in orientation, project validated and handed over to the conseiller (through the services)."""

    def build(s):
        person = factories.make_person(s, world, last_name=last_name, first_name="Nora")
        pathway = pathway_service.open_pathway(
            s, person, referred_on=START - timedelta(days=30), actor=None, territory_id=world.territory.id
        )
        pathway_service.move(
            s,
            pathway,
            factories.MoveRequest(
                factories.Trigger.START_ORIENTATION,
                occurred_on=START - timedelta(days=14),
                orientation_week_id=world.week.id,
                availability_confirmed=True,
            ),
            None,
        )
        pathway_service.record_diagnostic(
            s,
            pathway,
            written_on=START - timedelta(days=10),
            project_validated=True,
            target_job_code="K1311",
            actor=None,
        )
        pathway_service.assign_adviser(
            s, pathway, s.get(User, world.adviser.id), actor=None, on=START - timedelta(days=10)
        )
        return pathway.id

    return in_app(live_app, build)


@pytest.mark.parametrize("device", DEVICES)
def test_an_adviser_follows_a_pathway_to_its_end(journey, world, live_app, live_clock, device):
    """(b) Mobility frein logged and resolved, PMSMP and its assessment, training, contract, 3 checkpoints, completed."""
    last_name = PEOPLE[device]["adviser_case"]
    pathway_id = prepared_pathway(live_app, world, last_name)
    j = journey(device)
    page = j.page
    j.login(world.adviser.email)
    expect(page.locator("h1")).to_have_text("Mon portefeuille")
    j.check("portefeuille")
    page.fill("#q", last_name.lower())
    page.click("button:has-text('Filtrer')")
    page.click(f"#liste-parcours a:has-text('Nora {last_name.upper()}')")
    expect(page.locator("h1")).to_have_text(f"Parcours de Nora {last_name.upper()}")
    file_url = page.url
    j.check("dossier")
    # On paper, the file without the navigation nor the actions.
    page.emulate_media(media="print")
    expect(page.locator("header.fr-header")).to_be_hidden()
    expect(page.locator("#etapes-possibles")).to_be_hidden()
    expect(page.locator("h1")).to_be_visible()
    page.emulate_media(media="screen")

    def move(
        label: str, fill: dict[str, str], selects: dict[str, str] | None = None, confirm: str | None = None
    ) -> None:
        page.goto(file_url)
        page.click(f"#etapes-possibles >> text={label}")
        for selector, value in (selects or {}).items():
            page.select_option(selector, value)
        for selector, value in fill.items():
            page.fill(selector, value)
        j.check(re.sub(r"\W+", "-", label.lower()).strip("-"))
        page.click("button:has-text('Enregistrer')")
        if confirm:  # an irreversible step is asked twice
            j.check(re.sub(r"\W+", "-", confirm.lower()).strip("-"))
            page.click(f"dialog >> button:has-text('{confirm}')")
        expect(page.locator(".fr-alert--success")).to_contain_text("Étape enregistrée")

    # The mobility frein, identified then resolved.
    page.click("text=Signaler un frein")
    page.select_option("#category", "mobility")
    page.fill("#details", "Pas de véhicule, permis en cours")
    j.check("frein")
    page.click("button:has-text('Enregistrer le frein')")
    expect(page.locator("#freins")).to_contain_text("Mobilité")
    page.click("#freins >> text=Changer le statut")
    page.select_option("#status", "resolved")
    page.fill("#action_taken", "Aide au permis financée, covoiturage trouvé")
    page.fill("#partner", "Plateforme mobilité")
    j.check("frein-statut")
    page.click("button:has-text('Enregistrer le statut')")
    expect(page.locator("#freins")).to_contain_text("Levé")

    # A refused PMSMP keeps what was typed and says why.
    page.click("#etapes-possibles >> text=Enregistrer une PMSMP")
    page.select_option("#employer_id", str(world.employer.id))
    page.fill("#starts_on", START.isoformat())
    page.fill("#ends_on", (START + timedelta(days=45)).isoformat())
    page.fill("#tutor_name", "Mme Garcia")
    page.click("button:has-text('Enregistrer')")
    expect(page.locator("#form-errors")).to_contain_text("Une PMSMP dure au plus un mois.")
    expect(page.locator("#tutor_name")).to_have_value("Mme Garcia")
    j.check("pmsmp-refusee")
    page.fill("#ends_on", (START + timedelta(days=2)).isoformat())
    page.select_option("#objective", "confirm")
    page.click("button:has-text('Enregistrer')")
    expect(page.locator("#etat-parcours")).to_have_text("PMSMP")

    live_clock.shift(3)
    j.login(world.adviser.email)  # days later: the idle session has ended, as it would
    page.goto(file_url)
    page.click("#pmsmp >> text=Enregistrer le bilan")
    page.click("label[for='outcome-0']")
    page.fill("#employer_feedback", "Très bonne posture professionnelle")
    page.select_option("#leads_to", "training")
    j.check("bilan-pmsmp")
    page.click("button:has-text('Enregistrer le bilan')")
    expect(page.locator("#pmsmp")).to_contain_text("Réalisée")

    move(
        "Enregistrer une entrée en formation",
        {"#starts_on": live_clock.today.isoformat()},
        {"#organisation_id": str(world.organisation.id), "#certification_code": "TP_ADVF", "#funding": "prf"},
    )
    live_clock.shift(60)
    j.login(world.adviser.email)
    move(
        "Enregistrer un contrat de travail",
        {"#starts_on": live_clock.today.isoformat()},
        {
            "#employer_id": str(world.employer.id),
            "#employer_type": "saad",
            "#job_code": "K1311",
            "#contract_type": "cdi",
        },
    )
    contract_start = live_clock.today
    expect(page.locator("#etat-parcours")).to_have_text("Suivi dans l'emploi")

    for months, days in ((1, 31), (3, 92), (6, 184)):
        live_clock.today = contract_start + timedelta(days=days)
        j.login(world.adviser.email)  # a jump of weeks ends the session, as it would
        page.goto(file_url)
        page.click(f"#suivi a:has(span:text-is(' le point à {months} mois'))")
        page.click("label[for='still_in_post-0']")
        page.fill("#difficulties", "Aucune" if months != 3 else "Horaires coupés")
        if months == 1:
            j.check("point-de-suivi")
        page.click("button:has-text('Enregistrer le point de suivi')")
        expect(page.locator(".fr-alert--success")).to_contain_text(f"Point de suivi à {months} mois")

    move("Clore le parcours", {}, confirm="Confirmer la clôture")
    expect(page.locator("#etat-parcours")).to_have_text("Parcours terminé")
    j.check("parcours-termine")
    j.logout()
    j.assert_accessible()
    state = in_app(live_app, lambda s: s.get(Pathway, pathway_id).state)
    assert state is State.COMPLETED


@pytest.mark.parametrize("device", DEVICES)
def test_a_manager_reassigns_a_caseload_and_reads_the_funnel(journey, world, live_app, device):
    """(c) The dashboard's funnel, then a whole caseload handed to another conseiller, after confirming."""
    leaving_email = PEOPLE[device]["leaving"]
    leaving = in_app(
        live_app,
        lambda s: (
            create_user(
                s,
                email=leaving_email,
                role=Role.ADVISER,
                password=factories.PASSWORD,
                platform=s.get(factories.Platform, world.platform.id),
            ).id
        ),
    )
    ids = [prepared_pathway(live_app, world, name) for name in ("Roux", "Fabre")]

    def give_to_leaving(s):
        for pathway_id in ids:
            pathway_service.assign_adviser(s, s.get(Pathway, pathway_id), s.get(User, leaving), actor=None)

    in_app(live_app, give_to_leaving)
    j = journey(device)
    page = j.page
    j.login(world.manager.email)
    expect(page.locator("h1")).to_have_text("Tableau de bord de la plateforme")
    expect(page.locator("#table-funnel")).to_contain_text("Accompagnement engagé")
    funnel_orientation = page.locator(
        "#table-funnel tr:has(th:text-is('Accompagnement engagé (pôle orientation ou au-delà)')) td"
    ).first.inner_text()
    assert int(funnel_orientation) >= 2
    expect(page.locator("#chart-funnel")).to_be_visible()
    j.check("tableau-de-bord")

    page.click(f"a:has(span:text-is(' le portefeuille de {leaving_email}')) >> nth=1")
    expect(page.locator("h1")).to_have_text("Réaffecter un portefeuille")
    expect(page.locator("#from_adviser_id")).to_have_value(str(leaving))
    page.select_option("#adviser_id", str(world.adviser.id))
    page.fill("#note", "Départ de la conseillère : reprise du portefeuille.")
    j.check("reaffecter")
    # Enter in a field asks for the confirmation too, rather than sending the form.
    page.press("#on", "Enter")
    dialog = page.locator("#confirmer-reaffectation")
    expect(dialog).to_be_visible()
    j.check("reaffecter-confirmation")
    dialog.locator("button:has-text('Annuler')").click()
    expect(dialog).to_be_hidden()
    page.click("button:has-text('Réaffecter tous ses parcours en cours')")
    dialog.locator("button:has-text('Confirmer la réaffectation')").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("2 parcours")
    j.check("tableau-de-bord-apres")

    j.nav("Listes de référence")
    j.check("listes-de-reference")
    j.nav("Parcours")
    j.check("parcours-plateforme")

    # A conseiller away for two weeks: a colleague follows their caseload meanwhile.
    j.nav("Remplacements")
    expect(page.locator("h1")).to_have_text("Remplacements")
    page.select_option("#replaced", str(world.adviser.id))
    page.select_option("#replacing", str(leaving))
    page.fill("#starts_on", START.isoformat())
    page.fill("#ends_on", (START + timedelta(days=14)).isoformat())
    j.check("remplacements")
    page.click("main button[type=submit]")
    expect(page.locator(".fr-alert--success")).to_contain_text("29/06/2026")
    expect(page.locator("main table")).to_contain_text(leaving_email)
    j.check("remplacements-apres")
    j.logout()
    j.assert_accessible()
    advisers = in_app(
        live_app, lambda s: set(s.scalars(sa.select(Pathway.adviser_id).where(Pathway.id.in_(ids))))
    )
    assert advisers == {world.adviser.id}
    assert in_app(live_app, lambda s: s.scalar(sa.select(sa.func.count()).select_from(Person))) >= 2


def test_a_manager_asks_for_a_cohort_and_downloads_it(journey, world, live_app, live_worker, tmp_path):
    """Issue 14: the export runs in the job queue's consumer; the page follows it without reloading."""
    prepared_pathway(live_app, world, "Cohorte")
    j = journey()
    page = j.page
    j.login(world.manager.email)
    j.goto("/bilan/")
    expect(page.locator("h1")).to_have_text("Bilan et exports")
    page.check("input[name=kind][value=cohort]", force=True)
    page.fill("#year", str(START.year))
    j.check("bilan-formulaire")
    page.click("button:has-text('Préparer le fichier')")
    expect(page.locator("h1")).to_have_text("Mes tâches")
    expect(page.locator(".fr-alert")).to_contain_text("est en préparation")
    item = page.locator(".pw-job").first
    expect(item).to_contain_text(f"Cohorte pseudonymisée, {START.year}")
    j.check("mes-taches-en-preparation")
    # The consumer writes the file; the page's script shows the link, no reload.
    page.evaluate("document.body.dataset.loaded = 'first'")
    link = item.locator("a.fr-link--download")
    expect(link).to_be_visible(timeout=60_000)
    assert page.evaluate("document.body.dataset.loaded") == "first"
    expect(page.locator("#jobs-announcer")).to_contain_text("Le fichier est prêt")
    expect(link).to_contain_text("disponible jusqu'au")
    j.check("mes-taches-pret")
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"cohorte-pseudonymisee-navigateur-{START.year}0101-{START.year}1231.xlsx"
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(saved)).get_sheet_by_name("Cohorte").to_python()
    assert rows[0][0] == "pseudonyme"
    assert len(rows) >= 2
    page.set_viewport_size({"width": 390, "height": 844})
    j.check("mes-taches-telephone")
    j.assert_accessible()
