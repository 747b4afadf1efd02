"""« Mon agenda »: a conseiller's week (what is due on her caseload), or a délégué's (sessions, weeks)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import BooleanField

from pathways import clock
from pathways.extensions import db
from pathways.forms.base import Form, perform
from pathways.models import InfoSession, OrientationWeek
from pathways.security.access import pathway_scope, roles_required
from pathways.services.agenda import (
    ItemKind,
    adviser_agenda,
    delegate_agenda,
    monday_of,
    set_weekly_digest,
)
from pathways.services.workspace import session_visibility
from pathways.vocabulary import Role

blueprint = Blueprint("agenda", __name__, url_prefix="/agenda")

TITLE = "Mon agenda"


class DigestForm(Form):
    weekly_digest = BooleanField(
        "Recevoir cet agenda par courriel chaque lundi matin (les nombres et un lien, aucun nom)"
    )


def week_argument(value: str | None) -> date:
    """The Monday of the week asked for (``?semaine=AAAA-MM-JJ``); this week when absent or invalid."""
    today = clock.today()
    try:
        asked = date.fromisoformat(value or "")
    except ValueError:
        return monday_of(today)
    return (
        monday_of(asked) if clock.plausible(asked) and abs((asked - today).days) < 3660 else monday_of(today)
    )


@blueprint.get("/")
@roles_required(Role.ADVISER, Role.DELEGATE)
def index() -> str:
    week_start = week_argument(request.args.get("semaine"))
    scope = pathway_scope(current_user)
    if current_user.role is Role.DELEGATE:
        territory_ids = [t.id for t in current_user.territories]
        agenda = delegate_agenda(
            db.session,
            current_user.platform_id,
            session_visibility(InfoSession, territory_ids, current_user.id),
            session_visibility(OrientationWeek, territory_ids, current_user.id),
            scope,
            week_start,
        )
    else:
        agenda = adviser_agenda(db.session, scope, week_start)
    form = DigestForm(formdata=None)
    form.weekly_digest.data = current_user.weekly_digest
    return render_template(
        "agenda/index.html",
        agenda=agenda,
        kinds=ItemKind,
        previous_week=agenda.week_start - timedelta(days=7),
        next_week=agenda.week_start + timedelta(days=7),
        digest_form=form,
        action_form=Form(formdata=None),
        delegate=current_user.role is Role.DELEGATE,
        title=TITLE,
        breadcrumb=[("Accueil", url_for("main.home")), (TITLE, None)],
    )


@blueprint.post("/courriel-du-lundi")
@roles_required(Role.ADVISER, Role.DELEGATE)
def digest() -> Response:
    form = DigestForm()
    if form.validate_on_submit():
        wanted = bool(form.weekly_digest.data)
        user = current_user._get_current_object()
        outcome = perform(None, lambda: set_weekly_digest(db.session, user, wanted, user))
        if outcome.ok:
            flash(
                "Vous recevrez votre agenda chaque lundi matin."
                if wanted
                else "Vous ne recevrez plus votre agenda le lundi.",
                "success",
            )
    return redirect(url_for("agenda.index"))
