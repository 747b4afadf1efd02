"""The audit trail, in French: a manager's platform, or — for the admin — what no platform owns."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from pathways.extensions import db
from pathways.forms.base import DateField, optional_int
from pathways.models import User
from pathways.paging import page_argument
from pathways.security.access import roles_required
from pathways.services.audit_trail import AuditFilters, audit_page
from pathways.services.audit_words import OBJECT_LABELS, action_choices
from pathways.vocabulary import Role

blueprint = Blueprint("audit_trail", __name__, url_prefix="/journal")


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    user_id = SelectField("Utilisateur·rice", coerce=optional_int, validate_choice=False)
    action = SelectField("Action", validate_choice=False)
    object_type = SelectField("Type d'objet", validate_choice=False)
    person = StringField(
        "Personne concernée (nom ou identifiant France Travail)", validators=[Optional(), Length(max=100)]
    )
    since = DateField("Du", validators=[Optional()])
    until = DateField("Au", validators=[Optional()])


@blueprint.get("/")
@roles_required(Role.MANAGER, Role.ADMIN)
def index() -> str:
    """A manager: their platform's trail. The admin: what no platform owns (failed logins of
    unknown addresses, admins' own actions) and every platform's refusals and logins."""
    admin = current_user.role is Role.ADMIN
    platform_id = None if admin else current_user.platform_id
    form = FilterForm(request.args)
    users_query = sa.select(User.id, User.full_name, User.email)
    if not admin:
        users_query = users_query.where(User.platform_id == platform_id)
    users = db.session.execute(users_query.order_by(User.full_name, User.email)).all()
    form.user_id.choices = [("", "Tous et toutes")] + [(u.id, u.full_name or u.email) for u in users]
    form.action.choices = [
        SelectChoice("", "Toutes"),
        *(SelectChoice(value, label, optgroup=group) for value, label, group in action_choices()),
    ]
    form.object_type.choices = [("", "Tous"), *sorted(OBJECT_LABELS.items(), key=lambda item: item[1])]
    valid = form.validate()
    filters = AuditFilters(
        user_id=form.user_id.data if valid else None,
        action=form.action.data or None if valid else None,
        object_type=form.object_type.data or None if valid else None,
        person=(form.person.data or "") if valid and not admin else "",
        since=form.since.data if valid else None,
        until=form.until.data if valid else None,
        page=page_argument(request.args.get("page")),
    )
    result = audit_page(db.session, platform_id, filters)
    arguments = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "audit/index.html",
        form=form,
        result=result,
        admin=admin,
        page_url=lambda page: url_for("audit_trail.index", page=page, **arguments),
        breadcrumb=[("Accueil", url_for("main.home")), ("Journal d'audit", None)],
    )
