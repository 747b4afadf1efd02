"""French that reads right, forms that show their errors, and the pages' shared frame."""

from __future__ import annotations

import html
import re
from datetime import date, time, timedelta

import sqlalchemy as sa

from pathways.models import InfoSession, OrientationParticipant, OrientationWeek
from pathways.services import sessions as session_service
from pathways.services.enrolment import join_orientation_week
from pathways.services.platform import create_territory
from pathways.states import State
from pathways.wording import count, de, hours, number, percent, que
from tests import factories

TODAY = date(2026, 6, 15)  # a Monday


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_wording_helpers():
    assert de("Émilie DUPONT") == "d'Émilie DUPONT"
    assert de("Inès") == "d'Inès"
    assert de("Julie") == "de Julie"
    assert de("Hugo") == "de Hugo"
    assert que("administrateur·rice") == "qu'administrateur·rice"
    assert que("responsable de plateforme") == "que responsable de plateforme"
    assert [count(n, "participant·e", "participant·es") for n in (0, 1, 2)] == [
        "0 participant·e",
        "1 participant·e",
        "2 participant·es",
    ]
    assert hours(time(9, 30), time(12)) == "de 9 h 30 à 12 h"
    # Thousands apart by a narrow no-break space; a decimal comma; nothing when there is nothing.
    assert [number(n) for n in (950, 12_500, 1_000_000)] == ["950", "12\u202f500", "1\u202f000\u202f000"]
    assert number(42.25, decimals=1) == "42,2"
    assert number(None) == "—"
    assert count(12_500, "parcours", "parcours") == "12\u202f500 parcours"
    assert percent(0.125) == "12,5\u202f%"


def test_titles_elide_before_a_vowel(session, world, login):
    person = factories.make_person(session, world, last_name="Dupont", first_name="Émilie")
    pathway = factories.make_pathway(
        session, world, State.ORIENTATION, start=TODAY - timedelta(days=5), person=person
    )
    session.commit()
    # The week the pathway joined (its first day is the step's date).
    week_id = session.scalar(
        sa.select(OrientationParticipant.week_id).where(OrientationParticipant.pathway_id == pathway.id)
    )
    client = login(world.delegate)
    page = text(client.get(f"/pole-orientation/{week_id}/participants/{pathway.id}/diagnostic"))
    assert "<h1>Diagnostic d'Émilie DUPONT</h1>" in page
    assert "Diagnostic de Émilie" not in page
    week = text(client.get(f"/pole-orientation/{week_id}"))
    assert '<span class="fr-sr-only"> d\'Émilie DUPONT</span>' in week


def test_the_delegates_home_counts_in_french_and_tells_weeks_apart(session, world, login):
    second = create_territory(session, world.platform, "Territoire voisin")
    world.delegate.territories.append(second)
    monday = TODAY + timedelta(days=7)
    weeks = [
        session_service.create_orientation_week(
            session,
            world.platform,
            starts_on=monday,
            place="Pôle",
            seats=10,
            actor=world.delegate,
            territory_id=t.id,
        )
        for t in (world.territory, second)
    ]
    pathway = factories.make_pathway(session, world, State.REFERRED, start=TODAY - timedelta(days=5))
    join_orientation_week(session, weeks[0], pathway, availability_confirmed=True, actor=world.delegate)
    session_service.create_info_session(
        session,
        world.platform,
        held_on=TODAY + timedelta(days=2),
        starts_at=time(9, 30),
        ends_at=time(12),
        place="Maison de l'emploi",
        seats=12,
        actor=world.delegate,
        territory_id=world.territory.id,
    )
    session.commit()
    page = text(login(world.delegate).get("/delegue/"))
    assert "1 participant·e pour 10 places" in page
    assert "0 participant·e pour 10 places" in page
    assert "participant·es /" not in page
    assert "9 h 30 — Maison de l'emploi</a> (Territoire yvelines) : 0 inscrit·e pour 12 places" in page
    lines = re.findall(r"<li><a href=\"/pole-orientation/\d+\">Semaine du [^<]+</a>[^<]*</li>", page)
    assert len(lines) == 2
    assert lines[0] != lines[1]  # the same Monday in two territories: two different lines
    assert (
        "Territoires : Territoire voisin, Territoire yvelines" in page
        or "Territoires : Territoire yvelines, Territoire voisin" in page
    )


def test_session_and_week_lists_page_and_show_territory_and_times(session, world, login):
    for days_ago in range(55):
        session.add(
            InfoSession(
                platform_id=world.platform.id,
                territory_id=world.territory.id,
                held_on=TODAY - timedelta(days=days_ago),
                starts_at=time(14),
                ends_at=time(16, 30),
                place=f"Salle {days_ago}",
                seats=10,
            )
        )
    session.add(
        OrientationWeek(
            platform_id=world.platform.id,
            territory_id=world.territory.id,
            starts_on=TODAY,
            place="Pôle",
            seats=8,
        )
    )
    session.commit()
    client = login(world.manager)
    first = text(client.get("/informations-collectives/"))
    assert "56 informations collectives, les plus récentes d'abord — page 1 sur 2" in first
    assert "14 h – 16 h 30" in first
    assert "Territoire yvelines" in first
    second = text(client.get("/informations-collectives/?page=2"))
    assert second.count("<tr>") - 1 == 6
    assert "Salle 54" in second
    weeks = text(client.get("/pole-orientation/"))
    assert "2 semaines du pôle orientation" in weeks
    assert "Territoire yvelines" in weeks


def test_an_empty_choice_asks_to_choose(session, world, login):
    pathway = factories.make_pathway(session, world, State.EMPLOYMENT, start=TODAY - timedelta(days=10))
    session.commit()
    response = login(world.adviser).post(
        f"/parcours/{pathway.id}/freins/nouveau", data={"category": "", "identified_on": TODAY.isoformat()}
    )
    assert response.status_code == 422
    assert "Choisissez la catégorie du frein." in text(response)
    assert "inconnue" not in text(response)


def test_error_summary_is_focused_and_links_to_each_field(world, login):
    response = login(world.delegate).post(
        "/informations-collectives/nouvelle", data={"held_on": "", "place": ""}
    )
    page = text(response)
    assert response.status_code == 422
    assert re.search(
        r'<div class="fr-alert fr-alert--error[^"]*" role="alert" id="form-errors" tabindex="-1" data-pw-focus>',
        page,
    )
    assert '<a href="#place">Lieu : Le lieu est obligatoire.</a>' in page
    assert '<a href="#starts_at">Heure de début : ' in page


def test_the_duplicate_warning_takes_the_focus(session, world, login):
    factories.make_person(
        session, world, last_name="Keita", first_name="Aminata", birth_date=date(1991, 4, 12)
    )
    session.commit()
    response = login(world.delegate).post(
        "/delegue/personnes/nouvelle",
        data={"last_name": "KEITA", "first_name": "Aminata", "birth_date": "1991-04-12"},
    )
    page = text(response)
    assert response.status_code == 422
    assert '<div class="fr-mb-3w" id="doublons" tabindex="-1" data-pw-focus>' in page
    # The summary saying why comes first and takes the focus; the look-alikes follow at once.
    assert page.index('id="form-errors"') < page.index("data-pw-focus") < page.index('id="doublons"')
    assert "Cette personne semble déjà connue" in page


def test_required_fields_carry_the_asterisk_and_the_form_says_what_it_means(world, login):
    page = text(login(world.delegate).get("/informations-collectives/nouvelle"))
    assert "Les champs marqués d'un astérisque (*) sont obligatoires." in page
    assert 'Lieu <span class="pw-required" aria-hidden="true">*</span>' in page
    assert 'Heure de début <span class="pw-required" aria-hidden="true">*</span>' in page
    assert 'Territoire <span class="pw-required"' not in page


def test_login_fields_are_two_fieldset_elements(web_app):
    page = text(web_app.test_client().get("/login"))
    assert page.count('<div class="fr-fieldset__element">') == 2


def test_the_header_has_the_mobile_menu_and_the_account_links(world, login):
    page = text(login(world.adviser).get("/portefeuille/"))
    assert 'class="fr-btn--menu fr-btn" data-fr-opened="false" aria-controls="menu-principal"' in page
    assert '<div class="fr-header__menu-links"></div>' in page  # where the DSFR copies the account links
    assert 'id="menu-principal" aria-labelledby="bouton-menu"' in page
    assert 'href="/compte"' in page
    assert "Se déconnecter" in page
    assert 'src="/static/js/pathways.js"' in page


def test_the_bilan_form_prefills_no_year_and_takes_a_free_period(session, world, login):
    client = login(world.manager)
    page = text(client.get("/bilan/"))
    assert re.search(r'<input class="fr-input" id="year"[^>]* name="year" type="number" value="">', page)
    response = client.post("/bilan/", data={"kind": "bilan", "start": "2025-03-01", "end": "2025-08-31"})
    assert response.status_code == 302  # the file is prepared by the job queue
    jobs = text(client.get(response.headers["Location"]))
    assert "Bilan d'activité, du 01/03/2025 au 31/08/2025" in jobs
