"""The agenda: a week of what is due, for a conseiller (her caseload) and a délégué (sessions, weeks).

A conseiller's week (Monday to Sunday) lists, for the pathways in progress
of her scope:

- the follow-up checkpoints due that week (a checkpoint cancelled by the
  end of its contract is never listed), done once recorded;
- the planned steps whose first day falls that week, done once confirmed;
- the PMSMP ending that week, done once assessed;
- the trainings starting that week (a planned entry, done once confirmed;
  a training already recorded is done);
- the next steps of tripartite exchanges dated that week, ticked done or
  undone by hand;
- on the current week only: what is late (a checkpoint, a planned step, an
  assessment or a next step due before this Monday and not done) and the
  people without contact for 30 days (the caseload's alert, as of today).

What « due » means is the caseload's alerts' own conditions
(``services.caseload``: ``checkpoint_to_record``, ``immersion_to_assess``,
``step_still_planned``, ``alert_conditions``), read over the week.

A délégué's week lists the information sessions and orientation weeks of
her territories in that week with their counts (convoked, confirmed,
excused, to call back), what is left to do for each (convocations to send,
attendance to note), and the people who asked to be called back.

The Monday digest (opt-in, « Mon compte ») gives the counts of the week and
links, and names nobody but its recipient (by first name).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways import audit, clock
from pathways.models import (
    Checkpoint,
    Exchange,
    Immersion,
    InfoSession,
    InfoSessionAttendance,
    OrientationAttendance,
    OrientationParticipant,
    OrientationWeek,
    Pathway,
    Person,
    PlannedStep,
    Training,
    User,
)
from pathways.models.orientation import ORIENTATION_WEEK_DAYS
from pathways.services.attendance import AttendanceCounts, info_session_counts, week_counts
from pathways.services.caseload import (
    Alert,
    alert_conditions,
    checkpoint_to_record,
    immersion_to_assess,
    step_still_planned,
)
from pathways.services.pathway import InvalidInput
from pathways.states import TERMINAL_STATES, Trigger
from pathways.vocabulary import AttendanceStatus, PlannedStepStatus

DAYS = 7


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


class ItemKind(StrEnum):
    CHECKPOINT = "checkpoint"
    PLANNED_STEP = "planned_step"
    IMMERSION_END = "immersion_end"
    TRAINING_START = "training_start"
    NEXT_STEP = "next_step"
    NO_CONTACT = "no_contact"
    CALL_BACK = "call_back"

    @property
    def label(self) -> str:
        return ITEM_LABELS[self]


ITEM_LABELS = {
    ItemKind.CHECKPOINT: "Points de suivi",
    ItemKind.PLANNED_STEP: "Étapes prévues à confirmer",
    ItemKind.IMMERSION_END: "PMSMP se terminant (bilan à faire)",
    ItemKind.TRAINING_START: "Formations débutant",
    ItemKind.NEXT_STEP: "Prochaines étapes des échanges",
    ItemKind.NO_CONTACT: "Personnes sans contact depuis 30 jours",
    ItemKind.CALL_BACK: "Personnes à rappeler",
}
STEP_WORDS = {
    Trigger.START_ORIENTATION: "Entrée au pôle orientation",
    Trigger.START_IMMERSION: "Début de PMSMP",
    Trigger.START_TRAINING: "Entrée en formation",
    Trigger.SIGN_CONTRACT: "Début du contrat",
}


@dataclass(frozen=True)
class AgendaItem:
    kind: ItemKind
    day: date | None
    done: bool
    pathway_id: int | None
    first_name: str
    last_name: str
    what: str
    # The exchange (next step) or the convocation (call back) a tick changes.
    record_id: int | None = None
    # For a call back: which list it is on (info session or week) and its id.
    where: str | None = None
    where_id: int | None = None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name.upper()}"


@dataclass
class Agenda:
    week_start: date
    today: date
    items: list[AgendaItem] = field(default_factory=list)

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=DAYS - 1)

    @property
    def current(self) -> bool:
        return self.week_start <= self.today <= self.week_end

    def overdue(self, item: AgendaItem) -> bool:
        return not item.done and item.day is not None and item.day < self.today

    def by_day(self) -> list[tuple[date, list[AgendaItem]]]:
        days = [self.week_start + timedelta(days=n) for n in range(DAYS)]
        return [(day, [i for i in self.items if i.day == day]) for day in days]

    @property
    def late(self) -> list[AgendaItem]:
        """Due before this week and not done (shown on the current week only)."""
        return [i for i in self.items if i.day is not None and i.day < self.week_start]

    @property
    def undated(self) -> list[AgendaItem]:
        return [i for i in self.items if i.day is None]

    def to_do(self) -> dict[ItemKind, int]:
        counts: dict[ItemKind, int] = {}
        for item in self.items:
            if not item.done:
                counts[item.kind] = counts.get(item.kind, 0) + 1
        return counts


def _window(
    agenda: Agenda, column: sa.ColumnElement[date], pending: sa.ColumnElement[bool]
) -> sa.ColumnElement[bool]:
    """Due this week; on the current week, also what is late and still to do."""
    this_week = column.between(agenda.week_start, agenda.week_end)
    if not agenda.current:
        return this_week
    return sa.or_(this_week, sa.and_(column < agenda.week_start, pending))


def adviser_agenda(
    session: Session, scope: sa.ColumnElement[bool], week_start: date, *, today: date | None = None
) -> Agenda:
    """What is due in the week of ``week_start`` on the pathways of ``scope`` (see the module's docstring)."""
    today = today or clock.today()
    agenda = Agenda(monday_of(week_start), today)
    items = agenda.items
    people = (Pathway.id, Person.first_name, Person.last_name)

    def rows(model: type, *columns: object, where: sa.ColumnElement[bool]) -> list[sa.Row]:
        return list(
            session.execute(
                sa.select(*columns, *people)
                .join(Pathway, Pathway.id == model.pathway_id)  # type: ignore[attr-defined]
                .join(Person, Person.id == Pathway.person_id)
                .where(scope, Pathway.state.not_in(TERMINAL_STATES), where)
            )
        )

    for due_on, month, recorded_on, pathway_id, first, last in rows(
        Checkpoint,
        Checkpoint.due_on,
        Checkpoint.month,
        Checkpoint.recorded_on,
        where=sa.and_(
            Checkpoint.cancelled_on.is_(None), _window(agenda, Checkpoint.due_on, checkpoint_to_record())
        ),
    ):
        items.append(
            AgendaItem(
                ItemKind.CHECKPOINT,
                due_on,
                recorded_on is not None,
                pathway_id,
                first,
                last,
                f"Point de suivi à {month} mois",
            )
        )
    for planned_on, trigger, status, pathway_id, first, last in rows(
        PlannedStep,
        PlannedStep.planned_on,
        PlannedStep.trigger,
        PlannedStep.status,
        where=sa.and_(
            PlannedStep.status != PlannedStepStatus.CANCELLED,
            _window(agenda, PlannedStep.planned_on, step_still_planned()),
        ),
    ):
        trigger = Trigger(trigger)
        kind = ItemKind.TRAINING_START if trigger is Trigger.START_TRAINING else ItemKind.PLANNED_STEP
        items.append(
            AgendaItem(
                kind,
                planned_on,
                status == PlannedStepStatus.CONFIRMED,
                pathway_id,
                first,
                last,
                f"{STEP_WORDS.get(trigger, trigger.label)} prévue à confirmer",
            )
        )
    for starts_on, pathway_id, first, last in rows(
        Training,
        Training.starts_on,
        where=Training.starts_on.between(agenda.week_start, agenda.week_end),
    ):
        items.append(
            AgendaItem(
                ItemKind.TRAINING_START, starts_on, True, pathway_id, first, last, "Début de formation"
            )
        )
    for ends_on, outcome, pathway_id, first, last in rows(
        Immersion,
        Immersion.ends_on,
        Immersion.outcome,
        where=_window(agenda, Immersion.ends_on, immersion_to_assess()),
    ):
        items.append(
            AgendaItem(
                ItemKind.IMMERSION_END,
                ends_on,
                outcome is not None,
                pathway_id,
                first,
                last,
                "Fin de PMSMP : bilan à faire",
            )
        )
    for exchange_id, due_on, next_step, done_on, pathway_id, first, last in rows(
        Exchange,
        Exchange.id,
        Exchange.next_step_on,
        Exchange.next_step,
        Exchange.next_step_done_on,
        where=sa.and_(
            Exchange.next_step_on.is_not(None),
            _window(agenda, Exchange.next_step_on, Exchange.next_step_done_on.is_(None)),
        ),
    ):
        items.append(
            AgendaItem(
                ItemKind.NEXT_STEP,
                due_on,
                done_on is not None,
                pathway_id,
                first,
                last,
                next_step or "Prochaine étape",
                record_id=exchange_id,
            )
        )
    if agenda.current:
        no_contact = alert_conditions(session, today)[Alert.NO_CONTACT]
        for pathway_id, first, last, contact in session.execute(
            sa.select(*people, Pathway.last_contact_on)
            .join(Person, Person.id == Pathway.person_id)
            .where(scope, no_contact)
        ):
            contact = contact if isinstance(contact, date) else date.fromisoformat(str(contact))
            items.append(
                AgendaItem(
                    ItemKind.NO_CONTACT,
                    None,
                    False,
                    pathway_id,
                    first,
                    last,
                    f"Dernier contact le {contact:%d/%m/%Y}",
                )
            )
    items.sort(key=lambda i: (i.day or date.max, i.done, i.kind.value, i.last_name.lower(), i.first_name))
    return agenda


# --- the délégué's week ---------------------------------------------------------------------


@dataclass(frozen=True)
class SessionOfWeek:
    """An information session or orientation week of the délégué's week, and what is left to do."""

    kind: str  # "info_session" or "week"
    id: int
    first_day: date
    place: str
    counts: AttendanceCounts
    to_convoke: int
    attendance_to_note: int


@dataclass
class DelegateAgenda(Agenda):
    sessions: list[SessionOfWeek] = field(default_factory=list)

    def to_do(self) -> dict[str, int]:  # type: ignore[override]
        counts: dict[str, int] = {
            "Informations collectives et semaines": len(self.sessions),
            "Convocations à envoyer": sum(s.to_convoke for s in self.sessions),
            "Présences à noter": sum(s.attendance_to_note for s in self.sessions),
        }
        counts[ItemKind.CALL_BACK.label] = sum(1 for i in self.items if not i.done)
        return {label: n for label, n in counts.items() if n}


def delegate_agenda(
    session: Session,
    platform_id: int,
    visibility_sessions: sa.ColumnElement[bool],
    visibility_weeks: sa.ColumnElement[bool],
    scope: sa.ColumnElement[bool],
    week_start: date,
    *,
    today: date | None = None,
) -> DelegateAgenda:
    """The sessions and weeks of the week, what is left to do for each, the people to call back."""
    today = today or clock.today()
    agenda = DelegateAgenda(monday_of(week_start), today)
    start, end = agenda.week_start, agenda.week_end
    info_rows = session.execute(
        sa.select(InfoSession.id, InfoSession.held_on, InfoSession.place)
        .where(
            InfoSession.platform_id == platform_id,
            visibility_sessions,
            InfoSession.held_on.between(start, end),
        )
        .order_by(InfoSession.held_on, InfoSession.starts_at, InfoSession.id)
    ).all()
    counts = info_session_counts(session, [r.id for r in info_rows])
    for sid, held_on, place in info_rows:
        found = counts.get(sid, AttendanceCounts())
        in_future = held_on >= today
        agenda.sessions.append(
            SessionOfWeek(
                "info_session",
                sid,
                held_on,
                place,
                found,
                found[AttendanceStatus.REGISTERED] if in_future else 0,
                0 if held_on > today else found.registered - found.noted,
            )
        )
    # A week running this week, even if it began last week.
    week_rows = session.execute(
        sa.select(OrientationWeek.id, OrientationWeek.starts_on, OrientationWeek.place)
        .where(
            OrientationWeek.platform_id == platform_id,
            visibility_weeks,
            OrientationWeek.starts_on.between(start - timedelta(days=ORIENTATION_WEEK_DAYS - 1), end),
        )
        .order_by(OrientationWeek.starts_on, OrientationWeek.id)
    ).all()
    counts = week_counts(session, [r.id for r in week_rows])
    for wid, starts_on, place in week_rows:
        found = counts.get(wid, AttendanceCounts())
        unconvoked = found[AttendanceStatus.REGISTERED] if starts_on >= today else 0
        to_note = 0
        if starts_on <= today:
            days_passed = min(ORIENTATION_WEEK_DAYS, (today - starts_on).days + 1)
            noted = (
                session.scalar(
                    sa.select(sa.func.count())
                    .select_from(OrientationAttendance)
                    .join(
                        OrientationParticipant,
                        OrientationParticipant.id == OrientationAttendance.participant_id,
                    )
                    .where(OrientationParticipant.week_id == wid)
                )
                or 0
            )
            to_note = max(0, found.registered * days_passed - noted)
        agenda.sessions.append(SessionOfWeek("week", wid, starts_on, place, found, unconvoked, to_note))
    agenda.sessions.sort(key=lambda s: (s.first_day, s.kind, s.id))
    agenda.items.extend(
        _call_backs(session, scope, visibility_sessions, visibility_weeks, platform_id, since=start)
    )
    return agenda


def _call_backs(
    session: Session,
    scope: sa.ColumnElement[bool],
    visibility_sessions: sa.ColumnElement[bool],
    visibility_weeks: sa.ColumnElement[bool],
    platform_id: int,
    *,
    since: date,
) -> list[AgendaItem]:
    """The people who asked to be called back, not called yet, for a session or week from ``since`` on."""
    items = []
    in_scope = sa.exists().where(Pathway.person_id == Person.id, scope)
    for aid, sid, held_on, first, last in session.execute(
        sa.select(
            InfoSessionAttendance.id,
            InfoSession.id,
            InfoSession.held_on,
            Person.first_name,
            Person.last_name,
        )
        .join(InfoSession, InfoSession.id == InfoSessionAttendance.session_id)
        .join(Person, Person.id == InfoSessionAttendance.person_id)
        .where(
            InfoSession.platform_id == platform_id,
            visibility_sessions,
            in_scope,
            InfoSessionAttendance.awaiting_call_back,
            InfoSession.held_on >= since,
        )
    ):
        items.append(
            AgendaItem(
                ItemKind.CALL_BACK,
                None,
                False,
                None,
                first,
                last,
                f"Information collective du {held_on:%d/%m/%Y}",
                record_id=aid,
                where="info_session",
                where_id=sid,
            )
        )
    for pid, wid, starts_on, pathway_id, first, last in session.execute(
        sa.select(
            OrientationParticipant.id,
            OrientationWeek.id,
            OrientationWeek.starts_on,
            Pathway.id,
            Person.first_name,
            Person.last_name,
        )
        .join(OrientationWeek, OrientationWeek.id == OrientationParticipant.week_id)
        .join(Pathway, Pathway.id == OrientationParticipant.pathway_id)
        .join(Person, Person.id == Pathway.person_id)
        .where(
            OrientationWeek.platform_id == platform_id,
            visibility_weeks,
            scope,
            OrientationParticipant.awaiting_call_back,
            OrientationWeek.starts_on >= since - timedelta(days=ORIENTATION_WEEK_DAYS - 1),
        )
    ):
        items.append(
            AgendaItem(
                ItemKind.CALL_BACK,
                None,
                False,
                pathway_id,
                first,
                last,
                f"Semaine du pôle orientation du {starts_on:%d/%m/%Y}",
                record_id=pid,
                where="week",
                where_id=wid,
            )
        )
    items.sort(key=lambda i: (i.last_name.lower(), i.first_name))
    return items


# --- ticking a next step ---------------------------------------------------------------------


def set_next_step_done(session: Session, exchange: Exchange, done: bool, actor: User | None) -> None:
    """Tick (or untick) an exchange's next step."""
    if exchange.next_step is None and exchange.next_step_on is None:
        raise InvalidInput(["Cet échange n'a pas de prochaine étape."])
    before = exchange.next_step_done_on
    if done == (before is not None):
        return
    exchange.next_step_done_on = clock.today() if done else None
    session.flush()
    pathway = session.get_one(Pathway, exchange.pathway_id)
    audit.record(
        session,
        actor,
        "exchange.next_step_done" if done else "exchange.next_step_undone",
        object_type="exchange",
        object_id=exchange.id,
        platform_id=pathway.platform_id,
    )


# --- the Monday digest -----------------------------------------------------------------------


def set_weekly_digest(session: Session, user: User, wanted: bool, actor: User | None) -> None:
    """Opt in to (or out of) the Monday e-mail of the week's agenda."""
    before = user.weekly_digest
    if before == wanted:
        return
    user.weekly_digest = wanted
    session.flush()
    audit.record(
        session,
        actor,
        "user.update",
        object_type="user",
        object_id=user.id,
        platform_id=user.platform_id,
        changes={"weekly_digest": (before, wanted)},
    )


@dataclass(frozen=True)
class DigestLine:
    label: str
    count: int


def agenda_of(session: Session, user: User, week_start: date) -> Agenda:
    """``user``'s agenda (a conseiller's or a délégué's) for the week of ``week_start``."""
    from pathways.security.access import pathway_scope
    from pathways.services.workspace import session_visibility
    from pathways.vocabulary import Role

    scope = pathway_scope(user)
    if user.role is Role.DELEGATE:
        territory_ids = [t.id for t in user.territories]
        assert user.platform_id is not None
        return delegate_agenda(
            session,
            user.platform_id,
            session_visibility(InfoSession, territory_ids, user.id),
            session_visibility(OrientationWeek, territory_ids, user.id),
            scope,
            week_start,
        )
    return adviser_agenda(session, scope, week_start)


def digest_lines(agenda: Agenda) -> list[DigestLine]:
    counts = agenda.to_do()
    return [DigestLine(kind.label if isinstance(kind, ItemKind) else kind, n) for kind, n in counts.items()]


def first_name_of(user: User) -> str:
    """The account's first name (the first word of its name), for a greeting."""
    return (user.full_name or "").split(" ")[0] or "Bonjour"


def digest_for(session: Session, user: User, recipient: str) -> object:
    """The Monday e-mail of ``user``'s week: counts and links; no name but the recipient's first name."""
    from pathways.messaging.links import absolute_url
    from pathways.messaging.texts import digest_email

    agenda = agenda_of(session, user, monday_of(clock.today()))
    return digest_email(
        to=recipient,
        first_name=first_name_of(user),
        week_start=agenda.week_start,
        week_end=agenda.week_end,
        lines=digest_lines(agenda),
        agenda_url=absolute_url("agenda.index"),
    )


DIGEST_FROM_HOUR = 7


def queue_digests(session: Session, now: object | None = None) -> int:
    """On Monday from 7 a.m. (Paris), ask for the digest of every account that opted in, once a week."""
    from datetime import datetime

    from pathways.services.messaging import channel_open, queue_message
    from pathways.vocabulary import MessageChannel, MessageKind, Role

    moment = now if isinstance(now, datetime) else clock.now()
    local = moment.astimezone(clock.PLATFORM_TIMEZONE)
    if local.weekday() != 0 or local.hour < DIGEST_FROM_HOUR or not channel_open(MessageChannel.EMAIL):
        return 0
    year, week, _ = local.date().isocalendar()
    count = 0
    for user in session.scalars(
        sa.select(User).where(
            User.weekly_digest.is_(True),
            User.is_active.is_(True),
            User.role.in_([Role.ADVISER, Role.DELEGATE]),
        )
    ):
        message = queue_message(
            session,
            kind=MessageKind.DIGEST,
            channel=MessageChannel.EMAIL,
            platform_id=user.platform_id,
            user=user,
            dedup_key=f"digest:{user.id}:{year}-W{week:02d}",
        )
        count += message is not None
    return count
