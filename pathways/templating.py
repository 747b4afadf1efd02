"""Template globals shared by every page: CSP nonce, navigation."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import Flask, g, request, url_for
from flask_login import current_user

from pathways.vocabulary import Role


def csp_nonce() -> str:
    """A nonce for this response's script tags (the CSP header names it)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    roles: tuple[Role, ...]


# Pages add themselves here; an item shows when its endpoint exists and the
# user's role is listed.
NAVIGATION: list[NavItem] = [
    NavItem("Accueil", "main.home", tuple(Role)),
    # The workspaces (issue 4).
    NavItem("Mon portefeuille", "caseload.index", (Role.ADVISER,)),
    NavItem("Personnes du territoire", "delegate.persons", (Role.DELEGATE,)),
    NavItem("Informations collectives", "sessions.info_session_list", (Role.DELEGATE, Role.MANAGER)),
    NavItem("Pôle orientation", "sessions.week_list", (Role.DELEGATE, Role.MANAGER)),
    NavItem("Parcours", "caseload.index", (Role.MANAGER,)),
    NavItem("Listes de référence", "reference_lists.index", (Role.MANAGER,)),
    # Access (issue 3).
    NavItem("Journal d'audit", "audit_trail.index", (Role.MANAGER, Role.ADMIN)),
    NavItem("Comptes", "admin.users", (Role.ADMIN,)),
    NavItem("Plateformes", "admin.platforms", (Role.ADMIN,)),
]


def navigation_items() -> list[dict[str, object]]:
    from flask import current_app

    items = []
    for item in NAVIGATION:
        if current_user.role not in item.roles or item.endpoint not in current_app.view_functions:
            continue
        url = url_for(item.endpoint)
        items.append({"label": item.label, "url": url, "current": request.path == url})
    return items


def register(app: Flask) -> None:
    app.jinja_env.globals.update(csp_nonce=csp_nonce, navigation_items=navigation_items)
