"""Login: argon2id with rehash, one message for every failure, throttling in the database."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pathways import clock, passwords
from pathways.models import AuditEntry
from pathways.security import throttle
from pathways.security.auth import LOGIN_REFUSED
from tests.factories import PASSWORD, World, make_world
from tests.security.scene import csrf_token


@pytest.fixture
def world(session: Session) -> World:
    world = make_world(session)
    session.commit()
    return world


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """A clock that only moves when the test says so: ``frozen[0] += timedelta(...)``."""
    moment = [datetime(2026, 6, 15, 9, 0, tzinfo=UTC)]
    monkeypatch.setattr(clock, "now", lambda: moment[0])
    return moment


def post_login(client: FlaskClient, email: str, password: str, **extra: str):
    data = {"email": email, "password": password, "csrf_token": csrf_token(client), **extra}
    return client.post("/login", data=data)


def page(response) -> str:
    """The page without what differs on every response (nonce, CSRF token)."""
    text = response.get_data(as_text=True)
    return re.sub(r'(nonce|value)="[^"]*"', r'\1=""', text)


def test_login_then_home(client: FlaskClient, world: World) -> None:
    response = post_login(client, world.adviser.email, PASSWORD)
    assert response.status_code == 302
    with client.session_transaction() as cookie:
        assert cookie["_user_id"] == world.adviser.get_id()
        assert "login_at" in cookie
        assert "seen_at" in cookie
    assert "remember_token" not in (response.headers.get("Set-Cookie") or "")


def test_same_message_whether_or_not_the_account_exists(client: FlaskClient, world: World) -> None:
    wrong = post_login(client, world.adviser.email, "not-the-password-at-all")
    unknown = post_login(client, "nobody@example.fr", "not-the-password-at-all")
    assert wrong.status_code == unknown.status_code == 200
    assert LOGIN_REFUSED in page(wrong)
    assert page(wrong) == page(unknown)


def test_inactive_account_is_refused_with_the_same_message(
    client: FlaskClient, session: Session, world: World
) -> None:
    world.adviser.is_active = False
    session.commit()
    response = post_login(client, world.adviser.email, PASSWORD)
    assert response.status_code == 200
    assert LOGIN_REFUSED in page(response)


def test_session_is_new_at_login(client: FlaskClient, world: World) -> None:
    with client.session_transaction() as cookie:
        cookie["planted"] = "by an attacker"
    post_login(client, world.adviser.email, PASSWORD)
    with client.session_transaction() as cookie:
        assert "planted" not in cookie


def test_next_goes_back_only_to_a_local_page(client: FlaskClient, world: World) -> None:
    response = client.post(
        "/login?next=//evil.example/x",
        data={"email": world.adviser.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert "evil" not in response.headers["Location"]


def test_hash_is_upgraded_when_parameters_change(client: FlaskClient, session: Session, world: World) -> None:
    old_hash = world.adviser.password_hash
    stronger = PasswordHasher(time_cost=2, memory_cost=128, parallelism=1)
    cheap = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    passwords.use_hasher(stronger)
    try:
        assert post_login(client, world.adviser.email, PASSWORD).status_code == 302
    finally:
        passwords.use_hasher(cheap)
    session.expire_all()
    assert world.adviser.password_hash != old_hash
    assert "m=128,t=2" in world.adviser.password_hash
    assert world.adviser.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("court", False),
        ("Motdepasse2026!", False),
        ("azertyuiop1234", False),
        ("aaaaaaaaaaaaaaaa", False),
        ("tous les chemins mènent à Versailles", True),
        ("x" * 11, False),
        ("Le-chat-du-voisin-joue-du-piano-" * 2, True),  # 64 characters
        ("y" * 60 + "Zz-9" + "w" * 65, False),  # 129 characters
    ],
)
def test_password_policy(password: str, accepted: bool) -> None:
    assert (passwords.policy_problems(password) == []) is accepted


def test_password_may_not_be_the_email_or_name() -> None:
    email = "camille.durand@example.fr"
    assert passwords.policy_problems(email, related=(email, "Camille Durand"))
    assert passwords.policy_problems("Camille Durand", related=(email, "Camille Durand"))
    assert not passwords.policy_problems("un jardin sous la pluie", related=(email,))


def test_attempts_are_in_the_audit_trail(client: FlaskClient, session: Session, world: World) -> None:
    post_login(client, world.adviser.email, "wrong-password-again")
    post_login(client, world.adviser.email, PASSWORD)
    actions = session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.user_id == world.adviser.id).order_by(AuditEntry.id)
    ).all()
    assert actions[-2:] == ["login.failed", "login.succeeded"]


def test_old_attempts_are_purged(session: Session, app: Flask, frozen: list[datetime]) -> None:
    throttle.record_attempt(session, "a@example.fr", "127.0.0.1", False)
    frozen[0] += timedelta(days=2)
    throttle.record_attempt(session, "a@example.fr", "127.0.0.1", False)
    assert throttle.purge_attempts(session) == 1
