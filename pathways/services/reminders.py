"""Reminders: two working days before a session or a week, and the morning a week begins.

Asked for by a periodic job every hour (``pathways.jobs.messages``); each
reminder has a key of its own (``reminder:s12:email``…), so however often
the job runs — several consumers, a restart — a person gets it once.

Rules decided here, as a délégué would want them:

- only convoked people are reminded, and not those who said they would not
  come, nor those whose attendance is already noted;
- « two working days before » counts Monday to Friday without the public
  holidays (``pathways.workdays``): a Monday session is reminded on the
  Thursday before; the reminder leaves from 8 a.m. (Paris time) that day,
  or at the next run if the consumer was stopped, up to the eve of the
  session — never at night, never on the day;
- a person convoked less than a day before the reminder is due is not
  reminded (the convocation itself is fresh);
- the morning of a week's first day, from 7 a.m. until the week's start
  time (10 a.m. when it has none): later, a « this morning » text is
  useless and is not sent;
- each reminder goes on every channel the person accepts (e-mail, and SMS
  when they said yes and a provider is configured).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways import clock
from pathways.models import (
    InfoSession,
    InfoSessionAttendance,
    OrientationAttendance,
    OrientationParticipant,
    OrientationWeek,
    Pathway,
    Person,
)
from pathways.services.messaging import channel_open, queue_message
from pathways.vocabulary import AttendanceStatus, InvitationAnswer, MessageChannel, MessageKind
from pathways.workdays import working_days_before

REMINDER_WORKING_DAYS = 2
REMINDER_FROM = time(8, 0)
FIRST_DAY_FROM = time(7, 0)
FIRST_DAY_UNTIL = time(10, 0)
FRESH_CONVOCATION = timedelta(hours=24)
# How far ahead to look: two working days can span a long weekend.
LOOKAHEAD = timedelta(days=7)


def _open_channels() -> list[MessageChannel]:
    return [channel for channel in MessageChannel if channel_open(channel)]


def _remind(
    session: Session,
    person: Person,
    kind: MessageKind,
    key: str,
    platform_id: int,
    channels: list[MessageChannel],
    *,
    attendance_id: int | None = None,
    participant_id: int | None = None,
) -> int:
    sent = 0
    for channel in channels:
        message = queue_message(
            session,
            kind=kind,
            channel=channel,
            person=person,
            platform_id=platform_id,
            attendance_id=attendance_id,
            participant_id=participant_id,
            dedup_key=f"{key}:{channel.value}",
        )
        sent += message is not None
    return sent


def queue_reminders(session: Session, now: datetime | None = None) -> int:
    """Ask for every reminder due at ``now`` and not asked for yet; returns how many."""
    now = now or clock.now()
    local = now.astimezone(clock.PLATFORM_TIMEZONE)
    today = local.date()
    channels = _open_channels()
    if not channels:
        return 0
    fresh_since = now - FRESH_CONVOCATION
    count = 0
    if local.time() >= REMINDER_FROM:
        for attendance, person, info_session in session.execute(
            sa.select(InfoSessionAttendance, Person, InfoSession)
            .join(InfoSession, InfoSession.id == InfoSessionAttendance.session_id)
            .join(Person, Person.id == InfoSessionAttendance.person_id)
            .where(
                InfoSession.held_on > today,
                InfoSession.held_on <= today + LOOKAHEAD,
                InfoSessionAttendance.status.in_([AttendanceStatus.CONVOKED, AttendanceStatus.CONFIRMED]),
                InfoSessionAttendance.convoked_at <= fresh_since,
            )
        ).all():
            if working_days_before(info_session.held_on, REMINDER_WORKING_DAYS) > today:
                continue
            count += _remind(
                session,
                person,
                MessageKind.REMINDER,
                f"reminder:s{attendance.id}",
                info_session.platform_id,
                channels,
                attendance_id=attendance.id,
            )
        for participant, person, week in _week_participants(
            session, today + timedelta(days=1), today + LOOKAHEAD
        ):
            if participant.convoked_at > fresh_since:
                continue
            if working_days_before(week.starts_on, REMINDER_WORKING_DAYS) > today:
                continue
            count += _remind(
                session,
                person,
                MessageKind.REMINDER,
                f"reminder:w{participant.id}",
                week.platform_id,
                channels,
                participant_id=participant.id,
            )
    if local.time() >= FIRST_DAY_FROM:
        for participant, person, week in _week_participants(session, today, today):
            if local.time() > (week.starts_at or FIRST_DAY_UNTIL):
                continue
            count += _remind(
                session,
                person,
                MessageKind.FIRST_DAY,
                f"first_day:w{participant.id}",
                week.platform_id,
                channels,
                participant_id=participant.id,
            )
    return count


def _week_participants(
    session: Session, first: object, last: object
) -> list[tuple[OrientationParticipant, Person, OrientationWeek]]:
    """Convoked participants of the weeks starting in [first, last], not excused, no day noted yet."""
    noted = sa.exists().where(OrientationAttendance.participant_id == OrientationParticipant.id)
    return [
        (participant, person, week)
        for participant, person, week in session.execute(
            sa.select(OrientationParticipant, Person, OrientationWeek)
            .join(OrientationWeek, OrientationWeek.id == OrientationParticipant.week_id)
            .join(Pathway, Pathway.id == OrientationParticipant.pathway_id)
            .join(Person, Person.id == Pathway.person_id)
            .where(
                OrientationWeek.starts_on.between(first, last),
                OrientationParticipant.convoked_at.is_not(None),
                sa.or_(
                    OrientationParticipant.answer.is_(None),
                    OrientationParticipant.answer != InvitationAnswer.NOT_ATTENDING,
                ),
                ~noted,
            )
        ).all()
    ]
