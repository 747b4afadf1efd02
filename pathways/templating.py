"""Template globals shared by every page: CSP nonce, navigation."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from flask import Flask, g, request, url_for
from flask_login import current_user
from wtforms import Field

from pathways import wording
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
    NavItem("Mon agenda", "agenda.index", (Role.ADVISER, Role.DELEGATE)),
    NavItem("Personnes du territoire", "delegate.persons", (Role.DELEGATE,)),
    NavItem("Informations collectives", "sessions.info_session_list", (Role.DELEGATE, Role.MANAGER)),
    NavItem("Pôle orientation", "sessions.week_list", (Role.DELEGATE, Role.MANAGER)),
    NavItem("Parcours", "caseload.index", (Role.MANAGER,)),
    NavItem("Listes de référence", "reference_lists.index", (Role.MANAGER,)),
    NavItem("Suivi des envois", "messages.index", (Role.MANAGER, Role.ADMIN)),
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


def _leaf_fields(form: Iterable[Field]) -> Iterator[Field]:
    for field in form:
        if field.type in ("FieldList", "FormField"):
            yield from _leaf_fields(field if field.type == "FieldList" else field.form)  # type: ignore[arg-type, attr-defined]
        else:
            yield field


def error_links(form: Iterable[Field]) -> list[tuple[str, str, str]]:
    """The field errors of ``form`` for its error summary: (field id, label, message)."""
    return [
        (field.id, field.label.text, " ".join(str(e) for e in field.errors))
        for field in _leaf_fields(form)
        if field.errors and field.type not in ("CSRFTokenField", "HiddenField")
    ]


def form_has_required(form: Iterable[Field]) -> bool:
    return any(field.flags.required for field in _leaf_fields(form))


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        csp_nonce=csp_nonce,
        navigation_items=navigation_items,
        error_links=error_links,
        form_has_required=form_has_required,
    )
    app.jinja_env.filters.update(
        de=wording.de,
        que=wording.que,
        plural=wording.count,
        number=wording.number,
        noun=wording.noun,
        hour=wording.hour,
        hours=wording.hours,
        long_date=wording.long_date,
        percent=wording.percent,
    )
