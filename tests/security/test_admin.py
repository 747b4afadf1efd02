"""Administration pages: accounts, platforms, territories."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pathways.models import AuditEntry, Platform, Territory, User
from pathways.vocabulary import Role
from tests.security.scene import Scene, csrf_token, login


def admin_client(app: Flask, scene: Scene) -> FlaskClient:
    client = app.test_client()
    login(client, scene.own.world.admin)
    return client


def test_create_an_account(app: Flask, scene: Scene, session: Session) -> None:
    client = admin_client(app, scene)
    url = "/admin/comptes/nouveau"
    data = {
        "email": "Nouvelle.Deleguee@example.fr",
        "full_name": "Nouvelle Déléguée",
        "role": "delegate",
        "platform_id": str(scene.own.world.platform.id),
        "territory_ids": [str(scene.own.world.territory.id)],
        "password": "un long chemin vers Versailles",
        "csrf_token": csrf_token(client, url),
    }
    assert client.post(url, data=data).status_code == 302
    user = session.scalars(sa.select(User).where(User.email == "nouvelle.deleguee@example.fr")).one()
    assert user.role is Role.DELEGATE
    assert [t.id for t in user.territories] == [scene.own.world.territory.id]
    common = dict(
        data, email="autre@example.fr", password="azertyuiop123456", csrf_token=csrf_token(client, url)
    )
    refused = client.post(url, data=common)
    assert refused.status_code == 422
    assert "trop courant" in refused.get_data(as_text=True)


def test_territory_of_another_platform_is_refused(app: Flask, scene: Scene, session: Session) -> None:
    client = admin_client(app, scene)
    adviser = scene.own.world.adviser
    url = f"/admin/comptes/{adviser.id}"
    data = {
        "full_name": "",
        "role": "delegate",
        "platform_id": str(scene.own.world.platform.id),
        "territory_ids": [str(scene.other.world.territory.id)],
        "csrf_token": csrf_token(client, url),
    }
    assert client.post(url, data=data).status_code == 422
    session.expire_all()
    assert adviser.role is Role.ADVISER


def test_role_change_ends_the_sessions_and_is_audited(app: Flask, scene: Scene, session: Session) -> None:
    adviser = scene.own.world.adviser
    theirs = app.test_client()
    login(theirs, adviser)
    assert theirs.get("/compte").status_code == 200
    client = admin_client(app, scene)
    url = f"/admin/comptes/{adviser.id}"
    data = {
        "full_name": "Conseillère",
        "role": "manager",
        "platform_id": str(scene.own.world.platform.id),
        "csrf_token": csrf_token(client, url),
    }
    assert client.post(url, data=data).status_code == 302
    assert theirs.get("/compte").status_code == 302
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "user.update")).one()
    assert entry.changes["role"] == ["adviser", "manager"]


def test_deactivate_from_the_page(app: Flask, scene: Scene, session: Session) -> None:
    adviser = scene.own.world.adviser
    theirs = app.test_client()
    login(theirs, adviser)
    client = admin_client(app, scene)
    token = csrf_token(client, "/admin/comptes")
    assert (
        client.post(f"/admin/comptes/{adviser.id}/desactiver", data={"csrf_token": token}).status_code == 302
    )
    assert theirs.get("/compte").status_code == 302
    session.expire_all()
    assert not adviser.is_active
    # An admin cannot lock themselves out.
    admin = scene.own.world.admin
    client.post(f"/admin/comptes/{admin.id}/desactiver", data={"csrf_token": token})
    session.expire_all()
    assert admin.is_active


def test_platforms_and_territories(app: Flask, scene: Scene, session: Session) -> None:
    client = admin_client(app, scene)
    data = {"slug": "hauts-de-seine", "name": "Plateforme des Hauts-de-Seine"}
    response = client.post(
        "/admin/plateformes", data=dict(data, csrf_token=csrf_token(client, "/admin/plateformes"))
    )
    assert response.status_code == 302
    platform = session.scalars(sa.select(Platform).where(Platform.slug == "hauts-de-seine")).one()
    url = f"/admin/plateformes/{platform.id}"
    assert (
        client.post(url, data={"name": "Nanterre", "csrf_token": csrf_token(client, url)}).status_code == 302
    )
    assert session.scalars(sa.select(Territory.name).where(Territory.platform_id == platform.id)).all() == [
        "Nanterre"
    ]


def test_admins_see_no_person_file(app: Flask, scene: Scene) -> None:
    client = admin_client(app, scene)
    assert client.get(f"/parcours/{scene.own.pathway.id}").status_code == 404
    page = client.get(f"/admin/plateformes/{scene.own.world.platform.id}").get_data(as_text=True)
    assert scene.own.person.last_name not in page
