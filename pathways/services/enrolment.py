"""What the délégué does for a person at a session or a week, composed of the engine's services.

No rule lives here: registering at an information session and joining an
orientation week are moves of the pathway (``move``), the person's creation
checks duplicates (``create_person``), a new pathway is opened only when the
person has none in progress (``open_pathway``).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways import audit, clock
from pathways.models import (
    Employer,
    Immersion,
    InfoSession,
    OrientationWeek,
    Pathway,
    PathwayEvent,
    Person,
    PlannedStep,
    Prescriber,
    Training,
    TrainingOrganisation,
    User,
)
from pathways.services import summary
from pathways.services.pathway import InvalidInput, move, open_pathway, record_step
from pathways.states import TERMINAL_STATES, MoveRequest, State, Trigger
from pathways.vocabulary import (
    AbsenceOverride,
    EmployerType,
    ImmersionFollowOn,
    ImmersionOutcome,
    PrescriberType,
    TrainingResult,
)


def open_pathway_of(session: Session, person: Person) -> Pathway | None:
    """The person's pathway in progress, if any (there is at most one)."""
    return session.scalar(
        sa.select(Pathway)
        .where(Pathway.person_id == person.id, Pathway.state.not_in(TERMINAL_STATES))
        .order_by(Pathway.id.desc())
        .limit(1)
    )


def current_or_new_pathway(
    session: Session,
    person: Person,
    *,
    actor: User,
    on: date,
    territory_id: int | None,
    prescriber_type: PrescriberType | None = None,
) -> Pathway:
    """The person's pathway in progress, or a new one opened by ``actor`` (the délégué)."""
    pathway = open_pathway_of(session, person)
    if pathway is not None:
        return pathway
    return open_pathway(
        session,
        person,
        referred_on=on,
        actor=actor,
        territory_id=territory_id,
        prescriber_type=prescriber_type,
        delegate=actor if actor.role.value == "delegate" else None,
    )


def register_at_info_session(
    session: Session,
    info_session: InfoSession,
    person: Person,
    *,
    actor: User,
    on: date | None = None,
    territory_id: int | None = None,
    prescriber_type: PrescriberType | None = None,
) -> Pathway:
    """Register ``person`` at ``info_session``: the ``register_info_session`` move of their pathway.

    Registered after the session took place (the délégué catching up), the
    person was registered by that day at the latest: the registration — and
    a pathway opened for it — is dated by the session.
    """
    on = on or min(clock.today(), info_session.held_on)
    if person.platform_id != info_session.platform_id:
        raise InvalidInput(["Cette personne n'est pas suivie par la plateforme."])
    pathway = current_or_new_pathway(
        session,
        person,
        actor=actor,
        on=on,
        territory_id=territory_id or info_session.territory_id,
        prescriber_type=prescriber_type,
    )
    if pathway.state is not State.REFERRED:
        raise InvalidInput(
            [f"{person.full_name} est déjà à l'étape « {State(pathway.state).label} » de son parcours."]
        )
    move(
        session,
        pathway,
        MoveRequest(Trigger.REGISTER_INFO_SESSION, occurred_on=on, info_session_id=info_session.id),
        actor,
    )
    return pathway


def join_orientation_week(
    session: Session,
    week: OrientationWeek,
    pathway: Pathway,
    *,
    availability_confirmed: bool,
    actor: User,
    absence_override: AbsenceOverride | None = None,
) -> PathwayEvent | PlannedStep:
    """Put ``pathway`` on the list of ``week``: the ``start_orientation`` move, dated by the week.

    A week still to come plans the entry; it is confirmed when the person is
    marked present on a day of the week.
    """
    return record_step(
        session,
        pathway,
        MoveRequest(
            Trigger.START_ORIENTATION,
            orientation_week_id=week.id,
            availability_confirmed=availability_confirmed,
            absence_override=absence_override,
        ),
        actor,
    )


def record_immersion_assessment(
    session: Session,
    immersion: Immersion,
    *,
    outcome: ImmersionOutcome | str,
    assessed_on: date,
    actor: User | None,
    employer_feedback: str | None = None,
    leads_to: ImmersionFollowOn | str | None = None,
) -> Immersion:
    """Record the end assessment of a PMSMP (once; it is not rewritten)."""
    messages = []
    try:
        outcome = ImmersionOutcome(outcome)
    except ValueError:
        messages.append("Indiquez si la PMSMP a été réalisée.")
    try:
        leads_to = ImmersionFollowOn(leads_to) if leads_to else None
    except ValueError:
        messages.append("Suite donnée inconnue.")
    if immersion.outcome is not None:
        messages.append("Le bilan de cette PMSMP est déjà enregistré.")
    if assessed_on > clock.today():
        messages.append("La date du bilan ne peut pas être dans le futur.")
    if assessed_on < immersion.ends_on:
        messages.append(
            f"Le bilan de la PMSMP se fait au plus tôt le jour de sa fin ({immersion.ends_on:%d/%m/%Y})."
        )
    if messages:
        raise InvalidInput(messages)
    immersion.outcome = ImmersionOutcome(outcome)
    immersion.assessed_on = assessed_on
    immersion.employer_feedback = (employer_feedback or "").strip() or None
    immersion.leads_to = leads_to
    session.flush()
    summary.refresh(session, immersion.pathway_id)  # an assessed PMSMP raises no alert
    pathway = session.get(Pathway, immersion.pathway_id)
    audit.record(
        session,
        actor,
        "immersion.assess",
        object_type="immersion",
        object_id=immersion.id,
        platform_id=pathway.platform_id if pathway else None,
        changes={"outcome": (None, immersion.outcome.value)},
    )
    return immersion


def record_training_result(
    session: Session,
    training: Training,
    *,
    result: TrainingResult | str,
    actor: User | None,
    ends_on: date | None = None,
    abandon_reason: str | None = None,
    blocks_obtained: str | None = None,
) -> Training:
    """Record how a training ended: certified, partially (which blocks), not certified, or abandoned.

    A result other than « en cours » is dated (``ends_on``: the day it was
    known, the day of the dropout). An abandoned training does not end the
    pathway: the person may look for a job, start another training or exit.
    A result may be corrected; each change is in the audit trail.
    """
    messages = []
    try:
        result = TrainingResult(result)
    except ValueError:
        messages.append(
            "Choisissez le résultat de la formation." if not result else "Résultat de formation inconnu."
        )
        result = None
    abandon_reason = (abandon_reason or "").strip() or None
    blocks_obtained = (blocks_obtained or "").strip() or None
    messages += training_result_refusals(
        result,
        starts_on=training.starts_on,
        ends_on=ends_on,
        abandon_reason=abandon_reason,
        blocks_obtained=blocks_obtained,
    )
    if messages:
        raise InvalidInput(messages)
    assert result is not None
    before = training.result
    training.result = result
    training.abandon_reason = abandon_reason if result is TrainingResult.ABANDONED else None
    training.blocks_obtained = blocks_obtained if result is TrainingResult.PARTIAL else None
    if ends_on is not None:
        training.ends_on = ends_on
    session.flush()
    pathway = session.get(Pathway, training.pathway_id)
    audit.record(
        session,
        actor,
        "training.result",
        object_type="training",
        object_id=training.id,
        platform_id=pathway.platform_id if pathway else None,
        changes={"result": (before.value if before else None, training.result.value)},
    )
    return training


def training_result_refusals(
    result: TrainingResult | None,
    *,
    starts_on: date,
    ends_on: date | None,
    abandon_reason: str | None,
    blocks_obtained: str | None,
    today: date | None = None,
) -> list[str]:
    """Why a training that started on ``starts_on`` cannot take ``result`` (a final one is dated)."""
    messages = []
    if result is not None and result.is_final and ends_on is None:
        messages.append(
            "Indiquez la date de l'abandon."
            if result is TrainingResult.ABANDONED
            else "Indiquez la date de fin de la formation."
        )
    if ends_on is not None:
        if ends_on < starts_on:
            messages.append("La date de fin de la formation précède sa date de début.")
        if result is not None and result.is_final and ends_on > (today or clock.today()):
            messages.append("Un résultat se constate : sa date ne peut pas être dans le futur.")
    if result is TrainingResult.ABANDONED and abandon_reason is None:
        messages.append("Indiquez le motif de l'abandon.")
    if result is TrainingResult.PARTIAL and blocks_obtained is None:
        messages.append("Indiquez les blocs de compétences obtenus (par exemple : CCP1, CCP2).")
    return messages


# --- reference lists of a platform -----------------------------------------------------------


def save_reference(
    session: Session,
    kind: str,
    platform_id: int,
    *,
    actor: User | None,
    name: str,
    existing: Employer | TrainingOrganisation | Prescriber | None = None,
    **fields: object,
) -> Employer | TrainingOrganisation | Prescriber:
    """Create or update an employer, a training organisation or a prescriber of a platform.

    ``kind`` is ``employer``, ``organisation`` or ``prescriber``. Names are
    unique within a platform. Entries are never deleted: pathways refer to them.
    """
    model = REFERENCE_MODELS[kind]
    name = name.strip()
    messages = []
    if not name:
        messages.append("Le nom est obligatoire.")
    clash = session.scalar(
        sa.select(model.id).where(
            model.platform_id == platform_id,
            sa.func.lower(model.name) == name.lower(),
            model.id != (existing.id if existing else -1),
        )
    )
    if clash is not None:
        messages.append(f"« {name} » existe déjà dans cette liste.")
    if kind == "employer":
        siret = str(fields.get("siret") or "").replace(" ", "")
        if siret and (len(siret) != 14 or not siret.isdigit()):
            messages.append("Le SIRET compte 14 chiffres.")
        fields["siret"] = siret or None
        try:
            fields["employer_type"] = EmployerType(fields.get("employer_type"))
        except ValueError:
            messages.append("Indiquez le type d'employeur.")
    if kind == "prescriber":
        try:
            fields["prescriber_type"] = PrescriberType(fields.get("prescriber_type"))
        except ValueError:
            messages.append("Indiquez le type de prescripteur.")
    if messages:
        raise InvalidInput(messages)
    for key in ("city",):
        if key in fields:
            fields[key] = str(fields[key] or "").strip() or None
    entry = existing or model(platform_id=platform_id)
    entry.name = name
    for key, value in fields.items():
        setattr(entry, key, value)
    if existing is None:
        session.add(entry)
    session.flush()
    audit.record(
        session,
        actor,
        f"{kind}.{'update' if existing else 'create'}",
        object_type=kind,
        object_id=entry.id,
        platform_id=platform_id,
    )
    return entry


REFERENCE_MODELS: dict[str, type[Employer] | type[TrainingOrganisation] | type[Prescriber]] = {
    "employer": Employer,
    "organisation": TrainingOrganisation,
    "prescriber": Prescriber,
}
