"""Retention: a person with no contact for ``RETENTION_MONTHS`` and no pathway in progress is anonymised.

The dates, as the CNIL's référentiel for social accompaniment asks (two
years after the last contact) and as les-emplois does it (announce, wait,
then anonymise):

- the *last contact* of a person is the latest last contact of their
  pathways, the caseload's own definition (``Pathway.last_contact_on``,
  kept by ``services.summary``: a step, an exchange, a note, a follow-up
  checkpoint, a frein's change of status); a person without a pathway
  counts from the day they were recorded;
- the person is due once that contact is more than ``RETENTION_MONTHS``
  old: ``due_on`` is the day after the same date ``RETENTION_MONTHS``
  later;
- ``RETENTION_NOTICE_DAYS`` before ``due_on`` the daily job lists them to
  the manager (the page « Données personnelles », and an e-mail when
  e-mail is configured: ``notify_managers``) and notes that day on the
  person (``retention_notice_on``);
- on ``due_on``, or ``RETENTION_NOTICE_DAYS`` after the day they were
  listed if that is later (a person already overdue when the tool is
  installed is announced first, never anonymised unannounced), the job
  anonymises them (``pathways.privacy.anonymise``);
- a person who comes back in the meantime (a new pathway, a new contact)
  leaves the list, and their notice day is cleared.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways import audit, clock
from pathways.models import Pathway, Person, Platform, User
from pathways.privacy.anonymise import Reason, anonymise_person
from pathways.states import TERMINAL_STATES, add_months

logger = logging.getLogger(__name__)

# The CNIL référentiel's values (deliberation 2021-028): the defaults of the settings.
DEFAULT_RETENTION_MONTHS = 24
DEFAULT_NOTICE_DAYS = 30


@dataclass(frozen=True)
class RetentionSettings:
    months: int = DEFAULT_RETENTION_MONTHS
    notice_days: int = DEFAULT_NOTICE_DAYS

    @classmethod
    def of_current_app(cls) -> RetentionSettings:
        from flask import current_app

        return cls(current_app.config["RETENTION_MONTHS"], current_app.config["RETENTION_NOTICE_DAYS"])

    def due_on(self, last_contact: date) -> date:
        """The day a person whose last contact is ``last_contact`` is anonymised at the earliest."""
        return add_months(last_contact, self.months) + timedelta(days=1)

    def listed_from(self, last_contact: date) -> date:
        return self.due_on(last_contact) - timedelta(days=self.notice_days)


@dataclass(frozen=True)
class Candidate:
    """A person on the retention list."""

    person_id: int
    platform_id: int
    first_name: str
    last_name: str
    last_contact: date
    # When the job first listed them (None: not yet, it will be at its next run).
    notice_on: date | None
    # The day the job will anonymise them.
    anonymise_on: date

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name.upper()}"


def _day(value: object) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value  # type: ignore[return-value]
    if isinstance(value, datetime):
        return value.astimezone(clock.PLATFORM_TIMEZONE).date()
    return date.fromisoformat(str(value)[:10])


def candidates(
    session: Session,
    settings: RetentionSettings,
    *,
    today: date | None = None,
    platform_id: int | None = None,
) -> list[Candidate]:
    """The persons not anonymised, with no pathway in progress, listed by ``today``; soonest first."""
    today = today or clock.today()
    contact = Pathway.last_contact_on
    per_pathway = (
        sa.select(
            Pathway.person_id.label("person_id"),
            contact.label("contact"),
            sa.case((Pathway.state.not_in(TERMINAL_STATES), 1), else_=0).label("open"),
        )
        .where(Pathway.platform_id == platform_id if platform_id is not None else sa.true())
        .subquery("per_pathway")
    )
    # A cut-off a few days past the exact one (add_months clamps to the month's end);
    # the exact rule is applied below in Python.
    cutoff = audit.months_before(today + timedelta(days=settings.notice_days + 4), settings.months)
    last_contact = sa.func.max(per_pathway.c.contact)
    person_columns = (
        Person.id,
        Person.platform_id,
        Person.first_name,
        Person.last_name,
        Person.created_at,
        Person.retention_notice_on,
    )
    query = (
        sa.select(*person_columns, last_contact)
        .outerjoin(per_pathway, per_pathway.c.person_id == Person.id)
        .where(Person.anonymised_on.is_(None))
        .group_by(*person_columns)
        .having(
            sa.func.coalesce(sa.func.sum(per_pathway.c.open), 0) == 0,
            sa.or_(last_contact.is_(None), last_contact <= cutoff),
        )
    )
    if platform_id is not None:
        query = query.where(Person.platform_id == platform_id)
    found = []
    for person_id, person_platform, first, last, created, notice_on, contact_day in session.execute(query):
        last_day = _day(contact_day) or _day(created)
        assert last_day is not None
        if settings.listed_from(last_day) > today:
            continue
        notice_day = _day(notice_on)
        planned = max(settings.due_on(last_day), (notice_day or today) + timedelta(days=settings.notice_days))
        found.append(Candidate(person_id, person_platform, first, last, last_day, notice_day, planned))
    return sorted(found, key=lambda c: (c.anonymise_on, c.last_name, c.first_name, c.person_id))


@dataclass
class RetentionRun:
    """What a run did, or would do (``dry_run``)."""

    today: date
    dry_run: bool
    listed: list[Candidate] = field(default_factory=list)  # listed to the manager today
    waiting: list[Candidate] = field(default_factory=list)  # listed before, anonymised later
    anonymised: list[Candidate] = field(default_factory=list)
    withdrawn: list[int] = field(default_factory=list)  # came back: off the list

    def summary(self) -> dict[str, int]:
        return {
            "listed": len(self.listed),
            "waiting": len(self.waiting),
            "anonymised": len(self.anonymised),
            "withdrawn": len(self.withdrawn),
        }


def notify_managers(session: Session, platform_id: int, listed: list[Candidate]) -> bool:
    """Tell the platform's managers, by e-mail through the job queue, that persons were listed today.

    No name in the e-mail: the count, the first day and a link to « Données
    personnelles » (the page shows who). False when e-mail is not configured
    or no manager has an address: the page and the audit trail still say it.
    """
    from pathways.services.messaging import channel_open, queue_message
    from pathways.vocabulary import MessageChannel, MessageKind, Role

    if not listed or not channel_open(MessageChannel.EMAIL):
        return False
    managers = session.scalars(
        sa.select(User).where(
            User.platform_id == platform_id, User.role == Role.MANAGER, User.is_active.is_(True)
        )
    )
    today = clock.today()
    queued = [
        queue_message(
            session,
            kind=MessageKind.RETENTION,
            channel=MessageChannel.EMAIL,
            platform_id=platform_id,
            user=manager,
            dedup_key=f"retention:{platform_id}:{manager.id}:{today.isoformat()}",
        )
        for manager in managers
    ]
    return any(message is not None for message in queued)


def retention_email_for(session: Session, user: User, recipient: str) -> object:
    """The manager's e-mail, written when it is sent: the persons listed on their platform then."""
    from pathways.messaging.links import absolute_url
    from pathways.messaging.texts import retention_email
    from pathways.services.agenda import first_name_of

    assert user.platform_id is not None
    listed = [
        c
        for c in candidates(session, RetentionSettings.of_current_app(), platform_id=user.platform_id)
        if c.notice_on is not None
    ]
    if not listed:
        from pathways.services.messaging import Outcome
        from pathways.vocabulary import MessageStatus

        return Outcome(MessageStatus.CANCELLED, "plus personne sur la liste")
    return retention_email(
        to=recipient,
        first_name=first_name_of(user),
        persons=len(listed),
        first_on=min(c.anonymise_on for c in listed),
        page_url=absolute_url("privacy.index"),
    )


def run_retention(
    session: Session,
    settings: RetentionSettings,
    *,
    today: date | None = None,
    dry_run: bool = False,
) -> RetentionRun:
    """List who is due soon, anonymise who is due, forget the notice of those who came back."""
    today = today or clock.today()
    run = RetentionRun(today, dry_run)
    found = candidates(session, settings, today=today)
    for candidate in found:
        if candidate.anonymise_on <= today:
            run.anonymised.append(candidate)
        elif candidate.notice_on is None:
            run.listed.append(candidate)
        else:
            run.waiting.append(candidate)
    listed_ids = {c.person_id for c in found}
    run.withdrawn = [
        person_id
        for person_id in session.scalars(
            sa.select(Person.id).where(
                Person.retention_notice_on.is_not(None), Person.anonymised_on.is_(None)
            )
        )
        if person_id not in listed_ids
    ]
    if dry_run:
        return run
    if run.withdrawn:
        session.execute(
            sa.update(Person).where(Person.id.in_(run.withdrawn)).values(retention_notice_on=None)
        )
    if run.listed:
        session.execute(
            sa.update(Person)
            .where(Person.id.in_([c.person_id for c in run.listed]))
            .values(retention_notice_on=today)
        )
        for platform_id, listed in _by_platform(run.listed).items():
            audit.record(
                session,
                None,
                "retention.listed",
                object_type="platform",
                object_id=platform_id,
                platform_id=platform_id,
                details={"persons": len(listed), "before": min(c.anonymise_on for c in listed).isoformat()},
            )
            notify_managers(session, platform_id, listed)
    for candidate in run.anonymised:
        person = session.get(Person, candidate.person_id)
        assert person is not None
        anonymise_person(session, person, reason=Reason.RETENTION, actor=None, today=today)
    logger.info("retention run: %s", run.summary())
    return run


def _by_platform(found: Iterable[Candidate]) -> dict[int, list[Candidate]]:
    grouped: dict[int, list[Candidate]] = {}
    for candidate in found:
        grouped.setdefault(candidate.platform_id, []).append(candidate)
    return grouped


def platform_slugs(session: Session, platform_ids: Iterable[int]) -> dict[int, str]:
    return dict(
        session.execute(sa.select(Platform.id, Platform.slug).where(Platform.id.in_(set(platform_ids)))).all()
    )


@dataclass(frozen=True)
class PersonRetention:
    """Where one person stands: their last contact, and when they would be anonymised."""

    last_contact: date
    in_progress: bool
    # The earliest day of the anonymisation (None while a pathway is in progress).
    due_on: date | None
    notice_on: date | None


def person_retention(
    session: Session, person: Person, settings: RetentionSettings, *, today: date | None = None
) -> PersonRetention:
    today = today or clock.today()
    contact = Pathway.last_contact_on
    last_day, open_count = session.execute(
        sa.select(
            sa.func.max(contact), sa.func.sum(sa.case((Pathway.state.not_in(TERMINAL_STATES), 1), else_=0))
        )
        .select_from(Pathway)
        .where(Pathway.person_id == person.id)
    ).one()
    last = _day(last_day) or _day(person.created_at)
    assert last is not None
    in_progress = bool(open_count)
    due = None
    if not in_progress:
        due = max(
            settings.due_on(last),
            (person.retention_notice_on or today) + timedelta(days=settings.notice_days),
        )
    return PersonRetention(last, in_progress, due, person.retention_notice_on)
