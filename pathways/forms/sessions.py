"""Forms of the délégué: sessions, weeks, persons, diagnostic and handover."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms import Form as PlainForm
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from pathways import clock
from pathways.forms.base import DateField, Form, IntegerField, optional_int, optional_str, options
from pathways.vocabulary import AbsenceOverride, DiplomaLevel, PrescriberType, Sex

ROAD_MAP_ROWS = 4


class InfoSessionForm(Form):
    held_on = DateField(
        "Date de l'information collective", validators=[DataRequired(message="Indiquez une date.")]
    )
    starts_at = TimeField(
        "Heure de début", validators=[DataRequired(message="Indiquez l'heure de début (par exemple 09:30).")]
    )
    ends_at = TimeField(
        "Heure de fin", validators=[DataRequired(message="Indiquez l'heure de fin (par exemple 12:00).")]
    )
    place = StringField(
        "Lieu", validators=[DataRequired(message="Le lieu est obligatoire."), Length(max=200)]
    )
    seats = IntegerField(
        "Nombre de places",
        default=12,
        validators=[DataRequired(message="Indiquez le nombre de places."), NumberRange(min=1, max=200)],
    )
    territory_id = SelectField("Territoire", coerce=optional_int, validate_choice=False)
    access = TextAreaField(
        "Accès (facultatif, repris sur la convocation)",
        description="Transports, entrée, étage : par exemple « Bus 12, arrêt Mairie ; 2e étage, salle 4 ».",
        validators=[Optional(), Length(max=500)],
    )
    contact_phone = StringField(
        "Téléphone à appeler (facultatif, repris sur la convocation)", validators=[Optional(), Length(max=32)]
    )


class WeekForm(Form):
    starts_on = DateField(
        "Premier jour de la semaine (un jour ouvré)", validators=[DataRequired(message="Indiquez une date.")]
    )
    starts_at = TimeField("Heure de début chaque jour (facultatif)", validators=[Optional()])
    ends_at = TimeField("Heure de fin chaque jour (facultatif)", validators=[Optional()])
    place = StringField(
        "Lieu", validators=[DataRequired(message="Le lieu est obligatoire."), Length(max=200)]
    )
    seats = IntegerField(
        "Nombre de places",
        default=10,
        validators=[DataRequired(message="Indiquez le nombre de places."), NumberRange(min=1, max=200)],
    )
    territory_id = SelectField("Territoire", coerce=optional_int, validate_choice=False)
    access = TextAreaField(
        "Accès (facultatif, repris sur la convocation)",
        description="Transports, entrée, étage : par exemple « Bus 12, arrêt Mairie ; 2e étage, salle 4 ».",
        validators=[Optional(), Length(max=500)],
    )
    contact_phone = StringField(
        "Téléphone à appeler (facultatif, repris sur la convocation)", validators=[Optional(), Length(max=32)]
    )


class ConvokeForm(Form):
    """Convoke a session's or a week's people (no field: the action and its one-time token)."""


class CallBackForm(Form):
    """The délégué called back a person who asked for it."""

    record = HiddenField()


class PersonForm(Form):
    """A new person; ``confirm_new`` lets the délégué go on when a possible duplicate was shown."""

    last_name = StringField(
        "Nom", validators=[DataRequired(message="Le nom est obligatoire."), Length(max=120)]
    )
    first_name = StringField(
        "Prénom", validators=[DataRequired(message="Le prénom est obligatoire."), Length(max=120)]
    )
    birth_date = DateField(
        "Date de naissance", validators=[DataRequired(message="Indiquez la date de naissance.")]
    )
    france_travail_id = StringField(
        "Identifiant France Travail (facultatif)", validators=[Optional(), Length(max=20)]
    )
    sex = SelectField("Sexe", choices=options(Sex.choices()), coerce=optional_str, validate_choice=False)
    email = StringField(
        "Adresse électronique (facultatif)",
        validators=[Optional(), Email(message="Adresse électronique invalide."), Length(max=254)],
    )
    phone = StringField("Téléphone (facultatif)", validators=[Optional(), Length(max=32)])
    email_allowed = BooleanField(
        "Accepte d'être convoqué·e et rappelé·e par courriel",
        default=True,
        description="Décochez si la personne refuse : ses convocations partiront par courrier.",
    )
    sms_allowed = BooleanField(
        "Accepte les rappels par SMS",
        description="Seulement si la personne l'a dit : rappels de ses rendez-vous, sur son mobile.",
    )
    postal_code = StringField("Code postal (facultatif)", validators=[Optional(), Length(max=10)])
    city = StringField("Commune (facultatif)", validators=[Optional(), Length(max=120)])
    diploma_level = SelectField(
        "Niveau de diplôme",
        choices=options(DiplomaLevel.choices()),
        coerce=optional_str,
        validate_choice=False,
    )
    prescriber_type = SelectField(
        "Orienté·e par",
        choices=options(PrescriberType.choices()),
        coerce=optional_str,
        validate_choice=False,
    )
    is_job_seeker = BooleanField("Demandeur·euse d'emploi")
    is_rsa_beneficiary = BooleanField("Allocataire du RSA")
    is_rqth = BooleanField("RQTH")
    confirm_new = BooleanField("J'ai vérifié : il ne s'agit d'aucune des personnes déjà connues ci-dessus")

    def person_fields(self) -> dict[str, object]:
        values: dict[str, object] = {
            "france_travail_id": (self.france_travail_id.data or "").strip() or None,
            "email": (self.email.data or "").strip() or None,
            "phone": (self.phone.data or "").strip() or None,
            "postal_code": (self.postal_code.data or "").strip() or None,
            "city": (self.city.data or "").strip() or None,
            "sex": Sex(self.sex.data) if self.sex.data in Sex._value2member_map_ else None,
            "diploma_level": DiplomaLevel(self.diploma_level.data)
            if self.diploma_level.data in DiplomaLevel._value2member_map_
            else None,
            "is_job_seeker": bool(self.is_job_seeker.data),
            "is_rsa_beneficiary": bool(self.is_rsa_beneficiary.data),
            "is_rqth": bool(self.is_rqth.data),
            "email_allowed": bool(self.email_allowed.data),
            "sms_allowed": bool(self.sms_allowed.data),
            "contact_preferences_on": clock.today(),
        }
        return values

    def prescriber(self) -> PrescriberType | None:
        value = self.prescriber_type.data
        return PrescriberType(value) if value in PrescriberType._value2member_map_ else None


class RegisterKnownForm(Form):
    """Register a person already known: their pathway waiting for an information session."""

    pathway = SelectField(
        "Personne repérée",
        coerce=optional_int,
        validate_choice=False,
        validators=[DataRequired(message="Choisissez une personne.")],
    )


class RegisterDuplicateForm(Form):
    """Register the existing person a duplicate check found."""

    person = HiddenField()


class JoinWeekForm(Form):
    pathway = SelectField(
        "Personne",
        coerce=optional_int,
        validate_choice=False,
        validators=[DataRequired(message="Choisissez une personne.")],
    )
    availability_confirmed = BooleanField(
        "La personne a confirmé être disponible toute la semaine (garde d'enfants, transport… réglés)"
    )
    absence_override = SelectField(
        "Si la personne est notée absente à l'information collective",
        choices=options(AbsenceOverride.choices(), empty="— Sans objet —"),
        coerce=optional_str,
        validate_choice=False,
    )

    def absence_choice(self) -> AbsenceOverride | None:
        try:
            return AbsenceOverride(self.absence_override.data) if self.absence_override.data else None
        except ValueError:
            return None


class RoadMapStepForm(PlainForm):
    title = StringField("Étape", validators=[Optional(), Length(max=200)])
    planned_on = DateField("Date prévue", validators=[Optional()])


class DiagnosticForm(Form):
    written_on = DateField(
        "Date du diagnostic",
        default=lambda: clock.today(),
        validators=[DataRequired(message="Indiquez une date.")],
    )
    basic_skills = TextAreaField("Savoirs de base", validators=[Optional(), Length(max=5000)])
    professional_values = TextAreaField("Valeurs professionnelles", validators=[Optional(), Length(max=5000)])
    barriers_and_levers = TextAreaField(
        "Freins et leviers repérés", validators=[Optional(), Length(max=5000)]
    )
    project_validated = RadioField(
        "Le projet professionnel est-il validé ?",
        choices=options([("yes", "Oui, validé"), ("no", "Non")], empty=None),
        validators=[DataRequired(message="Indiquez si le projet est validé.")],
    )
    target_job_code = SelectField("Métier visé", coerce=optional_str, validate_choice=False)
    road_map = FieldList(FormField(RoadMapStepForm), min_entries=ROAD_MAP_ROWS, max_entries=ROAD_MAP_ROWS)

    def diagnostic_values(self) -> dict[str, object]:
        """What ``record_diagnostic`` takes from this form (the week or the interview is the caller's)."""
        return {
            "written_on": self.written_on.data,
            "project_validated": self.project_validated.data == "yes",
            "target_job_code": self.target_job_code.data,
            "basic_skills": self.basic_skills.data,
            "professional_values": self.professional_values.data,
            "barriers_and_levers": self.barriers_and_levers.data,
            "road_map": self.road_map_steps(),
        }

    def road_map_steps(self) -> list[tuple[str, object]]:
        return [
            ((entry.form.title.data or "").strip(), entry.form.planned_on.data)
            for entry in self.road_map
            if (entry.form.title.data or "").strip() or entry.form.planned_on.data
        ]


class HandoverForm(Form):
    adviser_id = SelectField(
        "Conseiller·ère",
        coerce=optional_int,
        validate_choice=False,
        validators=[DataRequired(message="Choisissez un·e conseiller·ère.")],
    )
    note = TextAreaField("Note de passage de relais", validators=[Optional(), Length(max=5000)])
