"""The landing page sends each role to its workspace; forms need their CSRF token."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.mark.parametrize(
    ("role", "location"),
    [("adviser", "/portefeuille/"), ("delegate", "/delegue/"), ("manager", "/tableau-de-bord/")],
)
def test_home_sends_each_role_to_its_workspace(world, login, role, location):
    response = login(getattr(world, role)).get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(location)


def test_admin_stays_on_the_home_page(world, login):
    response = login(world.admin).get("/")
    assert response.status_code == 200
    assert "Bonjour" in response.get_data(as_text=True)


def test_anonymous_is_sent_to_login(web_app, world):
    response = web_app.test_client().get("/portefeuille/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_post_without_csrf_token_is_refused(app, session, world):
    pathway = factories.make_pathway(session, world, start=world.info_session.held_on)
    session.commit()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/login", data={"email": world.delegate.email, "password": factories.PASSWORD, "csrf_token": token}
    )
    response = client.post(
        f"/parcours/{pathway.id}/notes/nouvelle", data={"body": "Fait", "written_on": "2026-06-15"}
    )
    assert response.status_code == 400
