"""Issue 9, class 8: throttling by (account, address) pair first, growing delays, high ceilings.

Ten failures from one address used to lock out everyone behind it (an
agency's NAT) and any chosen account for five minutes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pathways import clock
from pathways.models import AuditEntry, LoginAttempt
from pathways.security import throttle
from tests.factories import PASSWORD, World, make_world
from tests.security.scene import TOKEN


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


def post_login(client: FlaskClient, email: str, password: str, address: str = "127.0.0.1") -> int:
    environ = {"REMOTE_ADDR": address}
    match = TOKEN.search(client.get("/login", environ_base=environ).get_data(as_text=True))
    assert match
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": match.group(1) or match.group(2)},
        environ_base=environ,
    )
    return response.status_code


def test_the_pair_waits_longer_after_each_failure(
    app: Flask, world: World, frozen: list[datetime]
) -> None:
    client = app.test_client()
    for _ in range(throttle.PAIR_FREE_FAILURES):
        assert post_login(client, world.adviser.email, "wrong-password-again") == 200
    # From now on each failure doubles the wait: 1 minute, then 2, then 4.
    for wait in (1, 2, 4):
        assert post_login(client, world.adviser.email, PASSWORD) == 429
        frozen[0] += timedelta(minutes=wait) - timedelta(seconds=5)
        assert post_login(client, world.adviser.email, PASSWORD) == 429
        frozen[0] += timedelta(seconds=10)
        assert post_login(client, world.adviser.email, "still-wrong-password") == 200
    frozen[0] += timedelta(minutes=8, seconds=5)
    assert post_login(client, world.adviser.email, PASSWORD) == 302


def test_one_persons_failures_lock_nobody_else_behind_the_same_address(
    app: Flask, world: World, frozen: list[datetime]
) -> None:
    client = app.test_client()
    for _ in range(throttle.PAIR_FREE_FAILURES + 3):
        post_login(client, world.adviser.email, "wrong-password-again", address="203.0.113.7")
    assert post_login(client, world.adviser.email, PASSWORD, address="203.0.113.7") == 429
    # A colleague at the same agency (same NAT address) logs in...
    assert post_login(app.test_client(), world.manager.email, PASSWORD, address="203.0.113.7") == 302
    # ...and the adviser from home too: the lock is the pair's, not the account's.
    assert post_login(app.test_client(), world.adviser.email, PASSWORD, address="198.51.100.2") == 302


def test_an_address_trying_many_accounts_meets_its_ceiling(
    app: Flask, session: Session, world: World, frozen: list[datetime]
) -> None:
    client = app.test_client()
    for number in range(throttle.ADDRESS_MAX_FAILURES):
        # Distinct accounts, each well under its pair's free failures; inserted directly for speed.
        throttle.record_attempt(session, f"guess{number}@example.fr", "192.0.2.1", False)
    session.commit()
    assert post_login(client, world.manager.email, PASSWORD, address="192.0.2.1") == 429
    assert post_login(client, world.manager.email, PASSWORD, address="192.0.2.2") == 302
    frozen[0] += throttle.ADDRESS_LOCK + timedelta(seconds=1)
    assert post_login(app.test_client(), world.adviser.email, PASSWORD, address="192.0.2.1") == 302


def test_an_account_guessed_from_many_addresses_meets_its_ceiling(
    app: Flask, session: Session, world: World, frozen: list[datetime]
) -> None:
    addresses = throttle.ACCOUNT_MAX_FAILURES // throttle.PAIR_FREE_FAILURES
    for number in range(throttle.ACCOUNT_MAX_FAILURES):
        throttle.record_attempt(session, world.adviser.email, f"192.0.2.{number % addresses}", False)
    session.commit()
    assert post_login(app.test_client(), world.adviser.email, PASSWORD, address="198.51.100.9") == 429
    frozen[0] += throttle.ACCOUNT_LOCK + timedelta(seconds=1)
    assert post_login(app.test_client(), world.adviser.email, PASSWORD, address="198.51.100.9") == 302


def test_a_success_resets_the_pair_and_refusals_are_not_counted(
    app: Flask, session: Session, world: World, frozen: list[datetime]
) -> None:
    client = app.test_client()
    for _ in range(throttle.PAIR_FREE_FAILURES - 1):
        post_login(client, world.adviser.email, "wrong-password-again")
    assert post_login(client, world.adviser.email, PASSWORD) == 302
    client = app.test_client()
    for _ in range(throttle.PAIR_FREE_FAILURES):
        frozen[0] += timedelta(seconds=1)
        assert post_login(client, world.adviser.email, "wrong-password-again") == 200
    for _ in range(5):
        assert post_login(client, world.adviser.email, PASSWORD) == 429
    failures = session.scalar(
        sa.select(sa.func.count()).select_from(LoginAttempt).where(LoginAttempt.succeeded.is_(False))
    )
    assert failures == 2 * throttle.PAIR_FREE_FAILURES - 1


def test_failures_of_unknown_addresses_reach_the_admins_trail(
    app: Flask, session: Session, world: World, frozen: list[datetime]
) -> None:
    post_login(app.test_client(), "nobody@example.fr", "wrong-password-again", address="192.0.2.50")
    post_login(app.test_client(), "pas une adresse mais un mot de passe", "x" * 12)
    entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "login.failed")).all()
    assert [(e.platform_id, e.user_id, e.details) for e in entries] == [
        (None, None, {"email": "nobody@example.fr"}),
        (None, None, {"email": "?"}),
    ]
    from tests.security.scene import login

    client = app.test_client()
    login(client, world.admin)
    trail = client.get("/journal/").get_data(as_text=True)
    assert "nobody@example.fr" in trail
    assert "192.0.2.50" in trail
