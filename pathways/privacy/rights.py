"""The person's rights exercised through the tool: information, opposition, erasure.

Access is ``pathways.privacy.record`` (the whole record, PDF and
spreadsheet); rectification is ``services.person.update_person`` (the
file's « Corriger l'identité et la situation »).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from pathways import audit, clock
from pathways.models import Person, User
from pathways.privacy.anonymise import Anonymised, OpenPathway, Reason, anonymise_person
from pathways.services import pathway as pathway_service
from pathways.services.enrolment import open_pathway_of
from pathways.services.pathway import InvalidInput
from pathways.states import ExitReason, MoveRequest, Trigger


def _check_day(day: date | None, what: str) -> list[str]:
    if day is None:
        return [f"Indiquez la date {what}."]
    if day > clock.today():
        return [f"La date {what} ne peut pas être dans le futur."]
    if not clock.plausible(day):
        return [clock.DATE_RANGE_MESSAGE]
    return []


def _not_anonymised(person: Person) -> None:
    if person.is_anonymised:
        raise InvalidInput(
            ["Les données de cette personne ont été anonymisées : il n'y a plus rien à enregistrer."]
        )


def record_information(session: Session, person: Person, *, on: date | None, actor: User | None) -> None:
    """The information notice was given to ``person`` on ``on`` (by ``actor``)."""
    _not_anonymised(person)
    messages = _check_day(on, "de remise de la notice")
    if messages:
        raise InvalidInput(messages)
    before = person.informed_on
    person.informed_on = on
    person.informed_by_id = actor.id if actor else None
    audit.record(
        session,
        actor,
        "person.informed",
        object_type="person",
        object_id=person.id,
        platform_id=person.platform_id,
        changes={"informed_on": (before.isoformat() if before else None, on.isoformat() if on else None)},
    )


def record_opposition(session: Session, person: Person, *, on: date | None, actor: User | None) -> None:
    """``person`` opposed being messaged (e-mail, SMS) on ``on``: no message is sent to them since."""
    _not_anonymised(person)
    messages = _check_day(on, "de l'opposition")
    if person.opposed_on is not None:
        messages.append(
            f"L'opposition de cette personne est déjà enregistrée (le {person.opposed_on:%d/%m/%Y})."
        )
    if messages:
        raise InvalidInput(messages)
    person.opposed_on = on
    person.opposed_by_id = actor.id if actor else None
    audit.record(
        session,
        actor,
        "person.opposition",
        object_type="person",
        object_id=person.id,
        platform_id=person.platform_id,
        details={"on": on.isoformat() if on else None},
    )


def withdraw_opposition(session: Session, person: Person, *, actor: User | None) -> None:
    """The person withdrew their opposition: messages may be sent again."""
    _not_anonymised(person)
    if person.opposed_on is None:
        raise InvalidInput(["Cette personne ne s'est pas opposée aux messages."])
    opposed_on = person.opposed_on
    person.opposed_on = None
    person.opposed_by_id = None
    audit.record(
        session,
        actor,
        "person.opposition_withdrawn",
        object_type="person",
        object_id=person.id,
        platform_id=person.platform_id,
        details={"opposed_on": opposed_on.isoformat()},
    )


def opposes_messages(person: Person) -> bool:
    """Whether ``person`` must not be messaged: they opposed it, or their data was anonymised.

    ``services.messaging.may_message`` asks it first, for every message.
    """
    return person.opposed_on is not None or person.is_anonymised


def erase_person(
    session: Session,
    person: Person,
    *,
    actor: User,
    exit_reason: ExitReason | str | None = None,
    exit_comment: str | None = None,
) -> Anonymised:
    """Erase ``person``'s data at their request: the retention's anonymisation, now.

    Refused while a pathway is in progress, unless ``exit_reason`` is given:
    the pathway is then closed first (an exit with its reason, through the
    pathway engine), in the same transaction.
    """
    _not_anonymised(person)
    pathway = open_pathway_of(session, person)
    if pathway is not None:
        if not exit_reason:
            raise OpenPathway(
                [
                    "Cette personne a un parcours en cours : il doit être clos avant l'effacement. "
                    "Choisissez le motif de sortie ci-dessous pour le clore et effacer les données, "
                    "ou enregistrez la sortie depuis son dossier."
                ]
            )
        try:
            reason = ExitReason(exit_reason)
        except ValueError:
            raise InvalidInput(["Motif de sortie inconnu."]) from None
        pathway_service.move(
            session,
            pathway,
            MoveRequest(Trigger.EXIT, occurred_on=clock.today(), exit_reason=reason, comment=exit_comment),
            actor,
        )
    return anonymise_person(session, person, reason=Reason.REQUEST, actor=actor)
