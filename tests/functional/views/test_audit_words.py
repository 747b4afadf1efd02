"""The audit trail in French: actions, objects by name, values before and after by label, filters."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from pathways.services import barrier as barrier_service
from pathways.services.audit_words import ACTION_LABELS, FAMILIES, action_codes
from pathways.services.pathway import assign_adviser
from pathways.states import State
from tests import factories

TODAY = date(2026, 6, 15)
ROOT = Path(__file__).resolve().parents[3]


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def trail(session, world):
    person = factories.make_person(session, world, last_name="Dupont", first_name="Émilie")
    pathway = factories.make_pathway(
        session, world, State.REFERRED, start=TODAY - timedelta(days=10), person=person
    )
    assign_adviser(session, pathway, world.adviser, actor=world.manager, on=TODAY)
    barrier_service.identify_barrier(
        session, pathway, category="mobility", identified_on=TODAY, actor=world.adviser
    )
    other = factories.make_pathway(session, world, State.REFERRED, start=TODAY - timedelta(days=3))
    session.commit()
    return pathway, other


def test_entries_read_in_french(trail, world, login):
    page = text(login(world.manager).get("/journal/"))
    assert "Affectation à un·e conseiller·ère" in page
    assert "Parcours d'Émilie DUPONT" in page  # the object by name, elided
    assert f"Conseiller·ère : — → {world.adviser.email}" in page  # before and after by name
    assert "Frein signalé" in page
    assert "Catégorie : — → Mobilité" in page
    visible = re.sub(r"<[^>]+>", " ", page)  # what a reader sees, not the options' values
    for code in ("pathway.assign_adviser", "adviser_id", "barrier.identify", "mobility", "n° "):
        assert code not in visible


def test_filters_by_family_action_kind_user_and_person(trail, world, login):
    _, other = trail
    client = login(world.manager)
    page = text(client.get("/journal/"))
    assert '<optgroup label="Parcours">' in page
    assert '<option value="pathway">Toutes : parcours</option>' in page

    def rows(**query) -> list[str]:
        return re.findall(
            r"<tr>\s*<td>[^<]+</td>\s*<td>[^<]*</td>\s*<td>([^<]+)</td>",
            text(client.get("/journal/", query_string=query)),
        )

    assert set(rows(action="barrier")) == {"Frein signalé"}
    assert set(rows(action="pathway.assign_adviser")) == {"Affectation à un·e conseiller·ère"}
    assert "Ouverture d'un parcours" in rows(action="pathway")
    assert set(rows(object_type="barrier")) == {"Frein signalé"}
    assert set(rows(user_id=world.manager.id)) == {"Affectation à un·e conseiller·ère", "Connexion"}
    # The person concerned, typed without accents: their person, pathway and frein entries.
    about = rows(person="emilie dupont")
    assert set(about) == {
        "Création d'une personne",
        "Ouverture d'un parcours",
        "Affectation à un·e conseiller·ère",
        "Frein signalé",
    }
    assert other.person.full_name not in text(client.get("/journal/", query_string={"person": "emilie"}))


def test_every_action_the_code_records_has_a_french_label():
    recorded = set()
    for path in [*(ROOT / "pathways").rglob("*.py"), *(ROOT / "exports").rglob("*.py")]:
        source = path.read_text(encoding="utf-8")
        recorded |= set(re.findall(r'record\(\s*\w+,\s*[\w.()]+,\s*"([a-z_.]+)"', source))
        recorded |= set(re.findall(r'\baction="([a-z_.]+)"', source))
        recorded |= set(re.findall(r'"(export\.[a-z_]+)"', source))
    # Built from parts: reference lists, views of a file, the logout.
    recorded |= {
        f"{kind}.{verb}"
        for kind in ("employer", "organisation", "prescriber")
        for verb in ("create", "update")
    }
    recorded |= {"person.view", "pathway.view", "logout", "access.refused", "export", "import"}
    assert recorded - set(ACTION_LABELS) == set()
    assert len(recorded) > 40


def test_old_links_by_a_code_prefix_still_filter():
    assert action_codes("note") == ["note.create"]
    assert action_codes("pathway") == list(FAMILIES["pathway"][1])
    assert action_codes("nothing") is None
