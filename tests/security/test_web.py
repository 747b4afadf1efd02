"""CSRF, error pages, debug, enumeration logged in the audit trail."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from pathways import create_app
from pathways.models import AuditEntry
from pathways.security.access import public
from pathways.security.errors import CSRF_MESSAGE
from tests.conftest import make_app
from tests.security.scene import Scene, csrf_token, login

SECURITY_HEADERS = ("X-Content-Type-Options", "Referrer-Policy", "Content-Security-Policy")


def assert_secure_headers(response: TestResponse, personal: bool = True) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert "script-src 'self' 'nonce-" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    if personal:
        assert response.headers["Cache-Control"] == "no-store"


def test_csrf_missing_or_wrong_token_answers_400(app: Flask, scene: Scene, session: Session) -> None:
    client = app.test_client()
    login(client, scene.own.world.adviser)
    form = {"current": "x", "new": "y", "confirm": "y"}
    for token in (None, "forged-token"):
        data = dict(form, **({"csrf_token": token} if token else {}))
        response = client.post("/compte", data=data)
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "jeton de sécurité" in page
        assert CSRF_MESSAGE.split(" :")[0][:40] in page
        assert_secure_headers(response)
    # The login form too, before any session exists.
    assert app.test_client().post("/login", data={"email": "a@b.fr", "password": "x"}).status_code == 400
    reasons = session.scalars(
        sa.select(AuditEntry.details).where(AuditEntry.action == "access.refused")
    ).all()
    assert [r["reason"] for r in reasons] == ["csrf", "csrf"]


def test_a_valid_token_is_accepted(app: Flask, scene: Scene) -> None:
    client = app.test_client()
    login(client, scene.own.world.adviser)
    data = {"current": "x", "new": "y", "confirm": "y", "csrf_token": csrf_token(client, "/compte")}
    assert client.post("/compte", data=data).status_code == 422


def test_error_pages_are_generic_and_french(app: Flask, scene: Scene) -> None:
    client = app.test_client()
    login(client, scene.own.world.adviser)
    not_found = client.get("/cette-page-n-existe-pas")
    assert not_found.status_code == 404
    assert "Page introuvable" in not_found.get_data(as_text=True)
    assert_secure_headers(not_found)
    not_allowed = client.get("/logout")
    assert not_allowed.status_code == 405
    assert "Méthode non autorisée" in not_allowed.get_data(as_text=True)
    assert "POST" in not_allowed.headers["Allow"]
    too_big = client.post("/login", data={"email": "x" * (21 * 1024 * 1024)})
    assert too_big.status_code == 413
    assert "trop volumineux" in too_big.get_data(as_text=True)


def test_server_error_page_hides_the_error(database_url: str) -> None:
    app = make_app(database_url, TESTING=False)

    @app.get("/boum")
    @public
    def boum() -> str:
        raise RuntimeError("secret détail interne")

    response = app.test_client().get("/boum")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Erreur du serveur" in page
    assert "secret détail" not in page
    assert "Traceback" not in page
    assert_secure_headers(response)


def test_no_debug_outside_development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.delenv("PATHWAYS_ENV", raising=False)
    with pytest.raises(RuntimeError, match="debug"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    monkeypatch.setenv("PATHWAYS_ENV", "development")
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"}).debug


def test_enumerating_another_platform_answers_404_and_is_logged(
    app: Flask, scene: Scene, session: Session
) -> None:
    manager = scene.own.world.manager
    client = app.test_client()
    login(client, manager)
    theirs = scene.other.pathway.id
    ours = scene.own.pathway.id
    probed = [i for i in range(1, theirs + 3) if i != ours]
    for pathway_id in probed:
        assert client.get(f"/parcours/{pathway_id}").status_code == 404
    logged = session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.action == "access.refused", AuditEntry.platform_id == manager.platform_id)
        .order_by(AuditEntry.id)
    ).all()
    assert [entry.object_id for entry in logged] == probed
    # The probed platform's manager sees the probe of what exists on it (issue 9, class 7).
    theirs_logged = session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.action == "access.refused", AuditEntry.platform_id == scene.other.world.platform.id
        )
    ).all()
    assert [(e.object_id, e.user_id) for e in theirs_logged] == [(theirs, manager.id)]
    assert theirs_logged[0].details["probed_from_platform"] == manager.platform_id
    assert {(e.user_id, e.object_type, e.platform_id) for e in logged} == {
        (manager.id, "pathway", manager.platform_id)
    }
    assert logged[0].details["path"] == f"/parcours/{probed[0]}"
    assert logged[0].address == "127.0.0.1"


def test_a_role_refusal_is_logged_too(app: Flask, scene: Scene, session: Session) -> None:
    client = app.test_client()
    login(client, scene.own.world.admin)
    assert client.get(f"/parcours/{scene.own.pathway.id}").status_code == 404
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "access.refused")).one()
    assert entry.user_id == scene.own.world.admin.id


def test_static_files_are_public_and_cacheable(client: FlaskClient) -> None:
    response = client.get("/static/pathways.css")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
