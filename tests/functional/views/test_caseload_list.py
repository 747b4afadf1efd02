"""A caseload of 80: sorting by column, real paging, selection, exports, print, reassigning a selection."""

from __future__ import annotations

import html
import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from pathways.models import AuditEntry, Pathway
from pathways.services.platform import create_territory, create_user
from pathways.states import State
from pathways.vocabulary import Role
from tests import factories

TODAY = date(2026, 6, 15)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def names_in_order(response) -> list[str]:
    """The persons of the list, top to bottom (the links to their files)."""
    return re.findall(r'<td><a href="/parcours/\d+">([^<]+)</a></td>', text(response))


@pytest.fixture
def caseload_of_80(session, world):
    """80 pathways followed by the world's conseiller, names from Nom00 to Nom79."""
    for number in range(80):
        person = factories.make_person(session, world, last_name=f"Nom{number:02d}", first_name="Awa")
        pathway = factories.make_pathway(
            session, world, State.REFERRED, start=TODAY - timedelta(days=90), person=person
        )
        pathway.adviser_id = world.adviser.id
    session.commit()
    return world


def test_the_list_pages_with_numbers_first_and_last(caseload_of_80, login):
    client = login(caseload_of_80.adviser)
    first = client.get("/portefeuille/?tri=nom&ordre=asc")
    page = text(first)
    assert "80 parcours — page 1 sur 2" in page
    assert len(names_in_order(first)) == 50
    assert 'aria-current="page" title="Page 1">1</a>' in page
    assert "Page suivante" in page
    assert "Dernière page (2)" in page
    second = client.get("/portefeuille/?tri=nom&ordre=asc&page=2")
    assert names_in_order(second) == [f"Awa NOM{n:02d}" for n in range(50, 80)]
    # A page beyond the last shows the last one; nonsense shows the first.
    assert names_in_order(client.get("/portefeuille/?tri=nom&ordre=asc&page=99")) == names_in_order(second)
    assert names_in_order(client.get("/portefeuille/?tri=nom&ordre=asc&page=abc")) == names_in_order(first)


def test_sorting_by_column_both_ways(caseload_of_80, login, session):
    client = login(caseload_of_80.adviser)
    ascending = names_in_order(client.get("/portefeuille/?tri=nom&ordre=asc"))
    descending = names_in_order(client.get("/portefeuille/?tri=nom&ordre=desc"))
    assert ascending[:3] == ["Awa NOM00", "Awa NOM01", "Awa NOM02"]
    assert descending[:3] == ["Awa NOM79", "Awa NOM78", "Awa NOM77"]
    page = text(client.get("/portefeuille/?tri=nom&ordre=asc"))
    # The sorted column says so, and its button offers the other order.
    assert re.search(
        r'<th scope="col" aria-sort="ascending">\s*<div class="fr-cell--sort">\s*<span class="fr-cell__title">Personne',
        page,
    )
    assert "Trier par personne, ordre décroissant" in page
    assert "par nom, de A à Z" in page
    # Paging keeps the order.
    assert "tri=nom" in re.search(r'href="([^"]+page=2[^"]*)"', page).group(1)


def test_sorting_by_last_contact_and_by_state(session, world, login):
    old = factories.make_pathway(session, world, State.EMPLOYMENT, start=TODAY - timedelta(days=100))
    recent = factories.make_pathway(session, world, State.TRAINING, start=TODAY - timedelta(days=3))
    session.commit()
    client = login(world.adviser)
    by_contact = names_in_order(client.get("/portefeuille/?tri=contact&ordre=asc"))
    assert by_contact.index(old.person.full_name) < by_contact.index(recent.person.full_name)
    by_contact = names_in_order(client.get("/portefeuille/?tri=contact&ordre=desc"))
    assert by_contact.index(recent.person.full_name) < by_contact.index(old.person.full_name)
    # The parcours' own order: training comes before employment.
    by_state = names_in_order(client.get("/portefeuille/?tri=etape&ordre=asc"))
    assert by_state.index(recent.person.full_name) < by_state.index(old.person.full_name)
    # An unknown sort falls back to "what needs attention first".
    assert client.get("/portefeuille/?tri=nimporte&ordre=quoi").status_code == 200


def test_the_platform_list_sorted_by_conseiller_and_by_territory(session, world, login):
    """The manager's list, by the columns whose names live in other tables; empty ones last."""
    world.adviser.full_name = "Awa Bernard"
    other = create_user(
        session,
        email="zoe@example.fr",
        role=Role.ADVISER,
        password=factories.PASSWORD,
        platform=world.platform,
        full_name="Zoé Martin",
    )
    elsewhere = create_territory(session, world.platform, "Abbeville")
    bernard = factories.make_pathway(session, world, State.EMPLOYMENT, start=TODAY - timedelta(days=40))
    martin = factories.make_pathway(session, world, State.EMPLOYMENT, start=TODAY - timedelta(days=40))
    martin.adviser_id, martin.territory_id = other.id, elsewhere.id
    nobody = factories.make_pathway(session, world, State.REFERRED, start=TODAY - timedelta(days=5))
    nobody.territory_id = None
    session.commit()
    client = login(world.manager)

    people = [p.person.full_name for p in (bernard, martin, nobody)]

    def order(sort: str, way: str) -> list[str]:
        names = names_in_order(client.get(f"/portefeuille/?tri={sort}&ordre={way}"))
        return [name for name in names if name in people]

    assert order("conseiller", "asc") == [people[0], people[1], people[2]]
    assert order("conseiller", "desc") == [people[1], people[0], people[2]]
    assert order("territoire", "asc") == [people[1], people[0], people[2]]
    assert order("territoire", "desc") == [people[0], people[1], people[2]]


def test_no_adviser_column_in_ones_own_caseload(session, world, login):
    factories.make_pathway(session, world, State.EMPLOYMENT, start=TODAY - timedelta(days=10))
    session.commit()
    own = text(login(world.adviser).get("/portefeuille/"))
    assert ">Conseiller·ère<" not in own
    platform = text(login(world.manager).get("/portefeuille/"))
    assert '<span class="fr-cell__title">Conseiller·ère</span>' in platform


def test_export_of_the_whole_list_and_of_a_selection(caseload_of_80, login, session):
    client = login(caseload_of_80.adviser)
    response = client.get("/portefeuille/export.xlsx?q=nom0&tri=nom&ordre=asc")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Nom", "Prénom")
    assert [row[0] for row in rows[1:]] == [f"NOM{n:02d}" for n in range(10)]
    ids = list(session.scalars(sa.select(Pathway.id).order_by(Pathway.id).limit(3)))
    response = client.post("/portefeuille/selection", data={"parcours": ids, "action": "exporter"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert len(rows) == 1 + 3
    exports = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.id)
    ).all()
    assert [(e.details["report"], e.details["rows"], e.details["selection"]) for e in exports] == [
        ("caseload", 10, False),
        ("caseload", 3, True),
    ]


def test_a_selection_outside_ones_scope_answers_404(session, world, login):
    other = factories.make_world(session, "essonne")
    theirs = factories.make_pathway(session, other, State.EMPLOYMENT, start=TODAY - timedelta(days=10))
    mine = factories.make_pathway(session, world, State.EMPLOYMENT, start=TODAY - timedelta(days=10))
    session.commit()
    client = login(world.adviser)
    response = client.post(
        "/portefeuille/selection", data={"parcours": [mine.id, theirs.id], "action": "exporter"}
    )
    assert response.status_code == 404
    # Nothing ticked: back to the list, with why.
    response = client.post("/portefeuille/selection", data={"action": "exporter"}, follow_redirects=True)
    assert "Sélectionnez au moins un parcours" in text(response)


def test_print_view_lists_every_row_without_paging(caseload_of_80, login):
    page = text(login(caseload_of_80.adviser).get("/portefeuille/impression?tri=nom&ordre=asc"))
    assert page.count("Awa NOM") == 80
    assert "data-pw-print" in page
    assert "80 parcours" in page


def test_a_manager_reassigns_a_selection_after_confirming(session, world, login):
    pathways = [
        factories.make_pathway(session, world, State.EMPLOYMENT, start=TODAY - timedelta(days=20))
        for _ in range(3)
    ]
    finished = factories.make_pathway(session, world, State.COMPLETED, start=TODAY - timedelta(days=300))
    newcomer = create_user(
        session,
        email="new@example.fr",
        role=Role.ADVISER,
        password=factories.PASSWORD,
        platform=world.platform,
    )
    session.commit()
    ids = [p.id for p in pathways[:2]] + [finished.id]
    client = login(world.manager)
    response = client.post("/portefeuille/selection", data={"parcours": ids, "action": "reaffecter"})
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "3 parcours sélectionnés" in page
    assert 'name="confirmation" value="oui"' in page  # the dialog's button
    form = {"parcours": ids, "adviser_id": newcomer.id, "on": "2026-06-15", "note": "Congé long"}
    # Without the dialog's confirmation, nothing moves.
    response = client.post("/portefeuille/reaffecter", data=form)
    assert response.status_code == 422
    assert "Confirmez dans la fenêtre qui s'ouvre" in text(response)
    assert session.scalar(sa.select(Pathway.adviser_id).where(Pathway.id == ids[0])) == world.adviser.id
    response = client.post(
        "/portefeuille/reaffecter", data={**form, "confirmation": "oui"}, follow_redirects=True
    )
    assert "2 parcours confiés à new@example.fr. 1 autre laissé tel quel" in text(response)
    advisers = dict(session.execute(sa.select(Pathway.id, Pathway.adviser_id)).all())
    assert advisers[ids[0]] == advisers[ids[1]] == newcomer.id
    assert advisers[pathways[2].id] == advisers[finished.id] == world.adviser.id
    # A conseiller cannot reassign.
    assert login(world.adviser).get(f"/portefeuille/reaffecter?parcours={ids[0]}").status_code == 404
