"""Fixtures of the security tests: the two-platform scene and a logged-in client."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pathways.models import User
from tests.security.scene import Scene, login, make_scene


@pytest.fixture
def scene(session: Session, today: object) -> Scene:
    return make_scene(session)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def client_for(app: Flask) -> Callable[[User], FlaskClient]:
    def build(user: User) -> FlaskClient:
        client = app.test_client()
        login(client, user)
        return client

    return build
