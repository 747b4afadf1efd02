"""Persons: creation and correction, with duplicate detection."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways import audit, clock
from pathways.models import Person, User
from pathways.services.pathway import InvalidInput
from pathways.text import fold


class PossibleDuplicate(InvalidInput):
    """The person seems known already; ``persons`` are the look-alikes, for the user to choose."""

    def __init__(self, messages: list[str], persons: list[Person]) -> None:
        super().__init__(messages)
        self.persons = persons


# Fields an audit entry may show before/after (never contact details in clear).
AUDITED_FIELDS = ("sex", "diploma_level", "postal_code")


def normalise_name(name: str) -> str:
    """Compare names without case, accents, hyphens or extra spaces (the search's folding)."""
    return fold(name)


def find_duplicates(
    session: Session,
    platform_id: int,
    *,
    last_name: str,
    first_name: str,
    birth_date: date | None,
    france_travail_id: str | None = None,
) -> list[Person]:
    """Persons of the platform with the same name and birth date, or the same France Travail id."""
    conditions = []
    if birth_date is not None:
        conditions.append(Person.birth_date == birth_date)
    ft_id = (france_travail_id or "").strip().upper()
    if ft_id:
        conditions.append(Person.france_travail_id == ft_id)
    if not conditions:
        return []
    candidates = session.scalars(
        sa.select(Person).where(Person.platform_id == platform_id, sa.or_(*conditions))
    ).all()
    return [
        person
        for person in candidates
        if same_person(
            person,
            last_name=last_name,
            first_name=first_name,
            birth_date=birth_date,
            france_travail_id=ft_id,
        )
    ]


class Identity(Protocol):
    last_name: str
    first_name: str
    birth_date: date
    france_travail_id: str | None


def same_person(
    known: Identity,
    *,
    last_name: str,
    first_name: str,
    birth_date: date | None,
    france_travail_id: str | None,
) -> bool:
    """Whether ``known`` is the person described: same France Travail id, or same name and birth date."""
    ft_id = (france_travail_id or "").strip().upper()
    if ft_id and known.france_travail_id == ft_id:
        return True
    return (
        birth_date is not None
        and known.birth_date == birth_date
        and normalise_name(known.last_name) == normalise_name(last_name)
        and normalise_name(known.first_name) == normalise_name(first_name)
    )


def create_person(
    session: Session,
    platform_id: int,
    *,
    last_name: str,
    first_name: str,
    birth_date: date,
    actor: User | None,
    allow_duplicate: bool = False,
    **fields: Any,
) -> Person:
    """Create a person; refused when one with the same identity exists, unless told otherwise."""
    messages = identity_refusals(last_name.strip(), first_name.strip(), birth_date)
    if fields.get("france_travail_id"):
        fields["france_travail_id"] = fields["france_travail_id"].strip().upper()
    if not messages and not allow_duplicate:
        duplicates = find_duplicates(
            session,
            platform_id,
            last_name=last_name,
            first_name=first_name,
            birth_date=birth_date,
            france_travail_id=fields.get("france_travail_id"),
        )
        if duplicates:
            raise PossibleDuplicate(
                [
                    f"Cette personne semble déjà connue : {duplicates[0].full_name}, "
                    f"née le {duplicates[0].birth_date:%d/%m/%Y}. Vérifiez avant de la créer, "
                    "ou confirmez qu'il s'agit d'une autre personne."
                ],
                duplicates,
            )
    if messages:
        raise InvalidInput(messages)
    person = Person(
        platform_id=platform_id,
        last_name=last_name.strip(),
        first_name=first_name.strip(),
        birth_date=birth_date,
        **fields,
    )
    session.add(person)
    session.flush()  # the audit entry names the person
    audit.record(
        session,
        actor,
        "person.create",
        object_type="person",
        object_id=person.id,
        platform_id=platform_id,
        changes={f: (None, getattr(person, f)) for f in AUDITED_FIELDS if getattr(person, f)},
    )
    return person


# Consent to messages (``services.messaging.may_message`` reads them).
CONTACT_PREFERENCES = frozenset({"email_allowed", "sms_allowed"})

# What a person's file may correct: identity, contact, contact preferences and situation.
EDITABLE_FIELDS = (
    "last_name",
    "first_name",
    "birth_date",
    "sex",
    "france_travail_id",
    "email",
    "phone",
    "email_allowed",
    "sms_allowed",
    "postal_code",
    "city",
    "diploma_level",
    "is_job_seeker",
    "is_rsa_beneficiary",
    "is_reconversion",
    "is_rqth",
    "is_bpi",
    "is_qpv_resident",
    "is_zrr_resident",
)


def update_person(
    session: Session,
    person: Person,
    *,
    actor: User | None,
    allow_duplicate: bool = False,
    **changes: Any,
) -> dict[str, tuple[Any, Any]]:
    """Correct a person's identity, contact or situation; returns what changed (before, after).

    The duplicate check runs again when the name, the birth date or the
    France Travail id changes (the person themself excluded). Every change
    is in the audit trail with its before and after: a correction must be
    traceable (the trail is purged after 12 months, and anonymisation of
    the person removes it, see the retention rules).
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    last_name = str(changes.get("last_name", person.last_name) or "").strip()
    first_name = str(changes.get("first_name", person.first_name) or "").strip()
    birth_date = changes.get("birth_date", person.birth_date)
    messages = identity_refusals(last_name, first_name, birth_date)
    if changes.get("france_travail_id"):
        changes["france_travail_id"] = str(changes["france_travail_id"]).strip().upper()
    changes["last_name"], changes["first_name"] = last_name, first_name
    changed = {
        name: (getattr(person, name), value)
        for name, value in changes.items()
        if getattr(person, name) != value
    }
    identity = {"last_name", "first_name", "birth_date", "france_travail_id"}
    if not messages and not allow_duplicate and identity & changed.keys():
        duplicates = [
            other
            for other in find_duplicates(
                session,
                person.platform_id,
                last_name=last_name,
                first_name=first_name,
                birth_date=birth_date,
                france_travail_id=changes.get("france_travail_id", person.france_travail_id),
            )
            if other.id != person.id
        ]
        if duplicates:
            raise PossibleDuplicate(
                [
                    f"Une autre personne porte déjà cette identité : {duplicates[0].full_name}, "
                    f"née le {duplicates[0].birth_date:%d/%m/%Y}. Vérifiez, ou confirmez qu'il "
                    "s'agit bien d'une autre personne."
                ],
                duplicates,
            )
    if messages:
        raise InvalidInput(messages)
    if not changed:
        return {}
    for name, (_before, after) in changed.items():
        setattr(person, name, after)
    if CONTACT_PREFERENCES & changed.keys():
        # The person's choice is dated: « nothing is sent to a person who said no » since then.
        person.contact_preferences_on = clock.today()
    session.flush()
    audit.record(
        session,
        actor,
        "person.update",
        object_type="person",
        object_id=person.id,
        platform_id=person.platform_id,
        changes=changed,
    )
    return changed


def identity_refusals(last_name: str, first_name: str, birth_date: date | None) -> list[str]:
    """What is missing or wrong in a person's identity (names already stripped)."""
    messages = []
    if not last_name:
        messages.append("Le nom est obligatoire.")
    if not first_name:
        messages.append("Le prénom est obligatoire.")
    if birth_date is None:
        messages.append("Indiquez la date de naissance.")
    elif birth_date > clock.today():
        messages.append("La date de naissance ne peut pas être dans le futur.")
    elif birth_date.year < 1900:
        messages.append("La date de naissance semble erronée.")
    return messages
