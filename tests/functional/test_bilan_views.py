"""``/bilan``: managers only, downloads of the bilan, the national file and the cohort, audited."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from python_calamine import CalamineWorkbook

from pathways.models import AuditEntry, User
from pathways.states import State
from tests import factories


@pytest.fixture
def web_app(app: Flask) -> Iterator[Flask]:
    app.config["WTF_CSRF_ENABLED"] = False
    yield app
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture
def world(session, today) -> factories.World:
    world = factories.make_world(session)
    factories.make_pathway(session, world, State.FOLLOW_UP, start=date(2025, 2, 3))
    factories.make_pathway(session, world, State.EXITED, start=date(2025, 4, 7))
    session.commit()
    return world


def login(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    return client


def workbook(response) -> CalamineWorkbook:
    return CalamineWorkbook.from_filelike(io.BytesIO(response.data))


def export(client: FlaskClient, data: dict[str, str]):
    """Ask for a file on /bilan, then download it from « Mes tâches » (jobs run at once in tests)."""
    response = client.post("/bilan/", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/taches/")
    page = client.get("/taches/").get_data(as_text=True)
    assert "est en préparation" in page
    link = re.search(r'href="(/taches/\d+/fichier)"', page)
    assert link, page
    return client.get(link.group(1))


def test_only_managers_see_the_page(web_app, world) -> None:
    for user in (world.adviser, world.delegate, world.admin):
        assert login(web_app, user).get("/bilan/").status_code == 404
    page = login(web_app, world.manager).get("/bilan/")
    assert page.status_code == 200
    assert "Bilan et exports" in page.get_data(as_text=True)


def test_download_bilan_national_and_cohort(web_app, world, session) -> None:
    client = login(web_app, world.manager)
    response = export(client, {"kind": "bilan", "year": "2025", "with_cohort": "y"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith("bilan-yvelines-20250101-20251231.xlsx")
    book = workbook(response)
    assert book.sheet_names[0] == "Synthèse"
    assert "Cohorte" in book.sheet_names
    rows = book.get_sheet_by_name("Synthèse").to_python()
    assert {r[0]: r[2] for r in rows[1:]}["entries"] == 2

    response = export(client, {"kind": "national", "start": "2025-03-01", "end": "2025-12-31"})
    assert response.status_code == 200
    rows = workbook(response).get_sheet_by_name("Synthèse").to_python()
    assert rows[1][4:6] == ["réalisation", "yvelines"]  # E the level, then the platform

    response = export(client, {"kind": "cohort", "year": "2025", "identified": "y"})
    assert response.status_code == 200
    header = workbook(response).get_sheet_by_name("Cohorte").to_python()[0]
    assert header[0] == "nom"
    actions = set(session.scalars(sa.select(AuditEntry.action).where(AuditEntry.user_id == world.manager.id)))
    assert {"export.bilan", "export.national", "export.cohort_identified"} <= actions


def test_bad_period_is_explained(web_app, world) -> None:
    client = login(web_app, world.manager)
    response = client.post("/bilan/", data={"kind": "bilan", "start": "2025-05-01", "end": "2025-01-01"})
    assert response.status_code == 200
    assert "précède son début" in response.get_data(as_text=True)
    response = client.post("/bilan/", data={"kind": "bilan", "start": "2025-05-01"})
    assert response.status_code == 200
    assert "indiquez les deux" in response.get_data(as_text=True)
    assert response.mimetype == "text/html"  # no file for half a period
    response = client.post(
        "/bilan/", data={"kind": "bilan", "year": "2025", "start": "2025-05-01", "end": "2025-06-01"}
    )
    assert "pas les deux" in response.get_data(as_text=True)


def test_csrf_is_required(app, world) -> None:
    client = login(app, world.manager) if not app.config.get("WTF_CSRF_ENABLED", True) else None
    if client is None:
        # Log in with the token of the login page, then post without one.
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        import re

        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        data = {"email": world.manager.email, "password": factories.PASSWORD}
        if token:
            data["csrf_token"] = token.group(1)
        client.post("/login", data=data)
    response = client.post("/bilan/", data={"kind": "bilan", "year": "2025"})
    assert response.status_code == 400


def test_download_the_bilan_as_pdf_beside_the_workbook(web_app, world, session) -> None:
    client = login(web_app, world.manager)
    page = client.get("/bilan/").get_data(as_text=True)
    assert 'value="report"' in page
    response = export(client, {"kind": "report", "year": "2025"})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].endswith("bilan-yvelines-20250101-20251231.pdf")
    assert response.data.startswith(b"%PDF-")
    response = client.post("/bilan/", data={"kind": "report", "start": "2025-05-01", "end": "2025-01-01"})
    assert response.mimetype == "text/html"
    assert "précède son début" in response.get_data(as_text=True)
    assert (
        login(web_app, world.adviser).post("/bilan/", data={"kind": "report", "year": "2025"}).status_code
        == 404
    )
    actions = set(session.scalars(sa.select(AuditEntry.action).where(AuditEntry.user_id == world.manager.id)))
    assert "export.bilan_pdf" in actions
