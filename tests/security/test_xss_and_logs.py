"""Every text field of every form: XSS payloads come back escaped; no secret reaches the logs.

Generic over the forms that exist: each GET page of the matrix (as the
manager and the adviser, on their own platform) is parsed, every form on it
is filled (text fields with the payload, selects with their first choice)
and sent back with its CSRF token; then every page is read again.
"""

from __future__ import annotations

import logging
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from pathways.models import AuditEntry
from pathways.vocabulary import Role
from tests.factories import PASSWORD
from tests.security.scene import HEALTH_DETAILS, NOTE_BODY, Scene, csrf_token, login
from tests.security.test_matrix import APP, build_url, routes, undeclared, values_for

PAYLOAD = "<script>alert('xss')</script>\"'><img src=x onerror=alert(1)>"
RAW = ("<script>alert(", "<img src=x onerror")
TEXT_TYPES = {"text", "search", "email", "tel", "url", "password", None}


class Forms(HTMLParser):
    """The POST forms of a page: action and fields (name → value to send)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            if (a.get("method") or "get").lower() == "post":
                self.forms.append((a.get("action") or "", {}))
            else:
                self.forms.append(("", {"__skip__": "1"}))
            return
        if not self.forms or "__skip__" in self.forms[-1][1]:
            return
        fields = self.forms[-1][1]
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type")
            if kind == "hidden":
                fields.setdefault(name, a.get("value") or "")
            elif kind in ("checkbox", "radio"):
                fields.setdefault(name, a.get("value") or "y")
            elif kind == "date":
                fields[name] = "2025-02-03"
            elif kind == "number":
                fields[name] = "3"
            elif kind in TEXT_TYPES:
                fields[name] = PAYLOAD
        elif tag == "textarea" and name:
            fields[name] = PAYLOAD
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and a.get("value"):
            fields.setdefault(self._select, a["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def pages(scene: Scene, role: Role) -> list[str]:
    urls = []
    for rule in routes(APP):
        if "GET" in (rule.methods or ()) and not undeclared(rule) and rule.endpoint != "static":
            urls.append(build_url(APP, rule, values_for(rule, role, {"*": scene.own})))
    return urls


def get_or_none(client: FlaskClient, url: str, session: Session) -> TestResponse | None:
    """The page, or None when it crashes (the route matrix reports crashes; here we look at escaping)."""
    try:
        return client.get(url)
    except Exception:
        session.rollback()
        return None


def assert_escaped(body: str, where: str) -> None:
    for raw in RAW:
        assert raw not in body, f"unescaped payload in {where}"


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADVISER, Role.ADMIN])
def test_xss_payloads_in_every_text_field_come_back_escaped(
    app: Flask, scene: Scene, session: Session, role: Role
) -> None:
    client = app.test_client()
    login(client, scene.own.user(role))
    sent = 0
    crashes: list[str] = []
    for url in pages(scene, role):
        response = get_or_none(client, url, session)
        if response is None or response.status_code != 200 or "text/html" not in response.content_type:
            continue
        parser = Forms()
        parser.feed(response.get_data(as_text=True))
        for action, fields in parser.forms:
            if "__skip__" in fields or not any(v == PAYLOAD for v in fields.values()):
                continue
            if action.endswith("/logout"):
                continue
            sent += 1
            try:
                answer = client.post(action or url, data=fields)
            except Exception as error:  # a crash is a finding: list them all
                session.rollback()
                crashes.append(f"POST {action or url} (form of {url}): {error!r}")
                continue
            if answer.status_code >= 500:
                crashes.append(f"POST {action or url}: {answer.status_code}")
            if answer.content_type.startswith("text/"):
                assert_escaped(answer.get_data(as_text=True), f"the answer to POST {action or url}")
            login(client, scene.own.user(role))  # a form may have changed the session (password)
    for url in pages(scene, role):
        response = get_or_none(client, url, session)
        if response is not None and response.content_type.startswith("text/"):
            assert_escaped(response.get_data(as_text=True), f"GET {url}")
    assert sent > 0
    assert not crashes, "forms filled with text crashed:\n" + "\n".join(crashes)


def test_no_password_note_or_health_detail_in_logs(
    app: Flask, scene: Scene, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client: FlaskClient = app.test_client()
    adviser = scene.own.world.adviser
    wrong = "Mauvais-mot-de-passe-secret-42"
    for password in (wrong, PASSWORD):
        data = {"email": adviser.email, "password": password, "csrf_token": csrf_token(client)}
        client.post("/login", data=data)
    pathway = scene.own.pathway
    for url in (f"/parcours/{pathway.id}", f"/parcours/{scene.other.pathway.id}"):
        client.get(url)
    if "pathway_file.add_note" in app.view_functions:
        url = f"/parcours/{pathway.id}/notes/nouvelle"
        client.post(url, data={"body": NOTE_BODY + " bis", "csrf_token": csrf_token(client, url)})
    logged = caplog.text
    for secret in (wrong, PASSWORD, NOTE_BODY, HEALTH_DETAILS):
        assert secret not in logged
    # Nor in the audit trail, which keeps who and what, never the text.
    trail = " ".join(
        f"{c} {d}" for c, d in session.execute(sa.select(AuditEntry.changes, AuditEntry.details)).all()
    )
    for secret in (wrong, PASSWORD, NOTE_BODY, HEALTH_DETAILS):
        assert secret not in trail
