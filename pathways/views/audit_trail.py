"""The audit trail of a platform, for its managers: list and filter."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

from pathways.clock import PLATFORM_TIMEZONE
from pathways.extensions import db
from pathways.forms.base import DateField, IntegerField
from pathways.models import AuditEntry, User
from pathways.security.access import roles_required
from pathways.security.ids import parse_id
from pathways.vocabulary import Role

blueprint = Blueprint("audit_trail", __name__, url_prefix="/journal")

PAGE_SIZE = 100

ACTION_LABELS = {
    "access.refused": "Accès refusé",
    "login.succeeded": "Connexion",
    "login.failed": "Échec de connexion",
    "login.throttled": "Connexion bloquée (trop d'échecs)",
    "import.file_refused": "Fichier d'import refusé",
    "logout": "Déconnexion",
    "pathway.view": "Consultation d'un parcours",
    "person.view": "Consultation d'une personne",
    "export": "Export",
    "import": "Import",
    "audit.purge": "Purge du journal",
}


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    user_id = SelectField("Utilisateur", coerce=str, validate_choice=False)
    action = StringField("Action (début du code, ex. « pathway »)", validators=[Optional(), Length(max=64)])
    object_type = StringField("Type d'objet", validators=[Optional(), Length(max=64)])
    object_id = IntegerField("Identifiant de l'objet", validators=[Optional(), NumberRange(min=1)])
    since = DateField("Du", validators=[Optional()])
    until = DateField("Au", validators=[Optional()])


def _start_of(day: object) -> datetime:
    return datetime.combine(day, time(0), tzinfo=PLATFORM_TIMEZONE).astimezone(UTC)  # type: ignore[arg-type]


# What the admin sees of every platform's trail: the security events, never what was read or written.
SECURITY_ACTIONS = ("access.", "login.", "import.file_refused")


@blueprint.get("/")
@roles_required(Role.MANAGER, Role.ADMIN)
def index() -> str:
    """A manager: their platform's trail. The admin: what no platform owns (failed logins of
    unknown addresses, admins' own actions) and every platform's refusals and logins."""
    platform_id = current_user.platform_id
    form = FilterForm(request.args)
    if current_user.role is Role.ADMIN:
        users_query = sa.select(User.id, User.full_name, User.email)
        query = sa.select(AuditEntry).where(
            sa.or_(
                AuditEntry.platform_id.is_(None),
                *[AuditEntry.action.startswith(prefix) for prefix in SECURITY_ACTIONS],
            )
        )
    else:
        users_query = sa.select(User.id, User.full_name, User.email).where(User.platform_id == platform_id)
        query = sa.select(AuditEntry).where(AuditEntry.platform_id == platform_id)
    users = db.session.execute(users_query.order_by(User.email)).all()
    form.user_id.choices = [("", "Tous")] + [(str(u.id), u.full_name or u.email) for u in users]
    if form.validate():
        if parse_id(form.user_id.data) is not None:
            query = query.where(AuditEntry.user_id == parse_id(form.user_id.data))
        if form.action.data:
            query = query.where(AuditEntry.action.startswith(form.action.data.strip(), autoescape=True))
        if form.object_type.data:
            query = query.where(AuditEntry.object_type == form.object_type.data.strip())
        if form.object_id.data:
            query = query.where(AuditEntry.object_id == form.object_id.data)
        if form.since.data:
            query = query.where(AuditEntry.occurred_at >= _start_of(form.since.data))
        if form.until.data:
            query = query.where(AuditEntry.occurred_at < _start_of(form.until.data + timedelta(days=1)))
    # Bounded: a page far past the end is an empty page, never an overflowing OFFSET.
    page = min(parse_id(request.args.get("page", "1")) or 1, 1_000_000)
    entries = db.session.scalars(
        query.order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    ).all()
    names = {u.id: u.full_name or u.email for u in users}
    arguments = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "audit/index.html",
        form=form,
        entries=entries[:PAGE_SIZE],
        has_next=len(entries) > PAGE_SIZE,
        page=page,
        arguments=arguments,
        names=names,
        labels=ACTION_LABELS,
        timezone=PLATFORM_TIMEZONE,
        breadcrumb=[("Accueil", "/"), ("Journal d'audit", None)],
    )
