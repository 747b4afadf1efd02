"""Replacements: a manager lets one conseiller follow another's caseload for a while.

Rules decided here, as a manager would expect: both are active conseillers
of the manager's platform, and not the same person; the replacement starts
today or later and ends on or after its start, within six months (longer is
a reassignment, which keeps the history of who followed whom). During it,
the replacing conseiller sees and works on the replaced one's pathways
(``pathways.security.access``), health details excepted.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways import audit, clock
from pathways.models import AdviserReplacement, User
from pathways.services.pathway import InvalidInput
from pathways.states import add_months
from pathways.vocabulary import Role

MAX_MONTHS = 6


def grant_replacement(
    session: Session,
    *,
    replaced: User,
    replacing: User,
    starts_on: date,
    ends_on: date,
    actor: User,
) -> AdviserReplacement:
    messages = []
    for user in (replaced, replacing):
        if user.role is not Role.ADVISER or not user.is_active or user.platform_id != actor.platform_id:
            messages.append(f"{user.display_name} n'est pas un·e conseiller·ère actif·ve de la plateforme.")
    if replaced.id == replacing.id:
        messages.append("Un·e conseiller·ère ne se remplace pas lui-même ou elle-même.")
    if starts_on < clock.today():
        messages.append("Le remplacement commence aujourd'hui au plus tôt.")
    if ends_on < starts_on:
        messages.append("La fin du remplacement précède son début.")
    elif ends_on > add_months(starts_on, MAX_MONTHS):
        messages.append(
            f"Un remplacement dure au plus {MAX_MONTHS} mois ; au-delà, réaffectez le portefeuille."
        )
    if messages:
        raise InvalidInput(messages)
    replacement = AdviserReplacement(
        platform_id=actor.platform_id,
        replaced_id=replaced.id,
        replacing_id=replacing.id,
        starts_on=starts_on,
        ends_on=ends_on,
        granted_by_id=actor.id,
    )
    session.add(replacement)
    session.flush()  # the audit entry names the replacement
    audit.record(
        session,
        actor,
        "replacement.grant",
        object_type="adviser_replacement",
        object_id=replacement.id,
        platform_id=actor.platform_id,
        details={
            "replaced_id": replaced.id,
            "replacing_id": replacing.id,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
        },
    )
    return replacement


def current_and_coming(session: Session, platform_id: int) -> list[AdviserReplacement]:
    """The platform's replacements not yet over, soonest first."""
    return list(
        session.scalars(
            sa.select(AdviserReplacement)
            .where(AdviserReplacement.platform_id == platform_id, AdviserReplacement.ends_on >= clock.today())
            .order_by(AdviserReplacement.starts_on, AdviserReplacement.id)
        )
    )
