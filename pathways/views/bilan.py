"""``/bilan``: the manager downloads the bilan, the national file or the cohort of a year or period."""

from __future__ import annotations

import re
import secrets
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import BooleanField, HiddenField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from exports.cohort import CohortRefused
from exports.jobs import request_export
from exports.period import PeriodError, reporting_period
from pathways import clock
from pathways.extensions import db
from pathways.forms.base import DateField, Form, IntegerField
from pathways.models import Platform
from pathways.security.access import roles_required
from pathways.templating import NAVIGATION, NavItem
from pathways.vocabulary import Role

blueprint = Blueprint("bilan", __name__, url_prefix="/bilan")

# The navigation lists pages that add themselves (pathways.templating).
if not any(item.endpoint == "bilan.index" for item in NAVIGATION):
    NAVIGATION.append(NavItem("Bilan et exports", "bilan.index", (Role.MANAGER,)))

# The form's one-time token: the same form sent twice (double click, reload) gives one export.
REQUEST_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
KINDS = [
    SelectChoice("bilan", "Bilan d'activité (synthèse, ventilations, sessions, freins)"),
    SelectChoice(
        "national", "Fichier national (synthèse et ventilations avec l'identifiant de la plateforme)"
    ),
    SelectChoice("cohort", "Cohorte : une ligne par parcours"),
    SelectChoice("report", "Bilan en PDF : le rapport de la période, à transmettre tel quel"),
]


class BilanForm(Form):
    kind = RadioField("Fichier", choices=KINDS, default="bilan")
    year = IntegerField("Année civile", validators=[Optional(), NumberRange(2000, 2100, "Année invalide.")])
    start = DateField("Ou du", validators=[Optional()])
    end = DateField("au", validators=[Optional()])
    with_cohort = BooleanField("Ajouter la cohorte pseudonymisée au bilan")
    identified = BooleanField("Cohorte nominative (noms et dates de naissance ; l'export est tracé)")
    request_token = HiddenField()

    def validate(self, extra_validators: dict[str, list[Any]] | None = None) -> bool:
        # At form level: a field's Optional() would stop its own validators
        # when it is empty, and "a start without an end" is about that case.
        valid = super().validate(extra_validators)
        try:
            reporting_period(self.year.data, self.start.data, self.end.data)
        except PeriodError as error:
            self.end.errors = [*self.end.errors, str(error)]
            return False
        return valid

    def period(self) -> tuple[date, date]:
        if self.start.data and self.end.data:
            return self.start.data, self.end.data
        year = self.year.data or clock.today().year - 1
        return date(year, 1, 1), date(year, 12, 31)

    def token(self) -> str | None:
        token = self.request_token.data or ""
        return token if REQUEST_TOKEN.fullmatch(token) else None


def _page(form: BilanForm) -> str:
    return render_template(
        "bilan/index.html",
        form=form,
        last_year=clock.today().year - 1,
        breadcrumb=[("Accueil", url_for("main.home")), ("Bilan et exports", None)],
    )


@blueprint.get("/")
@roles_required(Role.MANAGER)
def index() -> str:
    # Nothing prefilled: a year typed in by default would contradict a free period (exports.period).
    form = BilanForm(formdata=None)
    form.request_token.data = secrets.token_urlsafe(24)
    return _page(form)


@blueprint.post("/")
@roles_required(Role.MANAGER)
def download() -> str | Response:
    """Ask for the file: it is written by the job queue, then downloaded from « Mes tâches »."""
    form = BilanForm()
    if not form.validate():
        return _page(form)
    platform = db.session.get(Platform, current_user.platform_id)
    if platform is None:
        abort(404)
    start, end = form.period()
    try:
        job = request_export(
            db.session,
            current_user,
            platform,
            form.kind.data,
            start,
            end,
            with_cohort=bool(form.with_cohort.data),
            identified=bool(form.identified.data),
            request_token=form.token(),
        )
    except CohortRefused as refused:
        flash(refused.message, "error")
        return _page(form)
    db.session.commit()  # the job is sent to the queue now
    flash(f"« {job.title} » est en préparation : suivez-la ci-dessous, le lien de téléchargement "
          "apparaîtra ici dès que le fichier sera prêt.", "info")
    return redirect(url_for("jobs.index"))
