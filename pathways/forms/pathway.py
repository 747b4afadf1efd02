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
from pathways.services.person import EDITABLE_FIELDS
from pathways.states import (
    ContractInput,
    ExitReason,
    ImmersionInput,
    MoveRequest,
    TrainingInput,
    Trigger,
)
from pathways.vocabulary import (
    AbsenceOverride,
    BarrierCategory,
    BarrierStatus,
    ContractEndReason,
    ContractType,
    DiplomaLevel,
    EmployerType,
    ExchangeMode,
    FundingScheme,
    ImmersionFollowOn,
    ImmersionObjective,
    ImmersionOutcome,
    PrescriberType,
    ReferentOrganisation,
    Role,
    Sex,
    TrainingResult,
)

DATE_REQUIRED = DataRequired(message="Indiquez une date.")
PUBLIC_FLAGS = (
    "is_job_seeker",
    "is_rsa_beneficiary",
    "is_reconversion",
    "is_rqth",
    "is_bpi",
    "is_qpv_resident",
    "is_zrr_resident",
)


def _date(label: str, required: bool = True) -> DateField:
    return DateField(
        label, validators=[DATE_REQUIRED] if required else [Optional()], default=lambda: clock.today()
    )


def _text(label: str, max_length: int = 2000) -> TextAreaField:
    return TextAreaField(label, validators=[Optional(), Length(max=max_length)])


class NeededByTheService:
    """Shows a field the service requires with the asterisk; the service's guard says what is missing.

    No check here: the rule lives once, in the service (see this module's docstring).
    """

    field_flags = {"required": True}  # noqa: RUF012 - WTForms reads it as a class attribute

    def __call__(self, form: object, field: object) -> None:
        return None


NEEDED = NeededByTheService()


def _enum_select(label: str, enum: type, needed: bool = False) -> SelectField:
    validators = [NEEDED] if needed else []
    choices = options(enum.choices())
    return SelectField(
        label, choices=choices, coerce=optional_str, validate_choice=False, validators=validators
    )


def _needed_select(label: str, coerce: object = optional_int) -> SelectField:
    return SelectField(label, coerce=coerce, validate_choice=False, validators=[NEEDED])


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
        occurred_on = self.occurred_on.data if self.occurred_on is not None else None
        return MoveRequest(
            trigger=trigger, occurred_on=occurred_on, comment=self.comment.data, **self.details()
        )

    def fill_from(self, request: MoveRequest) -> None:
        """Show a kept request (a planned step) in the form, to change it."""
        self.comment.data = request.comment


class DatedStepForm(MoveForm):
    """A step dated by its own first day: no second date to type (pathway.md, one date per fact).

    A first day still to come plans the step; it is confirmed on or after that day.
    """

    occurred_on = None  # type: ignore[assignment]


class InfoSessionMoveForm(MoveForm):
    info_session_id = _needed_select("Information collective")
    occurred_on = _date("Date de l'inscription")

    def details(self) -> dict[str, object]:
        return {"info_session_id": self.info_session_id.data}


class OrientationMoveForm(DatedStepForm):
    orientation_week_id = SelectField(
        "Semaine du pôle orientation (l'étape est datée de son premier jour)",
        coerce=optional_int,
        validate_choice=False,
        validators=[NEEDED],
    )
    availability_confirmed = BooleanField(
        "La personne a confirmé être disponible toute la semaine (garde d'enfants, transport… réglés)"
    )
    absence_override = _enum_select(
        "Si la personne est notée absente à l'information collective", AbsenceOverride
    )

    def details(self) -> dict[str, object]:
        return {
            "orientation_week_id": self.orientation_week_id.data,
            "availability_confirmed": bool(self.availability_confirmed.data),
            "absence_override": _enum_or_none(AbsenceOverride, self.absence_override.data),
        }

    def fill_from(self, request: MoveRequest) -> None:
        super().fill_from(request)
        self.orientation_week_id.data = request.orientation_week_id
        self.availability_confirmed.data = request.availability_confirmed
        self.absence_override.data = request.absence_override.value if request.absence_override else None


class ImmersionMoveForm(DatedStepForm):
    employer_id = _needed_select("Employeur d'accueil")
    starts_on = DateField("Premier jour de la PMSMP", validators=[Optional(), NEEDED])
    ends_on = DateField("Dernier jour de la PMSMP", validators=[Optional(), NEEDED])
    objective = _enum_select("Objectif", ImmersionObjective)
    job_code = SelectField("Métier", coerce=optional_str, validate_choice=False)
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

    def fill_from(self, request: MoveRequest) -> None:
        super().fill_from(request)
        if request.immersion is not None:
            self.employer_id.data = request.immersion.employer_id
            self.starts_on.data = request.immersion.starts_on
            self.ends_on.data = request.immersion.ends_on
        for name in (
            "tutor_name",
            "tutor_job",
            "tutor_contact",
            "objective",
            "job_code",
            "prescriber_type",
            "hours",
        ):
            if name in request.extra:
                getattr(self, name).data = request.extra[name]


class TrainingMoveForm(DatedStepForm):
    organisation_id = _needed_select("Organisme de formation")
    certification_code = _needed_select("Certification visée", optional_str)
    funding = _enum_select("Dispositif de financement", FundingScheme, needed=True)
    starts_on = DateField("Premier jour de la formation", validators=[Optional(), NEEDED])
    ends_on = DateField("Date de fin prévue (facultatif)", validators=[Optional()])
    hours = IntegerField(
        "Nombre d'heures (facultatif)", validators=[Optional(), NumberRange(min=1, max=5000)]
    )

    def training_input(self) -> TrainingInput:
        return TrainingInput(
            self.organisation_id.data,
            self.certification_code.data,
            _enum_or_none(FundingScheme, self.funding.data),  # type: ignore[arg-type]
            self.starts_on.data,
        )

    def details(self) -> dict[str, object]:
        extra = {"ends_on": self.ends_on.data, "hours": self.hours.data}
        return {"training": self.training_input(), "extra": {k: v for k, v in extra.items() if v is not None}}

    def fill_from(self, request: MoveRequest) -> None:
        super().fill_from(request)
        if request.training is not None:
            self.organisation_id.data = request.training.organisation_id
            self.certification_code.data = request.training.certification_code
            self.funding.data = request.training.funding.value if request.training.funding else None
            self.starts_on.data = request.training.starts_on
        self.ends_on.data = request.extra.get("ends_on")
        self.hours.data = request.extra.get("hours")


class ContractMoveForm(DatedStepForm):
    employer_id = _needed_select("Employeur")
    employer_type = _enum_select("Type d'employeur", EmployerType, needed=True)
    job_code = _needed_select("Métier", optional_str)
    contract_type = _enum_select("Type de contrat", ContractType, needed=True)
    cdd_months = IntegerField("Durée du CDD en mois", validators=[Optional()])
    starts_on = DateField("Premier jour du contrat", validators=[Optional(), NEEDED])
    hours_per_week = IntegerField(
        "Heures par semaine (facultatif)", validators=[Optional(), NumberRange(min=1, max=48)]
    )
    organisation_id = SelectField(
        "Apprentissage ou professionnalisation : organisme de la formation",
        coerce=optional_int,
        validate_choice=False,
    )
    certification_code = SelectField(
        "Apprentissage ou professionnalisation : certification préparée",
        coerce=optional_str,
        validate_choice=False,
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
                self.organisation_id.data,
                self.certification_code.data,
            ),
            "extra": extra,
        }

    def fill_from(self, request: MoveRequest) -> None:
        super().fill_from(request)
        contract = request.contract
        if contract is not None:
            self.employer_id.data = contract.employer_id
            self.employer_type.data = contract.employer_type.value if contract.employer_type else None
            self.job_code.data = contract.job_code
            self.contract_type.data = contract.contract_type.value if contract.contract_type else None
            self.cdd_months.data = contract.cdd_months
            self.starts_on.data = contract.starts_on
            self.organisation_id.data = contract.training_organisation_id
            self.certification_code.data = contract.training_certification_code
        self.hours_per_week.data = request.extra.get("hours_per_week")


class EndContractMoveForm(MoveForm):
    occurred_on = _date("Dernier jour du contrat")
    contract_end_reason = _enum_select("Motif de la fin du contrat", ContractEndReason, needed=True)
    comment = _text("Commentaire (obligatoire pour le motif « Autre »)")

    def details(self) -> dict[str, object]:
        return {"contract_end_reason": _enum_or_none(ContractEndReason, self.contract_end_reason.data)}


class ExitMoveForm(MoveForm):
    exit_reason = _enum_select("Motif de sortie", ExitReason, needed=True)
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
    Trigger.END_CONTRACT: EndContractMoveForm,
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
    next_step_on = DateField(
        "Date de la prochaine étape (facultatif)",
        description="Datée, elle entre dans votre agenda ; vous la cochez quand elle est faite.",
        validators=[Optional()],
    )


class NextStepForm(Form):
    """Tick or untick an exchange's next step (from the file or the agenda)."""

    exchange = HiddenField()
    done = HiddenField()


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
    ends_on = DateField("Date de fin (pour un abandon : le jour de l'abandon)", validators=[Optional()])
    blocks_obtained = StringField(
        "Certification partielle : blocs obtenus (par exemple : CCP1, CCP2)",
        validators=[Optional(), Length(max=200)],
    )
    abandon_reason = StringField("Abandon : motif", validators=[Optional(), Length(max=200)])


class TrainingInEmploymentForm(TrainingMoveForm):
    """A training while employed (VAE, a CCP after hiring): recorded without a move."""

    starts_on = DateField("Premier jour de la formation", validators=[Optional()])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.funding.choices = options(FundingScheme.choices())


class PersonForm(Form):
    """Identity, contact and situation of the person (corrected from the file)."""

    last_name = StringField(
        "Nom", validators=[DataRequired(message="Le nom est obligatoire."), Length(max=120)]
    )
    first_name = StringField(
        "Prénom", validators=[DataRequired(message="Le prénom est obligatoire."), Length(max=120)]
    )
    birth_date = DateField(
        "Date de naissance", validators=[DataRequired(message="Indiquez la date de naissance.")]
    )
    sex = _enum_select("Sexe", Sex)
    france_travail_id = StringField("Identifiant France Travail", validators=[Optional(), Length(max=20)])
    email = StringField(
        "Adresse électronique", validators=[Optional(), Email(message="Adresse invalide."), Length(max=254)]
    )
    phone = StringField("Téléphone", validators=[Optional(), Length(max=32)])
    email_allowed = BooleanField(
        "Accepte d'être convoqué·e et rappelé·e par courriel",
        description="Décochez si la personne refuse : ses convocations partiront par courrier.",
    )
    sms_allowed = BooleanField(
        "Accepte les rappels par SMS",
        description="Seulement si la personne l'a dit : rappels de ses rendez-vous, sur son mobile.",
    )
    postal_code = StringField("Code postal", validators=[Optional(), Length(max=10)])
    city = StringField("Commune", validators=[Optional(), Length(max=120)])
    diploma_level = _enum_select("Niveau de diplôme", DiplomaLevel)
    is_job_seeker = BooleanField("Demandeur·euse d'emploi")
    is_rsa_beneficiary = BooleanField("Allocataire du RSA")
    is_reconversion = BooleanField("En reconversion")
    is_rqth = BooleanField("Reconnaissance de la qualité de travailleur handicapé (RQTH)")
    is_bpi = BooleanField("Bénéficiaire de la protection internationale")
    is_qpv_resident = BooleanField("Résident·e d'un quartier prioritaire (QPV)")
    is_zrr_resident = BooleanField("Résident·e d'une zone de revitalisation rurale (ZRR / ZFRR)")
    prescriber_type = _enum_select("Prescripteur du parcours", PrescriberType)
    confirm_not_duplicate = BooleanField("Il s'agit bien d'une autre personne que celle signalée")

    # The fields the person service may write (its one list: identity, contact, situation).
    PERSON_FIELDS = EDITABLE_FIELDS

    def person_values(self) -> dict[str, object]:
        values: dict[str, object] = {name: getattr(self, name).data for name in self.PERSON_FIELDS}
        for name in ("france_travail_id", "email", "phone", "postal_code", "city"):
            values[name] = (values[name] or "").strip() or None
        values["sex"] = _enum_or_none(Sex, self.sex.data)
        values["diploma_level"] = _enum_or_none(DiplomaLevel, self.diploma_level.data)
        for flag in (*PUBLIC_FLAGS, "email_allowed", "sms_allowed"):
            values[flag] = bool(values[flag])
        return values


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
