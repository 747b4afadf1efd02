"""Administration: accounts, platforms, territories (admins only; they see no person's file)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length

from pathways.extensions import db
from pathways.forms.base import options
from pathways.models import Platform, Territory
from pathways.passwords import MAX_LENGTH, MIN_LENGTH
from pathways.security import accounts
from pathways.security.access import get_platform_or_404, get_user_or_404, refuse, roles_required
from pathways.security.ids import parse_id
from pathways.services.pathway import InvalidInput
from pathways.services.platform import create_platform, create_territory
from pathways.vocabulary import Role

blueprint = Blueprint("admin", __name__, url_prefix="/admin")


class AccountForm(FlaskForm):
    full_name = StringField("Prénom et nom", validators=[Length(max=200)])
    # No role preselected: an account made in a hurry must not become an administrator.
    role = SelectField(
        "Rôle",
        choices=options(Role.choices()),
        validators=[DataRequired("Choisissez le rôle du compte.")],
    )
    platform_id = SelectField("Plateforme (sauf administrateur·rice)", coerce=str, validate_choice=False)
    territory_ids = SelectMultipleField(
        "Territoires (délégué·e)", coerce=str, validate_choice=False, render_kw={"size": 6}
    )


class NewAccountForm(AccountForm):
    email = EmailField(
        "Adresse électronique", validators=[DataRequired("Saisissez l'adresse."), Length(max=254)]
    )
    password = PasswordField(
        "Mot de passe initial",
        validators=[DataRequired("Saisissez un mot de passe initial."), Length(max=MAX_LENGTH)],
    )


class PlatformForm(FlaskForm):
    slug = StringField(
        "Identifiant court (minuscules, chiffres, tirets)", validators=[DataRequired(), Length(max=63)]
    )
    name = StringField("Nom", validators=[DataRequired("Saisissez le nom."), Length(max=200)])


class TerritoryForm(FlaskForm):
    name = StringField("Nom du territoire", validators=[DataRequired("Saisissez le nom."), Length(max=200)])


def _fill_choices(form: AccountForm) -> None:
    platforms = db.session.scalars(sa.select(Platform).order_by(Platform.name)).all()
    form.platform_id.choices = [("", "Aucune (administrateur·rice)")] + [
        (str(p.id), p.name) for p in platforms
    ]
    form.territory_ids.choices = [(t.id, f"{p.name} — {t.name}") for p in platforms for t in p.territories]


def _chosen(form: AccountForm) -> tuple[Platform | None, list[Territory]]:
    platform = None
    if parse_id(form.platform_id.data) is not None:
        platform = get_platform_or_404(db.session, current_user, parse_id(form.platform_id.data))
    ids = [parse_id(i) for i in form.territory_ids.data or []]
    if None in ids:
        refuse("territory", reason="malformed")
    territories = list(db.session.scalars(sa.select(Territory).where(Territory.id.in_(ids)))) if ids else []
    return platform, territories


def _failed(form: FlaskForm, error: InvalidInput) -> int:
    """Roll back and put the service's messages in the form's error summary."""
    db.session.rollback()
    form.form_errors.extend(error.messages)
    return 422


@blueprint.get("/comptes")
@roles_required(Role.ADMIN)
def users() -> str:
    platform_id = parse_id(request.args.get("plateforme"))
    return render_template(
        "admin/users.html",
        users=accounts.users_of(db.session, platform_id),
        platforms=db.session.scalars(sa.select(Platform).order_by(Platform.name)).all(),
        platform_id=platform_id,
        breadcrumb=[("Accueil", url_for("main.home")), ("Comptes", None)],
    )


@blueprint.route("/comptes/nouveau", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user() -> str | Response | tuple[str, int]:
    form = NewAccountForm()
    _fill_choices(form)
    status = 200
    if form.validate_on_submit():
        platform, territories = _chosen(form)
        try:
            user = accounts.create_account(
                db.session,
                email=form.email.data or "",
                role=form.role.data or "",
                password=form.password.data or "",
                platform=platform,
                full_name=form.full_name.data or "",
                territories=territories,
                actor=current_user,
            )
        except InvalidInput as error:
            status = _failed(form, error)
        else:
            db.session.commit()
            flash(f"Compte {user.email} créé.", "success")
            return redirect(url_for("admin.users"))
    elif form.errors:
        status = 422
    return render_template(
        "admin/user_form.html",
        form=form,
        title="Nouveau compte",
        min_length=MIN_LENGTH,
        breadcrumb=[
            ("Accueil", url_for("main.home")),
            ("Comptes", url_for("admin.users")),
            ("Nouveau", None),
        ],
    ), status


@blueprint.route("/comptes/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id: int) -> str | Response | tuple[str, int]:
    user = get_user_or_404(db.session, current_user, user_id)
    form = AccountForm(
        data=None
        if request.method == "POST"
        else {
            "full_name": user.full_name,
            "role": user.role.value,
            "platform_id": str(user.platform_id or ""),
            "territory_ids": [t.id for t in user.territories],
        }
    )
    _fill_choices(form)
    status = 200
    if form.validate_on_submit():
        platform, territories = _chosen(form)
        try:
            accounts.update_user(
                db.session,
                user,
                role=form.role.data or "",
                platform=platform,
                territories=territories,
                full_name=form.full_name.data or "",
                actor=current_user,
            )
        except InvalidInput as error:
            status = _failed(form, error)
        else:
            db.session.commit()
            flash("Compte mis à jour.", "success")
            return redirect(url_for("admin.users"))
    elif form.errors:
        status = 422
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        title=f"Compte {user.email}",
        breadcrumb=[
            ("Accueil", url_for("main.home")),
            ("Comptes", url_for("admin.users")),
            (user.email, None),
        ],
    ), status


@blueprint.post("/comptes/<int:user_id>/desactiver")
@roles_required(Role.ADMIN)
def deactivate_user(user_id: int) -> Response:
    user = get_user_or_404(db.session, current_user, user_id)
    try:
        accounts.deactivate_user(db.session, user, actor=current_user)
    except InvalidInput as error:
        db.session.rollback()
        for message in error.messages:
            flash(message, "error")
    else:
        db.session.commit()
        flash(f"Compte {user.email} désactivé : ses sessions sont fermées.", "success")
    return redirect(url_for("admin.users"))


@blueprint.post("/comptes/<int:user_id>/reactiver")
@roles_required(Role.ADMIN)
def reactivate_user(user_id: int) -> Response:
    user = get_user_or_404(db.session, current_user, user_id)
    accounts.reactivate_user(db.session, user, actor=current_user)
    db.session.commit()
    flash(f"Compte {user.email} réactivé.", "success")
    return redirect(url_for("admin.users"))


@blueprint.route("/plateformes", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def platforms() -> str | Response | tuple[str, int]:
    form = PlatformForm()
    status = 200
    if form.validate_on_submit():
        try:
            platform = create_platform(
                db.session, form.slug.data or "", form.name.data or "", actor=current_user
            )
        except InvalidInput as error:
            status = _failed(form, error)
        else:
            db.session.commit()
            flash(f"Plateforme « {platform.name} » créée.", "success")
            return redirect(url_for("admin.platform", platform_id=platform.id))
    elif form.errors:
        status = 422
    return render_template(
        "admin/platforms.html",
        form=form,
        platforms=db.session.scalars(sa.select(Platform).order_by(Platform.name)).all(),
        breadcrumb=[("Accueil", url_for("main.home")), ("Plateformes", None)],
    ), status


@blueprint.route("/plateformes/<int:platform_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def platform(platform_id: int) -> str | Response | tuple[str, int]:
    found = get_platform_or_404(db.session, current_user, platform_id)
    form = TerritoryForm()
    status = 200
    if form.validate_on_submit():
        try:
            territory = create_territory(db.session, found, form.name.data or "", actor=current_user)
        except InvalidInput as error:
            status = _failed(form, error)
        else:
            db.session.commit()
            flash(f"Territoire « {territory.name} » créé.", "success")
            return redirect(url_for("admin.platform", platform_id=found.id))
    elif form.errors:
        status = 422
    return render_template(
        "admin/platform.html",
        platform=found,
        form=form,
        users=accounts.users_of(db.session, found.id),
        breadcrumb=[
            ("Accueil", url_for("main.home")),
            ("Plateformes", url_for("admin.platforms")),
            (found.name, None),
        ],
    ), status
