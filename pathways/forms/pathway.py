"""Forms of the pathway file: one form per move, freins, co-accompaniment, steps, notes.

Fields the guards check (an employer chosen, a date given...) are optional
here on purpose: the guard's own French message is the one shown, so there
is no second copy of a rule.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from pathways import clock
from pathways.forms.base import DateField, EditForm, Form, IntegerField, optional_int, optional_str, options
from pathways.models import (
    Certification,
    Employer,
    InfoSession,
    Job,
    OrientationWeek,
    TrainingOrganisation,
    User,
)
from pathways.states import (
    ContractInput,
    ExitReason,
    ImmersionInput,
    MoveRequest,
    TrainingInput,
    Trigger,
)
from pathways.vocabulary import (
    BarrierCategory,
    BarrierStatus,
    ContractType,
    EmployerType,
    ExchangeMode,
    FundingScheme,
    ImmersionFollowOn,
    ImmersionObjective,
    ImmersionOutcome,
    PrescriberType,
    ReferentOrganisation,
    Role,
    TrainingResult,
)

DATE_REQUIRED = DataRequired(message="Indiquez une date.")


def _date(label: str, required: bool = True) -> DateField:
    return DateField(label, validators=[DATE_REQUIRED] if required else [Optional()], default=clock.today)


def _text(label: str, max_length: int = 2000) -> TextAreaField:
    return TextAreaField(label, validators=[Optional(), Length(max=max_length)])


def _enum_select(label: str, enum: type) -> SelectField:
    return SelectField(label, choices=options(enum.choices()), coerce=optional_str, validate_choice=False)


def _enum_or_none(enum: type, value: str | None) -> object:
    try:
        return enum(value) if value else None
    except ValueError:
        return None


# --- choices drawn from the platform's lists ----------------------------------------------


def fill_choices(form: Form, session: Session, platform_id: int) -> None:
    """Fill the selects of ``form`` that list the platform's references."""
    if hasattr(form, "employer_id"):
        form.employer_id.choices = options(
            session.execute(
                sa.select(Employer.id, Employer.name)
                .where(Employer.platform_id == platform_id)
                .order_by(Employer.name)
            ),
        )
    if hasattr(form, "organisation_id"):
        form.organisation_id.choices = options(
            session.execute(
                sa.select(TrainingOrganisation.id, TrainingOrganisation.name)
                .where(TrainingOrganisation.platform_id == platform_id)
                .order_by(TrainingOrganisation.name)
            ),
        )
    if hasattr(form, "certification_code"):
        form.certification_code.choices = options(
            session.execute(sa.select(Certification.code, Certification.label).order_by(Certification.label)),
        )
    for name in ("job_code", "target_job_code"):
        if hasattr(form, name):
            getattr(form, name).choices = options(job_choices(session))
    if hasattr(form, "info_session_id"):
        form.info_session_id.choices = options(
            (
                (sid, f"{held:%d/%m/%Y} — {place}")
                for sid, held, place in session.execute(
                    sa.select(InfoSession.id, InfoSession.held_on, InfoSession.place)
                    .where(InfoSession.platform_id == platform_id)
                    .order_by(InfoSession.held_on.desc())
                    .limit(50)
                )
            ),
        )
    if hasattr(form, "orientation_week_id"):
        form.orientation_week_id.choices = options(
            (
                (wid, f"Semaine du {starts:%d/%m/%Y} — {place}")
                for wid, starts, place in session.execute(
                    sa.select(OrientationWeek.id, OrientationWeek.starts_on, OrientationWeek.place)
                    .where(OrientationWeek.platform_id == platform_id)
                    .order_by(OrientationWeek.starts_on.desc())
                    .limit(50)
                )
            ),
        )
    if hasattr(form, "adviser_id"):
        form.adviser_id.choices = options(adviser_choices(session, platform_id))


def job_choices(session: Session) -> list[tuple[str, str]]:
    """ROME jobs, the sector's target jobs first."""
    return [
        (code, f"{label} ({code})")
        for code, label in session.execute(
            sa.select(Job.rome_code, Job.label).order_by(Job.is_sector_job.desc(), Job.label)
        )
    ]


def adviser_choices(session: Session, platform_id: int) -> list[tuple[int, str]]:
    return [
        (uid, name or email)
        for uid, name, email in session.execute(
            sa.select(User.id, User.full_name, User.email)
            .where(User.platform_id == platform_id, User.role == Role.ADVISER, User.is_active.is_(True))
            .order_by(User.full_name, User.email)
        )
    ]


# --- moves ---------------------------------------------------------------------------------


class MoveForm(Form):
    """A move with only its date and comment (seek employment, reinforcement, resume, complete)."""

    occurred_on = _date("Date de l'événement")
    comment = _text("Commentaire (facultatif)")

    def details(self) -> dict[str, object]:
        return {}

    def move_request(self, trigger: Trigger) -> MoveRequest:
        return MoveRequest(
            trigger=trigger,
            occurred_on=self.occurred_on.data or clock.today(),
            comment=self.comment.data,
            **self.details(),
        )


class InfoSessionMoveForm(MoveForm):
    info_session_id = SelectField("Information collective", coerce=optional_int, validate_choice=False)

    def details(self) -> dict[str, object]:
        return {"info_session_id": self.info_session_id.data}


class OrientationMoveForm(MoveForm):
    orientation_week_id = SelectField(
        "Semaine du pôle orientation", coerce=optional_int, validate_choice=False
    )
    availability_confirmed = BooleanField(
        "La personne a confirmé être disponible toute la semaine (garde d'enfants, transport… réglés)"
    )

    def details(self) -> dict[str, object]:
        return {
            "orientation_week_id": self.orientation_week_id.data,
            "availability_confirmed": bool(self.availability_confirmed.data),
        }


class ImmersionMoveForm(MoveForm):
    employer_id = SelectField("Employeur d'accueil", coerce=optional_int, validate_choice=False)
    starts_on = _date("Date de début de la PMSMP", required=False)
    ends_on = DateField("Date de fin de la PMSMP", validators=[Optional()])
    objective = _enum_select("Objectif", ImmersionObjective)
    job_code = SelectField("Métier (code ROME)", coerce=optional_str, validate_choice=False)
    prescriber_type = _enum_select("Organisme prescripteur signataire de la convention", PrescriberType)
    tutor_name = StringField("Nom du tuteur ou de la tutrice", validators=[Optional(), Length(max=200)])
    tutor_job = StringField("Fonction du tuteur ou de la tutrice", validators=[Optional(), Length(max=200)])
    tutor_contact = StringField(
        "Contact du tuteur ou de la tutrice", validators=[Optional(), Length(max=200)]
    )
    hours = IntegerField("Nombre d'heures", validators=[Optional(), NumberRange(min=1, max=200)])

    def details(self) -> dict[str, object]:
        extra = {
            "tutor_name": (self.tutor_name.data or "").strip() or None,
            "tutor_job": (self.tutor_job.data or "").strip() or None,
            "tutor_contact": (self.tutor_contact.data or "").strip() or None,
            "prescriber_type": _enum_or_none(PrescriberType, self.prescriber_type.data),
            "objective": _enum_or_none(ImmersionObjective, self.objective.data),
            "job_code": self.job_code.data,
            "hours": self.hours.data,
        }
        return {
            "immersion": ImmersionInput(self.employer_id.data, self.starts_on.data, self.ends_on.data),
            "extra": {k: v for k, v in extra.items() if v is not None},
        }


class TrainingMoveForm(MoveForm):
    organisation_id = SelectField("Organisme de formation", coerce=optional_int, validate_choice=False)
    certification_code = SelectField("Certification visée", coerce=optional_str, validate_choice=False)
    funding = _enum_select("Dispositif de financement", FundingScheme)
    starts_on = _date("Date de début de la formation", required=False)
    ends_on = DateField("Date de fin prévue (facultatif)", validators=[Optional()])
    hours = IntegerField(
        "Nombre d'heures (facultatif)", validators=[Optional(), NumberRange(min=1, max=5000)]
    )

    def details(self) -> dict[str, object]:
        extra = {"ends_on": self.ends_on.data, "hours": self.hours.data}
        return {
            "training": TrainingInput(
                self.organisation_id.data,
                self.certification_code.data,
                _enum_or_none(FundingScheme, self.funding.data),  # type: ignore[arg-type]
                self.starts_on.data,
            ),
            "extra": {k: v for k, v in extra.items() if v is not None},
        }


class ContractMoveForm(MoveForm):
    employer_id = SelectField("Employeur", coerce=optional_int, validate_choice=False)
    employer_type = _enum_select("Type d'employeur", EmployerType)
    job_code = SelectField("Métier (code ROME)", coerce=optional_str, validate_choice=False)
    contract_type = _enum_select("Type de contrat", ContractType)
    cdd_months = IntegerField("Durée du CDD en mois", validators=[Optional()])
    starts_on = _date("Date de début du contrat", required=False)
    hours_per_week = IntegerField(
        "Heures par semaine (facultatif)", validators=[Optional(), NumberRange(min=1, max=48)]
    )

    def details(self) -> dict[str, object]:
        extra = {"hours_per_week": self.hours_per_week.data} if self.hours_per_week.data else {}
        return {
            "contract": ContractInput(
                self.employer_id.data,
                _enum_or_none(EmployerType, self.employer_type.data),  # type: ignore[arg-type]
                self.job_code.data,
                _enum_or_none(ContractType, self.contract_type.data),  # type: ignore[arg-type]
                self.starts_on.data,
                self.cdd_months.data,
            ),
            "extra": extra,
        }


class ExitMoveForm(MoveForm):
    exit_reason = _enum_select("Motif de sortie", ExitReason)
    comment = _text("Commentaire (obligatoire pour le motif « Autre »)")

    def details(self) -> dict[str, object]:
        return {"exit_reason": _enum_or_none(ExitReason, self.exit_reason.data)}


class SuspendMoveForm(MoveForm):
    suspend_reason = StringField(
        "Motif de la suspension (santé, maternité, événement familial…)",
        validators=[Optional(), Length(max=200)],
    )

    def details(self) -> dict[str, object]:
        return {"suspend_reason": self.suspend_reason.data}


MOVE_FORMS: dict[Trigger, type[MoveForm]] = {
    Trigger.REGISTER_INFO_SESSION: InfoSessionMoveForm,
    Trigger.START_ORIENTATION: OrientationMoveForm,
    Trigger.START_REINFORCEMENT: MoveForm,
    Trigger.START_IMMERSION: ImmersionMoveForm,
    Trigger.START_TRAINING: TrainingMoveForm,
    Trigger.SEEK_EMPLOYMENT: MoveForm,
    Trigger.SIGN_CONTRACT: ContractMoveForm,
    Trigger.COMPLETE: MoveForm,
    Trigger.EXIT: ExitMoveForm,
    Trigger.SUSPEND: SuspendMoveForm,
    Trigger.RESUME: MoveForm,
}


# --- freins ---------------------------------------------------------------------------------


class BarrierForm(Form):
    category = _enum_select("Catégorie", BarrierCategory)
    identified_on = _date("Date d'identification")
    details = _text("Précisions (obligatoires pour « Autre » ; jamais de diagnostic médical)")
    partner = StringField("Partenaire mobilisé (facultatif)", validators=[Optional(), Length(max=200)])


class BarrierStatusForm(EditForm):
    status = _enum_select("Nouveau statut", BarrierStatus)
    changed_on = _date("Date du changement")
    action_taken = _text("Action menée")
    partner = StringField("Partenaire mobilisé (facultatif)", validators=[Optional(), Length(max=200)])


# --- co-accompaniment -----------------------------------------------------------------------


class ReferentForm(Form):
    organisation_type = _enum_select("Type d'organisation", ReferentOrganisation)
    organisation_name = StringField("Nom de la structure (agence…)", validators=[Optional(), Length(max=200)])
    name = StringField("Nom du ou de la référent·e", validators=[Optional(), Length(max=200)])
    email = StringField(
        "Adresse électronique", validators=[Optional(), Email(message="Adresse invalide."), Length(max=254)]
    )
    phone = StringField("Téléphone", validators=[Optional(), Length(max=32)])


class ExchangeForm(Form):
    occurred_on = _date("Date de l'échange")
    referent_id = SelectField("Référent·e partenaire", coerce=optional_int, validate_choice=False)
    mode = _enum_select("Mode", ExchangeMode)
    participants = StringField("Participants", validators=[Optional(), Length(max=500)])
    summary = _text("Compte rendu", 5000)
    next_step = _text("Prochaine étape (facultatif)")


class NoteForm(Form):
    written_on = _date("Date")
    body = TextAreaField("Note", validators=[DataRequired(message="La note est vide."), Length(max=5000)])


# --- steps ----------------------------------------------------------------------------------


class ImmersionAssessmentForm(EditForm):
    immersion_id = HiddenField()
    outcome = RadioField(
        "La PMSMP a-t-elle été réalisée ?",
        choices=options(ImmersionOutcome.choices(), empty=None),
        validators=[DataRequired(message="Indiquez si la PMSMP a été réalisée.")],
    )
    assessed_on = _date("Date du bilan")
    employer_feedback = _text("Retour de l'employeur")
    leads_to = _enum_select("Débouche sur", ImmersionFollowOn)


class TrainingResultForm(EditForm):
    training_id = HiddenField()
    result = _enum_select("Résultat", TrainingResult)
    ends_on = DateField("Date de fin", validators=[Optional()])


class CheckpointForm(EditForm):
    recorded_on = _date("Date du point de suivi")
    still_in_post = RadioField(
        "La personne est-elle toujours en poste ?",
        choices=options([("yes", "Oui"), ("no", "Non")], empty=None),
        validators=[DataRequired(message="Indiquez si la personne est toujours en poste.")],
    )
    difficulties = _text("Difficultés rencontrées")
    action_taken = _text("Action menée")


class ReassignForm(Form):
    adviser_id = SelectField(
        "Nouveau conseiller ou nouvelle conseillère", coerce=optional_int, validate_choice=False
    )
    on = _date("Date de la réaffectation")
    note = _text("Note de passage de relais")
