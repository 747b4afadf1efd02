"""Version 2 around the moves: a week's planned entries, the absent person, corrections, alerts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from pathways.models import AuditEntry, InfoSessionAttendance, OrientationParticipant, PlannedStep
from pathways.security.access import pathway_scope
from pathways.services import pathway as pathway_service
from pathways.services import sessions as session_service
from pathways.services.caseload import Alert, caseload
from pathways.services.enrolment import join_orientation_week
from pathways.services.person import PossibleDuplicate, update_person
from pathways.states import ContractInput, MoveRefused, MoveRequest, State, Trigger
from pathways.vocabulary import (
    AbsenceOverride,
    AttendanceStatus,
    ContractEndReason,
    ContractType,
    EmployerType,
)
from tests.factories import make_pathway, make_person, make_world, week_on


def test_joining_a_week_to_come_plans_the_entry_and_presence_confirms_it(session, monkeypatch, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.INFO_SESSION, start=today - timedelta(days=10))
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    week = week_on(session, world, monday)
    planned = join_orientation_week(session, week, pathway, availability_confirmed=True, actor=world.delegate)
    assert isinstance(planned, PlannedStep)
    assert pathway.state is State.INFO_SESSION
    participant = session.scalars(
        sa.select(OrientationParticipant).where(OrientationParticipant.pathway_id == pathway.id)
    ).one()
    session.commit()
    with pytest.raises(MoveRefused, match="se note le"):
        session_service.mark_orientation_presence(session, participant, 1, True, world.delegate)
    session.rollback()
    monkeypatch.setattr("pathways.clock.today", lambda: monday + timedelta(days=1))
    session_service.mark_orientation_presence(session, participant, 2, True, world.delegate)
    assert pathway.state is State.ORIENTATION
    assert pathway.last_event_on == monday  # dated by the week's first day
    assert planned.status.value == "confirmed"


def test_a_person_absent_at_the_information_session_needs_an_explicit_choice(session, today) -> None:
    world = make_world(session)
    start = world.info_session.held_on - timedelta(days=5)
    pathway = make_pathway(session, world, State.INFO_SESSION, start=start)
    attendance = session.scalars(
        sa.select(InfoSessionAttendance).where(InfoSessionAttendance.person_id == pathway.person_id)
    ).one()
    session_service.mark_info_session_attendance(session, attendance, AttendanceStatus.ABSENT, world.delegate)
    week = week_on(session, world, world.info_session.held_on + timedelta(days=7))
    session.commit()
    with pytest.raises(MoveRefused, match="notée absente"):
        join_orientation_week(session, week, pathway, availability_confirmed=True, actor=world.delegate)
    session.rollback()
    event = join_orientation_week(
        session,
        week,
        pathway,
        availability_confirmed=True,
        absence_override=AbsenceOverride.PRESENT_AFTER_ALL,
        actor=world.delegate,
    )
    assert event.details["absence_override"] == "present_after_all"
    session.refresh(attendance)
    assert attendance.status is AttendanceStatus.PRESENT  # corrected, and the correction is audited
    assert (
        session.scalar(
            sa.select(sa.func.count()).where(
                AuditEntry.action == "info_session.presence", AuditEntry.object_id == attendance.id
            )
        )
        == 2
    )


def test_presence_is_noted_on_or_after_the_day(session, today) -> None:
    world = make_world(session, on=today + timedelta(days=3))
    pathway = make_pathway(session, world, State.REFERRED, start=today - timedelta(days=2))
    pathway_service.move(
        session,
        pathway,
        MoveRequest(Trigger.REGISTER_INFO_SESSION, today, info_session_id=world.info_session.id),
        world.delegate,
    )
    attendance = session.scalars(sa.select(InfoSessionAttendance)).one()
    session.commit()
    with pytest.raises(MoveRefused, match="se note le jour de l'information collective"):
        session_service.mark_info_session_attendance(
            session, attendance, AttendanceStatus.PRESENT, world.delegate
        )


def test_correcting_a_person_is_audited_with_before_and_after(session, today) -> None:
    world = make_world(session)
    person = make_person(session, world, last_name="Traore", first_name="Laura")
    changed = update_person(
        session,
        person,
        actor=world.adviser,
        last_name="Traoré",
        is_rsa_beneficiary=True,
        email="l.t@exemple.fr",
    )
    assert set(changed) == {"last_name", "is_rsa_beneficiary", "email"}
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "person.update")).one()
    assert entry.changes["last_name"] == ["Traore", "Traoré"]
    assert entry.changes["is_rsa_beneficiary"] == [False, True]
    assert update_person(session, person, actor=world.adviser, last_name="Traoré") == {}


def test_correcting_into_someone_else_s_identity_is_caught(session, today) -> None:
    world = make_world(session)
    existing = make_person(session, world, last_name="Diallo", first_name="Awa")
    other = make_person(session, world, last_name="Diallo", first_name="Aminata")
    session.commit()
    with pytest.raises(PossibleDuplicate) as refused:
        update_person(session, other, actor=world.adviser, first_name="Awa", birth_date=existing.birth_date)
    assert refused.value.persons == [existing]
    session.rollback()
    update_person(
        session,
        other,
        actor=world.adviser,
        first_name="Awa",
        birth_date=existing.birth_date,
        allow_duplicate=True,
    )


def test_alerts_of_version_2(session, monkeypatch, today) -> None:
    world = make_world(session)
    planned_pathway = make_pathway(session, world, State.EMPLOYMENT, start=today - timedelta(days=90))
    pathway_service.record_step(
        session,
        planned_pathway,
        MoveRequest(
            Trigger.SIGN_CONTRACT,
            contract=ContractInput(
                world.employer.id, EmployerType.SAAD, "K1311", ContractType.CDI, today + timedelta(days=2)
            ),
        ),
        world.adviser,
    )
    ended = make_pathway(session, world, State.FOLLOW_UP, start=today - timedelta(days=120))
    pathway_service.move(
        session,
        ended,
        MoveRequest(
            Trigger.END_CONTRACT, today - timedelta(days=100), contract_end_reason=ContractEndReason.DISMISSAL
        ),
        world.adviser,
    )
    session.commit()

    def alerts_of(pathway) -> set[Alert]:
        rows = caseload(session, pathway_scope(world.manager)).rows
        return set(next(r for r in rows if r.pathway_id == pathway.id).alerts)

    # The 3- and 6-month checkpoints of the ended contract are cancelled: never overdue.
    assert Alert.CHECKPOINT_OVERDUE not in alerts_of(ended)
    assert Alert.PLANNED_UNCONFIRMED not in alerts_of(planned_pathway)
    row = next(
        r for r in caseload(session, pathway_scope(world.manager)).rows if r.pathway_id == planned_pathway.id
    )
    assert row.coming == (Trigger.SIGN_CONTRACT, today + timedelta(days=2))
    monkeypatch.setattr("pathways.clock.today", lambda: today + timedelta(days=10))
    assert Alert.PLANNED_UNCONFIRMED in alerts_of(planned_pathway)
