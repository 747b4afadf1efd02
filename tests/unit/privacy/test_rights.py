"""The notice given, the opposition, the erasure on request; the caseload flags who was not informed."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from pathways.models import AuditEntry, Pathway, Person
from pathways.privacy import rights
from pathways.privacy.anonymise import OpenPathway
from pathways.security.access import pathway_scope
from pathways.services.caseload import Alert, CaseloadFilters, alert_counts, caseload
from pathways.services.pathway import InvalidInput
from pathways.states import MoveRefused, State
from tests.factories import make_pathway, make_world


@pytest.fixture
def world(session, today):
    world = make_world(session)
    session.commit()
    return world


def test_the_notice_given_is_recorded_and_the_caseload_flags_the_others(session, world, today) -> None:
    informed = make_pathway(session, world, State.TRAINING, start=date(2025, 1, 6))
    not_yet = make_pathway(session, world, State.TRAINING, start=date(2025, 1, 6))
    finished = make_pathway(session, world, State.EXITED, start=date(2025, 1, 6))
    rights.record_information(session, informed.person, on=date(2025, 1, 6), actor=world.delegate)
    session.commit()
    person = session.get(Person, informed.person_id)
    assert (person.informed_on, person.informed_by_id) == (date(2025, 1, 6), world.delegate.id)
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "person.informed"))
    assert entry.changes == {"informed_on": [None, "2025-01-06"]}
    page = caseload(session, pathway_scope(world.manager))
    flagged = {row.pathway_id for row in page.rows if Alert.NOT_INFORMED in row.alerts}
    assert flagged == {not_yet.id}  # a finished pathway raises no alert
    assert alert_counts(session, pathway_scope(world.manager))[Alert.NOT_INFORMED] == 1
    # Filtered on it, the list reads the joined person: the same pathway, counted once.
    only = caseload(session, pathway_scope(world.manager), CaseloadFilters(alert=Alert.NOT_INFORMED))
    assert (only.total, [row.pathway_id for row in only.rows]) == (1, [not_yet.id])
    assert finished.id not in flagged
    with pytest.raises(InvalidInput, match="futur"):
        rights.record_information(session, not_yet.person, on=date(2027, 1, 1), actor=world.delegate)


def test_an_opposition_is_recorded_and_stops_messages(session, world) -> None:
    pathway = make_pathway(session, world, State.TRAINING, start=date(2025, 1, 6))
    person = pathway.person
    assert not rights.opposes_messages(person)
    rights.record_opposition(session, person, on=date(2025, 3, 1), actor=world.adviser)
    session.commit()
    assert rights.opposes_messages(person)
    assert (person.opposed_on, person.opposed_by_id) == (date(2025, 3, 1), world.adviser.id)
    with pytest.raises(InvalidInput, match="déjà enregistrée"):
        rights.record_opposition(session, person, on=date(2025, 3, 2), actor=world.adviser)
    rights.withdraw_opposition(session, person, actor=world.adviser)
    session.commit()
    assert not rights.opposes_messages(person)
    actions = session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["person.opposition", "person.opposition_withdrawn"]


def test_erasure_is_refused_while_a_pathway_is_open_unless_it_is_closed_first(session, world, today) -> None:
    pathway = make_pathway(session, world, State.TRAINING, start=date(2025, 1, 6))
    session.commit()
    with pytest.raises(OpenPathway, match="parcours en cours"):
        rights.erase_person(session, pathway.person, actor=world.manager)
    session.rollback()
    assert session.get(Pathway, pathway.id).state is State.TRAINING
    # « Autre motif » needs its precision: refused, nothing done.
    with pytest.raises(MoveRefused, match="commentaire"):
        rights.erase_person(session, pathway.person, actor=world.manager, exit_reason="other")
    session.rollback()
    assert not session.get(Person, pathway.person_id).is_anonymised
    done = rights.erase_person(session, pathway.person, actor=world.manager, exit_reason="moved")
    session.commit()
    assert done.pathways == 1
    closed = session.get(Pathway, pathway.id)
    assert closed.state is State.EXITED
    assert closed.events[-1].details["reason"] == "moved"
    assert closed.events[-1].occurred_on == today
    assert session.get(Person, pathway.person_id).is_anonymised
    with pytest.raises(InvalidInput, match="anonymisées"):
        rights.record_information(session, closed.person, on=today, actor=world.manager)
    assert rights.opposes_messages(closed.person)  # nobody to message any more
