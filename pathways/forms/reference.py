"""Forms of the platform's reference lists: employers, training organisations, prescribers."""

from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from pathways.forms.base import EditForm, Form, optional_str, options
from pathways.vocabulary import EmployerType, PrescriberType


class EmployerForm(EditForm):
    name = StringField("Nom", validators=[DataRequired(message="Le nom est obligatoire."), Length(max=200)])
    employer_type = SelectField(
        "Type d'employeur",
        choices=options(EmployerType.choices()),
        coerce=optional_str,
        validate_choice=False,
    )
    siret = StringField("SIRET (facultatif)", validators=[Optional(), Length(max=20)])
    city = StringField("Commune (facultatif)", validators=[Optional(), Length(max=120)])


class OrganisationForm(EditForm):
    name = StringField("Nom", validators=[DataRequired(message="Le nom est obligatoire."), Length(max=200)])
    city = StringField("Commune (facultatif)", validators=[Optional(), Length(max=120)])


class PrescriberForm(EditForm):
    name = StringField("Nom", validators=[DataRequired(message="Le nom est obligatoire."), Length(max=200)])
    prescriber_type = SelectField(
        "Type de prescripteur",
        choices=options(PrescriberType.choices()),
        coerce=optional_str,
        validate_choice=False,
    )


REFERENCE_FORMS: dict[str, type[Form]] = {
    "employer": EmployerForm,
    "organisation": OrganisationForm,
    "prescriber": PrescriberForm,
}
