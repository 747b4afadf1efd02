"""The manager grants time-limited replacements between conseillers."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectField
from wtforms.validators import InputRequired

from pathways.extensions import db
from pathways.forms.base import DateField, Form, optional_int, options, perform
from pathways.models import User
from pathways.security.access import get_platform_user_or_404, roles_required
from pathways.services.replacement import current_and_coming, grant_replacement
from pathways.templating import NAVIGATION, NavItem
from pathways.vocabulary import Role

blueprint = Blueprint("replacements", __name__, url_prefix="/remplacements")
if not any(item.endpoint == "replacements.index" for item in NAVIGATION):
    NAVIGATION.append(NavItem("Remplacements", "replacements.index", (Role.MANAGER,)))


class ReplacementForm(Form):
    replaced = SelectField("Conseiller·ère remplacé·e", coerce=optional_int, validators=[InputRequired()])
    replacing = SelectField("Remplacé·e par", coerce=optional_int, validators=[InputRequired()])
    starts_on = DateField("Du", validators=[InputRequired(message="Indiquez la date de début.")])
    ends_on = DateField("Au (inclus)", validators=[InputRequired(message="Indiquez la date de fin.")])


def _advisers() -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.select(User.id, User.full_name, User.email)
        .where(
            User.platform_id == current_user.platform_id,
            User.role == Role.ADVISER,
            User.is_active.is_(True),
        )
        .order_by(User.full_name, User.email)
    ).all()
    return [(row.id, row.full_name or row.email) for row in rows]


@blueprint.route("/", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def index() -> str | Response:
    form = ReplacementForm()
    choices = options(_advisers())
    form.replaced.choices = choices
    form.replacing.choices = choices
    if form.validate_on_submit():
        replaced = get_platform_user_or_404(db.session, current_user, form.replaced.data)
        replacing = get_platform_user_or_404(db.session, current_user, form.replacing.data)
        outcome = perform(
            form,
            lambda: grant_replacement(
                db.session,
                replaced=replaced,
                replacing=replacing,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                actor=current_user,
            ),
        )
        if outcome.ok:
            flash(
                f"{replacing.display_name} remplace {replaced.display_name} "
                f"du {form.starts_on.data:%d/%m/%Y} au {form.ends_on.data:%d/%m/%Y}.",
                "success",
            )
            return redirect(url_for("replacements.index"))
    status = 422 if form.errors or form.form_errors else 200
    return (
        render_template(
            "replacements/index.html",
            form=form,
            replacements=current_and_coming(db.session, current_user.platform_id),
            breadcrumb=[("Accueil", url_for("main.home")), ("Remplacements", None)],
        ),
        status,
    )
