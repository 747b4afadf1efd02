"""Login and logout."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

import pathways.security.auth  # noqa: F401 - registers the user loader
from pathways.extensions import db
from pathways.models import User
from pathways.passwords import verify_password
from pathways.vocabulary import Role

blueprint = Blueprint("auth", __name__)

LOGIN_REFUSED = "Adresse électronique ou mot de passe incorrect."


class LoginForm(FlaskForm):
    email = EmailField("Adresse électronique", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Mot de passe", validators=[DataRequired(), Length(max=1024)])


def home_for(user: User) -> str:
    """Where each role lands after login."""
    return {
        Role.ADMIN: "main.home",
        Role.MANAGER: "main.home",
        Role.DELEGATE: "main.home",
        Role.ADVISER: "main.home",
    }[user.role]


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for(home_for(current_user)))
    form = LoginForm()
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is not None and user.is_active and verify_password(user.password_hash, form.password.data):
            login_user(user)
            db.session.commit()
            return redirect(url_for(home_for(user)))
        flash(LOGIN_REFUSED, "error")
    return render_template("auth/login.html", form=form)


@blueprint.post("/logout")
def logout() -> Response:
    logout_user()
    flash("Vous êtes déconnecté·e.", "info")
    return redirect(url_for("auth.login"))
