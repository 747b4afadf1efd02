"""Sessions: idle and absolute timeouts, logout and deactivation ending them server-side."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pathways import clock
from pathways.security.auth import SESSION_ENDED, SESSION_EXPIRED
from tests.factories import PASSWORD, World, make_world
from tests.security.scene import csrf_token

# A page any logged-in user may open, served by this part alone.
PAGE = "/compte"


@pytest.fixture
def world(session: Session) -> World:
    world = make_world(session)
    session.commit()
    return world


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    moment = [datetime(2026, 6, 15, 9, 0, tzinfo=UTC)]
    monkeypatch.setattr(clock, "now", lambda: moment[0])
    return moment


def logged_in(client: FlaskClient, world: World) -> FlaskClient:
    data = {"email": world.adviser.email, "password": PASSWORD, "csrf_token": csrf_token(client)}
    assert client.post("/login", data=data).status_code == 302
    assert client.get(PAGE).status_code == 200
    return client


def sent_to_login(client: FlaskClient, message: str) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert message in client.get(response.headers["Location"]).get_data(as_text=True)


def test_idle_timeout(client: FlaskClient, world: World, frozen: list[datetime]) -> None:
    logged_in(client, world)
    # Activity keeps the session alive...
    for _ in range(4):
        frozen[0] += timedelta(minutes=29)
        assert client.get(PAGE).status_code == 200
    # ...thirty minutes of silence end it.
    frozen[0] += timedelta(minutes=30, seconds=1)
    sent_to_login(client, SESSION_EXPIRED)


def test_absolute_timeout(client: FlaskClient, world: World, frozen: list[datetime]) -> None:
    logged_in(client, world)
    logged_at = frozen[0]
    # Busy all day, never idle for 30 minutes: still out after 12 hours.
    while frozen[0] + timedelta(minutes=29) <= logged_at + timedelta(hours=12):
        frozen[0] += timedelta(minutes=29)
        assert client.get(PAGE).status_code == 200
    frozen[0] = logged_at + timedelta(hours=12, seconds=1)
    sent_to_login(client, SESSION_EXPIRED)


def test_cookie_flags(client: FlaskClient, world: World) -> None:
    data = {"email": world.adviser.email, "password": PASSWORD, "csrf_token": csrf_token(client)}
    cookie = client.post("/login", data=data).headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    over_https = client.get(PAGE, base_url="https://localhost").headers.get("Set-Cookie", "")
    assert "Secure" in over_https


def test_logout_ends_the_session_server_side(client: FlaskClient, world: World) -> None:
    logged_in(client, world)
    with client.session_transaction() as cookie:
        stolen = dict(cookie)
    assert client.post("/logout", data={"csrf_token": csrf_token(client, PAGE)}).status_code == 302
    assert client.get(PAGE).status_code == 302
    # Replaying the cookie of before the logout gets nowhere: its token is no longer the user's.
    with client.session_transaction() as cookie:
        cookie.update(stolen)
    sent_to_login(client, SESSION_ENDED)


def test_deactivation_ends_the_session_at_the_next_request(
    app: Flask, client: FlaskClient, session: Session, world: World
) -> None:
    from pathways.security.accounts import deactivate_user

    logged_in(client, world)
    deactivate_user(session, world.adviser, actor=world.admin)
    session.commit()
    sent_to_login(client, SESSION_ENDED)


def test_logout_needs_post(client: FlaskClient, world: World) -> None:
    logged_in(client, world)
    assert client.get("/logout").status_code == 405
    assert client.get(PAGE).status_code == 200
