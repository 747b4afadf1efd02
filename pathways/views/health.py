"""``/healthz``: the application answers and the database is reachable."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text

from pathways.extensions import db
from pathways.security.access import public

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
@public
def healthz() -> tuple[dict[str, str], int]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        return {"status": "database unavailable"}, 503
    return {"status": "ok"}, 200
