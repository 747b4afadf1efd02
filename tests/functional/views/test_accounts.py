"""Accounts: no role by default, a first-login password change, an administrator's home worth opening."""

from __future__ import annotations

import html

import sqlalchemy as sa

from pathways.models import AuditEntry, User
from pathways.security import accounts

NEW_PASSWORD = "un long chemin vers Versailles"
OWN_PASSWORD = "ma phrase de passe à moi seule"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_role_list_has_no_default(world, login, session):
    admin = login(world.admin)
    page = text(admin.get("/admin/comptes/nouveau"))
    assert 'name="role" required><option value="">— Choisir —</option><option value="admin">' in page
    assert 'Rôle <span class="pw-required" aria-hidden="true">*</span>' in page
    response = admin.post(
        "/admin/comptes/nouveau",
        data={"email": "sans-role@example.fr", "password": NEW_PASSWORD, "platform_id": world.platform.id},
    )
    assert response.status_code == 422
    assert "Choisissez le rôle du compte." in text(response)
    assert session.scalar(sa.select(User).where(User.email == "sans-role@example.fr")) is None


def test_a_new_account_chooses_its_password_at_first_login(world, login, session, web_app):
    admin = login(world.admin)
    response = admin.post(
        "/admin/comptes/nouveau",
        data={
            "email": "nouvelle@example.fr",
            "full_name": "Inès Nouvelle",
            "role": "adviser",
            "platform_id": world.platform.id,
            "password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    newcomer = session.scalar(sa.select(User).where(User.email == "nouvelle@example.fr"))
    assert newcomer.must_change_password
    # The administrator's home lists the accounts still waiting.
    assert "Inès Nouvelle" in text(admin.get("/"))

    client = web_app.test_client()
    response = client.post("/login", data={"email": newcomer.email, "password": NEW_PASSWORD})
    assert response.status_code == 302
    # Every page leads to « Mon compte » until the password is changed.
    response = client.get("/portefeuille/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/compte")
    page = text(client.get("/compte"))
    assert "Choisissez votre mot de passe" in page
    # The same password again is refused.
    response = client.post(
        "/compte", data={"current": NEW_PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 422
    assert "différent de l'actuel" in text(response)
    response = client.post(
        "/compte", data={"current": NEW_PASSWORD, "new": OWN_PASSWORD, "confirm": OWN_PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")
    session.refresh(newcomer)
    assert not newcomer.must_change_password
    assert client.get("/portefeuille/").status_code == 200


def test_a_reset_password_is_changed_at_next_login(world, session):
    accounts.set_password(session, world.adviser, new=NEW_PASSWORD, actor=world.admin)
    session.commit()
    assert world.adviser.must_change_password
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.password_reset"))
    assert entry.object_id == world.adviser.id


def test_the_administrators_home(world, login, session, web_app):
    web_app.test_client().post("/login", data={"email": world.manager.email, "password": "faux"})
    client = login(world.admin)
    page = text(client.get("/"))
    assert "en tant qu'administrateur·rice" in page
    assert world.platform.name in page
    assert "Derniers refus" in page
    assert "Échec de connexion" in page  # the failed login just above, in words
    assert world.manager.email in page or (world.manager.full_name or "") in page
    # The accounts' key figures, each with its word in the singular or the plural.
    assert '<span class="pw-kpi-value">1</span>Conseiller·ère sécurisation des parcours' in page
    assert '<span class="pw-kpi-value">0</span>Compte désactivé' in page
