"""Forms of a person's rights: the notice given, an opposition, the access export, the erasure."""

from __future__ import annotations

from wtforms import RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from pathways import clock
from pathways.forms.base import DateField, Form, optional_str, options
from pathways.states import ExitReason


class InformationForm(Form):
    informed_on = DateField(
        "Notice remise le",
        default=lambda: clock.today(),  # read when the form is built: a moved clock applies
        validators=[InputRequired(message="Indiquez la date à laquelle la notice a été remise.")],
    )


class OppositionForm(Form):
    opposed_on = DateField(
        "Opposition exprimée le",
        default=lambda: clock.today(),  # read when the form is built: a moved clock applies
        validators=[InputRequired(message="Indiquez la date à laquelle la personne s'est opposée.")],
    )


class WithdrawOppositionForm(Form):
    """Only the CSRF token: the action is the button."""


RECORD_FORMATS = [
    SelectChoice("pdf", "PDF, à lire et à remettre tel quel"),
    SelectChoice("xlsx", "Tableur (.xlsx), une feuille par type de donnée"),
]


class AccessExportForm(Form):
    record_format = RadioField(
        "Format",
        choices=RECORD_FORMATS,
        default="pdf",
        validators=[InputRequired(message="Choisissez le format du dossier.")],
    )


class ErasureForm(Form):
    exit_reason = SelectField(
        "Motif de sortie du parcours en cours",
        coerce=optional_str,
        choices=options(ExitReason.choices()),
        validators=[Optional()],
    )
    exit_comment = TextAreaField(
        "Précision sur la sortie (obligatoire pour « Autre motif »)",
        validators=[Optional(), Length(max=2000)],
    )
