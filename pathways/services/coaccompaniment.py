"""Co-accompaniment: partner referents, tripartite exchanges, notes."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from pathways import audit, clock
from pathways.models import Exchange, Note, Pathway, Referent, User
from pathways.services.pathway import InvalidInput
from pathways.services.summary import refresh as refresh_summary
from pathways.vocabulary import ExchangeMode, ReferentOrganisation


def add_referent(
    session: Session,
    pathway: Pathway,
    *,
    organisation_type: ReferentOrganisation | str,
    name: str,
    actor: User | None,
    organisation_name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> Referent:
    messages = []
    try:
        organisation_type = ReferentOrganisation(organisation_type)
    except ValueError:
        messages.append(
            "Choisissez le type d'organisation." if not organisation_type else "Type d'organisation inconnu."
        )
    if not name.strip():
        messages.append("Le nom du référent est obligatoire.")
    if messages:
        raise InvalidInput(messages)
    referent = Referent(
        pathway_id=pathway.id,
        organisation_type=ReferentOrganisation(organisation_type),
        organisation_name=(organisation_name or "").strip() or None,
        name=name.strip(),
        email=(email or "").strip() or None,
        phone=(phone or "").strip() or None,
    )
    session.add(referent)
    session.flush()
    audit.record(
        session,
        actor,
        "referent.create",
        object_type="referent",
        object_id=referent.id,
        platform_id=pathway.platform_id,
    )
    return referent


def record_exchange(
    session: Session,
    pathway: Pathway,
    *,
    occurred_on: date,
    mode: ExchangeMode | str,
    participants: str,
    summary: str,
    actor: User | None,
    referent: Referent | None = None,
    next_step: str | None = None,
    next_step_on: date | None = None,
) -> Exchange:
    """A tripartite exchange; its next step, when dated, is a task of the conseiller's agenda."""
    messages = []
    try:
        mode = ExchangeMode(mode)
    except ValueError:
        messages.append("Choisissez le mode d'échange." if not mode else "Mode d'échange inconnu.")
    if occurred_on > clock.today():
        messages.append("La date de l'échange ne peut pas être dans le futur.")
    if not participants.strip():
        messages.append("Indiquez les participants.")
    if not summary.strip():
        messages.append("Le compte rendu de l'échange est obligatoire.")
    if referent is not None and referent.pathway_id != pathway.id:
        messages.append("Ce référent n'est pas celui de ce parcours.")
    if next_step_on is not None and not (next_step or "").strip():
        messages.append("Décrivez la prochaine étape que vous datez.")
    if next_step_on is not None and next_step_on < occurred_on:
        messages.append("La prochaine étape ne peut pas précéder l'échange.")
    if messages:
        raise InvalidInput(messages)
    exchange = Exchange(
        pathway_id=pathway.id,
        referent_id=referent.id if referent else None,
        occurred_on=occurred_on,
        mode=ExchangeMode(mode),
        participants=participants.strip(),
        summary=summary.strip(),
        next_step=(next_step or "").strip() or None,
        next_step_on=next_step_on,
        recorded_by_id=actor.id if actor else None,
    )
    session.add(exchange)
    session.flush()
    refresh_summary(session, pathway.id)  # the last contact
    audit.record(
        session,
        actor,
        "exchange.create",
        object_type="exchange",
        object_id=exchange.id,
        platform_id=pathway.platform_id,
    )
    return exchange


def add_note(
    session: Session, pathway: Pathway, *, body: str, actor: User | None, written_on: date | None = None
) -> Note:
    if not body.strip():
        raise InvalidInput(["La note est vide."])
    note = Note(
        pathway_id=pathway.id,
        author_id=actor.id if actor else None,
        written_on=written_on or clock.today(),
        body=body.strip(),
    )
    session.add(note)
    session.flush()
    refresh_summary(session, pathway.id)  # the last contact
    audit.record(
        session, actor, "note.create", object_type="note", object_id=note.id, platform_id=pathway.platform_id
    )
    return note
