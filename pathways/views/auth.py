"""Login and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from pathways import clock
from pathways.extensions import db
from pathways.models import User
from pathways.passwords import MAX_LENGTH, MIN_LENGTH
from pathways.security import accounts, auth
from pathways.security.access import public
from pathways.services.pathway import InvalidInput
from pathways.vocabulary import Role

blueprint = Blueprint("auth", __name__)


class PasswordChangeForm(FlaskForm):
    current = PasswordField(
        "Mot de passe actuel", validators=[DataRequired("Saisissez votre mot de passe actuel.")]
    )
    new = PasswordField(
        "Nouveau mot de passe",
        validators=[DataRequired("Saisissez un nouveau mot de passe."), Length(max=4 * MAX_LENGTH)],
    )
    confirm = PasswordField(
        "Confirmation du nouveau mot de passe",
        validators=[DataRequired("Confirmez le nouveau mot de passe.")],
    )


class LoginForm(FlaskForm):
    email = EmailField(
        "Adresse électronique",
        validators=[DataRequired("Saisissez votre adresse électronique."), Length(max=254)],
    )
    # Pasting is allowed (password managers); length capped well above the policy's maximum.
    password = PasswordField(
        "Mot de passe",
        validators=[DataRequired("Saisissez votre mot de passe."), Length(max=4 * MAX_LENGTH)],
    )


def home_for(user: User) -> str:
    """Where each role lands after login."""
    return {
        Role.ADMIN: "main.home",
        Role.MANAGER: "main.home",
        Role.DELEGATE: "main.home",
        Role.ADVISER: "main.home",
    }[user.role]


def safe_next(target: str | None) -> str | None:
    """A local path to go back to after login; anything pointing elsewhere is dropped."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def locked_message(until_minutes: int) -> str:
    return (
        "Trop de tentatives de connexion infructueuses : par sécurité, la connexion est "
        f"momentanément bloquée. Réessayez dans {until_minutes} minute{'s' if until_minutes > 1 else ''}."
    )


@blueprint.route("/login", methods=["GET", "POST"])
@public
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for(home_for(current_user)))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user, locked_until = auth.authenticate(db.session, form.email.data or "", form.password.data or "")
        db.session.commit()
        if user is not None:
            auth.start_session(user)
            return redirect(safe_next(request.args.get("next")) or url_for(home_for(user)))
        if locked_until is not None:
            minutes = max(1, -(-int((locked_until - clock.now()).total_seconds()) // 60))
            flash(locked_message(minutes), "error")
            status = 429
        else:
            flash(auth.LOGIN_REFUSED, "error")
            status = 200
    return render_template("auth/login.html", form=form), status


@blueprint.post("/logout")
@login_required
def logout() -> Response:
    auth.end_session(db.session, current_user._get_current_object())
    db.session.commit()
    flash("Vous êtes déconnecté·e.", "info")
    return redirect(url_for("auth.login"))


@blueprint.route("/compte", methods=["GET", "POST"])
@login_required
def account() -> str | Response | tuple[str, int]:
    """One's own account: who one is, and changing one's password (ends one's other sessions)."""
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if form.new.data != form.confirm.data:
            form.confirm.errors = ["Les deux saisies du nouveau mot de passe diffèrent."]
            status = 422
        else:
            first_login = user.must_change_password
            try:
                accounts.change_password(
                    db.session, user, current=form.current.data or "", new=form.new.data or ""
                )
            except InvalidInput as error:
                db.session.rollback()
                form.new.errors = list(error.messages)
                status = 422
            else:
                db.session.commit()
                auth.start_session(user)  # this browser stays logged in under the new token
                flash("Votre mot de passe a été changé ; vos autres sessions sont fermées.", "success")
                return redirect(url_for("main.home" if first_login else "auth.account"))
    elif form.errors:
        status = 422
    return render_template("auth/account.html", form=form, user=current_user, min_length=MIN_LENGTH), status
