"""The landing page: each role goes to its workspace; the administrator's is this page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from pathways.extensions import db
from pathways.services.administration import admin_overview
from pathways.vocabulary import Role

blueprint = Blueprint("main", __name__)

WORKSPACES = {
    Role.ADVISER: "caseload.index",
    Role.DELEGATE: "delegate.home",
    Role.MANAGER: "dashboard.index",
}


@blueprint.get("/")
@login_required
def home() -> str | Response:
    endpoint = WORKSPACES.get(current_user.role)
    if endpoint is not None:
        return redirect(url_for(endpoint))
    return render_template("main/home.html", user=current_user, overview=admin_overview(db.session))
