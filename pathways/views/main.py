"""The landing page: each role's workspace."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

blueprint = Blueprint("main", __name__)


@blueprint.get("/")
@login_required
def home() -> str:
    return render_template("main/home.html", user=current_user)
