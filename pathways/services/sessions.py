"""Information sessions and orientation weeks, with attendance."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy.orm import Session

from pathways import audit, clock
from pathways.models import (
    InfoSession,
    InfoSessionAttendance,
    OrientationAttendance,
    OrientationParticipant,
    OrientationWeek,
    Platform,
    User,
)
from pathways.models.orientation import ORIENTATION_WEEK_DAYS
from pathways.services.pathway import InvalidInput, confirm_orientation_entry
from pathways.vocabulary import ATTENDANCE_MARKS, AttendanceStatus


def _check_session_fields(place: str, seats: int) -> list[str]:
    messages = []
    if not place.strip():
        messages.append("Le lieu est obligatoire.")
    if seats < 1:
        messages.append("Le nombre de places doit être d'au moins 1.")
    return messages


def create_info_session(
    session: Session,
    platform: Platform,
    *,
    held_on: date,
    starts_at: time | None,
    ends_at: time | None,
    place: str,
    seats: int,
    actor: User | None,
    territory_id: int | None = None,
    delegate: User | None = None,
    access: str | None = None,
    contact_phone: str | None = None,
) -> InfoSession:
    """An information session, on a day from one time to another (local times, as on a convocation)."""
    messages = _check_session_fields(place, seats)
    if starts_at is None:
        messages.append("Indiquez l'heure de début.")
    if ends_at is None:
        messages.append("Indiquez l'heure de fin.")
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        messages.append("L'heure de fin doit suivre l'heure de début.")
    if messages:
        raise InvalidInput(messages)
    info_session = InfoSession(
        platform_id=platform.id,
        territory_id=territory_id,
        delegate_id=(delegate or actor).id if (delegate or actor) else None,
        held_on=held_on,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip(),
        access=(access or "").strip() or None,
        contact_phone=(contact_phone or "").strip() or None,
        seats=seats,
    )
    session.add(info_session)
    session.flush()
    audit.record(
        session,
        actor,
        "info_session.create",
        object_type="info_session",
        object_id=info_session.id,
        platform_id=platform.id,
    )
    return info_session


def mark_info_session_attendance(
    session: Session, attendance: InfoSessionAttendance, status: AttendanceStatus | str, actor: User | None
) -> None:
    """Note that the person came, was excused or was absent.

    Present or absent is noted on the day of the session or after; excused
    may be noted before (the person phoned to say so).
    """
    try:
        status = AttendanceStatus(status)
    except ValueError:
        raise InvalidInput(["Choisissez présent·e, excusé·e ou absent·e."]) from None
    if status not in ATTENDANCE_MARKS:
        raise InvalidInput(["Choisissez présent·e, excusé·e ou absent·e."])
    held_on = attendance.session.held_on
    if status is not AttendanceStatus.EXCUSED and held_on > clock.today():
        raise InvalidInput(
            [f"La présence se note le jour de l'information collective ({held_on:%d/%m/%Y}) ou après."]
        )
    before = attendance.status
    if before is status:
        return
    attendance.status = status
    session.flush()
    audit.record(
        session,
        actor,
        "info_session.presence",
        object_type="info_session_attendance",
        object_id=attendance.id,
        platform_id=attendance.session.platform_id,
        changes={"attendance": (before.value, status.value)},
    )


def create_orientation_week(
    session: Session,
    platform: Platform,
    *,
    starts_on: date,
    place: str,
    seats: int,
    actor: User | None,
    territory_id: int | None = None,
    delegate: User | None = None,
    starts_at: time | None = None,
    ends_at: time | None = None,
    access: str | None = None,
    contact_phone: str | None = None,
) -> OrientationWeek:
    """An orientation week from ``starts_on`` (a working day); each day's hours are optional."""
    messages = _check_session_fields(place, seats)
    if starts_on.weekday() >= 5:
        messages.append("Une semaine du pôle orientation commence un jour ouvré.")
    if (starts_at is None) != (ends_at is None):
        messages.append("Indiquez l'heure de début et l'heure de fin, ou aucune des deux.")
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        messages.append("L'heure de fin doit suivre l'heure de début.")
    if messages:
        raise InvalidInput(messages)
    week = OrientationWeek(
        platform_id=platform.id,
        territory_id=territory_id,
        delegate_id=(delegate or actor).id if (delegate or actor) else None,
        starts_on=starts_on,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip(),
        access=(access or "").strip() or None,
        contact_phone=(contact_phone or "").strip() or None,
        seats=seats,
    )
    session.add(week)
    session.flush()
    audit.record(
        session,
        actor,
        "orientation_week.create",
        object_type="orientation_week",
        object_id=week.id,
        platform_id=platform.id,
    )
    return week


def mark_orientation_presence(
    session: Session, participant: OrientationParticipant, day: int, present: bool, actor: User | None
) -> OrientationAttendance:
    if not 1 <= day <= ORIENTATION_WEEK_DAYS:
        raise InvalidInput([f"Le jour doit être compris entre 1 et {ORIENTATION_WEEK_DAYS}."])
    day_date = participant.week.starts_on + timedelta(days=day - 1)
    if day_date > clock.today():
        raise InvalidInput([f"La présence du jour {day} se note le {day_date:%d/%m/%Y} ou après."])
    attendance = next((a for a in participant.days if a.day == day), None)
    before = attendance.present if attendance else None
    if attendance is None:
        attendance = OrientationAttendance(participant=participant, day=day, present=present)
        session.add(attendance)
    attendance.present = present
    session.flush()
    audit.record(
        session,
        actor,
        "orientation_week.presence",
        object_type="orientation_participant",
        object_id=participant.id,
        platform_id=participant.week.platform_id,
        changes={f"day_{day}": (before, present)},
    )
    if present:
        # Present on a day of the week: the entry planned for this week happened.
        confirm_orientation_entry(session, participant, actor)
    return attendance
