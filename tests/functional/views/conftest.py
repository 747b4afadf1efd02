"""Fixtures of the workspace view tests: a world, and a logged-in client per role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pathways.models import User
from tests import factories


@pytest.fixture
def web_app(app: Flask) -> Iterator[Flask]:
    """The test app without CSRF tokens to fetch (one test checks they are required)."""
    app.config["WTF_CSRF_ENABLED"] = False
    yield app
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture
def world(session: Session, today: date) -> factories.World:
    world = factories.make_world(session)
    session.commit()
    return world


@pytest.fixture
def login(web_app: Flask) -> Callable[[User], FlaskClient]:
    def as_user(user: User) -> FlaskClient:
        client = web_app.test_client()
        response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return as_user
