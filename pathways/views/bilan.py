"""``/bilan``: the manager downloads the bilan, the national file or the cohort of a year or period."""

from __future__ import annotations

import tempfile
from datetime import date
from typing import Any

from flask import Blueprint, abort, render_template, send_file, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import BooleanField, DateField, IntegerField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from exports.bilan import write_bilan, write_national
from exports.cohort import write_cohort
from exports.period import PeriodError, reporting_period
from pathways import clock
from pathways.extensions import db
from pathways.forms.base import Form
from pathways.models import Platform
from pathways.security.access import roles_required
from pathways.templating import NAVIGATION, NavItem
from pathways.vocabulary import Role

blueprint = Blueprint("bilan", __name__, url_prefix="/bilan")

# The navigation lists pages that add themselves (pathways.templating).
if not any(item.endpoint == "bilan.index" for item in NAVIGATION):
    NAVIGATION.append(NavItem("Bilan et exports", "bilan.index", (Role.MANAGER,)))

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
KINDS = [
    SelectChoice("bilan", "Bilan d'activité (synthèse, ventilations, sessions, freins)"),
    SelectChoice(
        "national", "Fichier national (synthèse et ventilations avec l'identifiant de la plateforme)"
    ),
    SelectChoice("cohort", "Cohorte : une ligne par parcours"),
]


class BilanForm(Form):
    kind = RadioField("Fichier", choices=KINDS, default="bilan")
    year = IntegerField("Année civile", validators=[Optional(), NumberRange(2000, 2100, "Année invalide.")])
    start = DateField("Ou du", validators=[Optional()])
    end = DateField("au", validators=[Optional()])
    with_cohort = BooleanField("Ajouter la cohorte pseudonymisée au bilan")
    identified = BooleanField("Cohorte nominative (noms et dates de naissance ; l'export est tracé)")

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


def _page(form: BilanForm) -> str:
    return render_template(
        "bilan/index.html",
        form=form,
        breadcrumb=[("Accueil", url_for("main.home")), ("Bilan et exports", None)],
    )


@blueprint.get("/")
@roles_required(Role.MANAGER)
def index() -> str:
    form = BilanForm(formdata=None)
    form.year.data = clock.today().year - 1
    return _page(form)


@blueprint.post("/")
@roles_required(Role.MANAGER)
def download() -> str | Response:
    form = BilanForm()
    if not form.validate():
        return _page(form)
    platform = db.session.get(Platform, current_user.platform_id)
    if platform is None:
        abort(404)
    start, end = form.period()
    # Streamed to a temporary file, not memory: a cohort can be large.
    # The response closes the file once sent, which deletes it.
    output = tempfile.TemporaryFile()  # noqa: SIM115
    suffix = f"{start:%Y%m%d}-{end:%Y%m%d}"
    kind = form.kind.data
    if kind == "national":
        write_national(db.session, platform, start, end, output, actor=current_user)
        name = f"national-{platform.slug}-{suffix}.xlsx"
    elif kind == "cohort":
        identified = bool(form.identified.data)
        write_cohort(
            db.session, platform, output, actor=current_user, start=start, end=end, identified=identified
        )
        name = f"cohorte-{'nominative' if identified else 'pseudonymisee'}-{platform.slug}-{suffix}.xlsx"
    else:
        write_bilan(
            db.session,
            platform,
            start,
            end,
            output,
            actor=current_user,
            with_cohort=bool(form.with_cohort.data),
        )
        name = f"bilan-{platform.slug}-{suffix}.xlsx"
    db.session.commit()  # the audit entry of the export
    output.seek(0)
    return send_file(output, mimetype=XLSX, as_attachment=True, download_name=name, max_age=0)


@blueprint.post("/rapport")
@roles_required(Role.MANAGER)
def report() -> str | Response:
    """The bilan of the period as a PDF report, beside the workbook (same form, its period only)."""
    from exports.pdf import write_bilan_pdf

    form = BilanForm()
    if not form.validate():
        return _page(form)
    platform = db.session.get(Platform, current_user.platform_id)
    if platform is None:
        abort(404)
    start, end = form.period()
    output = tempfile.TemporaryFile()  # noqa: SIM115 - closed (and deleted) once sent
    write_bilan_pdf(db.session, platform, start, end, output, actor=current_user)
    db.session.commit()  # the audit entry of the export
    output.seek(0)
    name = f"bilan-{platform.slug}-{start:%Y%m%d}-{end:%Y%m%d}.pdf"
    return send_file(output, mimetype=PDF, as_attachment=True, download_name=name, max_age=0)
