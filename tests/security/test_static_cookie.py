"""Static files never send the session cookie back (no late response can restore an old session)."""

from __future__ import annotations

from tests.conftest import make_app
from tests.factories import PASSWORD, make_world


def test_static_response_sets_no_session_cookie(app, session, database_url) -> None:
    world = make_world(session)
    session.commit()
    client = make_app(database_url, WTF_CSRF_ENABLED=False).test_client()
    response = client.post("/login", data={"email": world.adviser.email, "password": PASSWORD})
    assert response.status_code == 302
    page = client.get("/")
    assert "session=" in page.headers.get("Set-Cookie", "")  # pages refresh the permanent session
    static = client.get("/static/pathways.css")
    assert static.status_code == 200
    assert "Set-Cookie" not in static.headers
