"""The conseiller's caseload: pathways in scope, their last contact and their alerts.

What counts as a *contact* (decided here, as a conseiller would expect): any
dated trace of work with the person on the pathway — a move of the pathway
(its events), a tripartite exchange, a note, a recorded follow-up checkpoint,
or a change of status of one of its freins. The last contact is the latest of
those dates. An alert "no contact for 30 days" fires when that date is more
than 30 days ago on a pathway that is neither finished nor suspended (a
suspended pathway has its own alert).

The alerts (issue 4), all computed in SQL so the list can filter and sort on
them, and only on pathways still in progress:

- ``checkpoint_overdue``: a follow-up checkpoint whose due date has passed and
  which is not recorded;
- ``no_contact``: see above;
- ``immersion_ending``: a PMSMP not yet assessed ends within 7 days (today
  included), while the pathway is in PMSMP;
- ``training_starting``: a training starts within the next 7 days (a
  planned entry into training, or a training while employed);
- ``long_suspension``: suspended for more than 60 days (on hold, the last
  event is the suspension);
- ``planned_unconfirmed``: a planned step whose first day is more than 7
  days past and that nobody confirmed (nor cancelled);
- ``not_informed``: the person was never given the information notice
  (``Person.informed_on``, pathways.privacy): the CNIL asks that it be
  given at the first contact.

A checkpoint cancelled by the end of its contract is never overdue. Each
row also shows the next step planned on the pathway (« à venir »).

The caller passes the scope (``pathways.security.access.pathway_scope``):
this module knows nothing of the web.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from pathways import audit, clock
from pathways.models import (
    AdviserAssignment,
    Checkpoint,
    Immersion,
    Pathway,
    Person,
    PlannedStep,
    Territory,
    Training,
    User,
)
from pathways.paging import PAGE_SIZE, Paged, Window
from pathways.services.pathway import InvalidInput, assign_adviser
from pathways.states import PLANNED_STEP_GRACE_DAYS, TERMINAL_STATES, State, Trigger
from pathways.text import search_words
from pathways.vocabulary import PlannedStepStatus

NO_CONTACT_DAYS = 30
SOON_DAYS = 7
LONG_SUSPENSION_DAYS = 60
# An export or a print of a caseload stops there (a platform's whole list is the bilan's job).
EXPORT_LIMIT = 5000
# A list this long has its first pages (up to this many rows) ranked by alerts on the pathways
# alone first (``_leading``): the manager's list of a platform of hundreds of thousands. Below,
# the one pass is cheaper (the first pass's look-ups of the week's records cost ~100 ms):
# 50 000 pathways, 102-136 ms in one pass, 214-305 ms in two; 500 000, 1.2-1.3 s and 0.55 s.
NARROW_FROM = 100_000
NARROW_UNTIL = 1000


class Alert(StrEnum):
    CHECKPOINT_OVERDUE = "checkpoint_overdue"
    NO_CONTACT = "no_contact"
    IMMERSION_ENDING = "immersion_ending"
    TRAINING_STARTING = "training_starting"
    LONG_SUSPENSION = "long_suspension"
    PLANNED_UNCONFIRMED = "planned_unconfirmed"
    NOT_INFORMED = "not_informed"

    @property
    def label(self) -> str:
        return ALERT_LABELS[self]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(alert.value, alert.label) for alert in cls]


ALERT_LABELS: dict[Alert, str] = {
    Alert.CHECKPOINT_OVERDUE: "Point de suivi en retard",
    Alert.NO_CONTACT: f"Sans contact depuis {NO_CONTACT_DAYS} jours",
    Alert.IMMERSION_ENDING: f"PMSMP se terminant sous {SOON_DAYS} jours",
    Alert.TRAINING_STARTING: f"Formation débutant sous {SOON_DAYS} jours",
    Alert.LONG_SUSPENSION: f"Suspendu depuis plus de {LONG_SUSPENSION_DAYS} jours",
    Alert.PLANNED_UNCONFIRMED: "Étape prévue non confirmée",
    Alert.NOT_INFORMED: "Notice d'information non remise",
}


# A pathway's person, who is on the pathway's platform: said in the join, it lets the
# database read the persons of the scope's platform alone (their partial index for the
# notice's alert, a hash of one platform's persons for a long list) instead of every one.
same_person = sa.and_(Person.id == Pathway.person_id, Person.platform_id == Pathway.platform_id)


def _found(*where: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    """Whether a record of ``Pathway`` matches ``where``, looked up row by row.

    An EXISTS would be the plain form, but PostgreSQL may turn one into a
    hashed subplan that reads every matching record of the database once per
    query; a first-match subquery (LIMIT 1) is always an index probe on the
    pathway's own records, run only for the rows its guard lets through.
    """
    first = sa.select(sa.literal(1)).where(*where).limit(1).scalar_subquery()
    return first.is_not(None)


def _among(
    column: sa.ColumnElement[int], chosen: sa.ColumnElement[int], *where: sa.ColumnElement[bool]
) -> sa.ColumnElement[bool]:
    """Whether ``column`` is one of the ``chosen`` of the records matching ``where``, looked up once.

    The other form of ``_found``, for a pass over a whole platform: the
    records matching ``where`` (a week's PMSMPs ending, the persons not yet
    informed) are few, read once into a hash, where a probe per pathway of
    the platform would cost hundreds of thousands of look-ups; and an
    uncorrelated look-up lets PostgreSQL share the pass between workers.
    """
    return column.in_(sa.select(chosen).where(*where))


# What each alert looks for in a pathway's records, also read by the agenda
# (``services.agenda``) over a week instead of the alerts' windows.


def checkpoint_to_record() -> sa.ColumnElement[bool]:
    """A checkpoint neither recorded nor cancelled (by the end of its contract)."""
    return sa.and_(Checkpoint.recorded_on.is_(None), Checkpoint.cancelled_on.is_(None))


def immersion_to_assess() -> sa.ColumnElement[bool]:
    return Immersion.outcome.is_(None)


def step_still_planned(trigger: Trigger | None = None) -> sa.ColumnElement[bool]:
    """A planned step nobody confirmed nor cancelled (of ``trigger`` when given)."""
    planned = PlannedStep.status == PlannedStepStatus.PLANNED
    return planned if trigger is None else sa.and_(planned, PlannedStep.trigger == trigger)


def alert_conditions(
    session: Session, today: date, *, person: type[Person] | None = None, whole_platform: bool = False
) -> Mapping[Alert, sa.ColumnElement[bool]]:
    """One SQL condition on ``Pathway`` per alert, as of ``today``.

    Each reads the pathway's summary (``services.summary``): a comparison of
    dates kept on the row. The two alerts about a window of days (a PMSMP
    ending, a training starting) look the records up only for the pathways
    whose summary says one may be in it, so a list of thousands pays for the
    few concerned.

    Built once a day for each form: the expressions are immutable, and
    building them cost a caseload's request about 3 ms of its 12 ms of CPU.

    ``whole_platform``: the records are looked up once for the whole pass
    (``_among``) rather than pathway by pathway (``_found``), for a pass over
    a platform's hundreds of thousands of pathways; the same conditions.
    """
    return _alert_conditions(today, person is not None, whole_platform)


@functools.lru_cache(maxsize=16)
def _alert_conditions(
    today: date, person_joined: bool, hashed: bool
) -> Mapping[Alert, sa.ColumnElement[bool]]:
    person = Person if person_joined else None
    in_progress = Pathway.state.not_in(TERMINAL_STATES)
    soon = today + timedelta(days=SOON_DAYS)
    # Aliased: the caseload's own query joins Person, which an EXISTS would correlate away.
    # ``person``: the query already joins the pathway's person (the caseload's list), whose
    # row is then read as it is instead of being probed for every pathway.
    informed = aliased(Person)
    if person is not None:
        not_informed = person.informed_on.is_(None)
    elif hashed:
        not_informed = _among(Pathway.person_id, informed.id, informed.informed_on.is_(None))
    else:
        not_informed = _found(informed.id == Pathway.person_id, informed.informed_on.is_(None))

    def looked_up(record: Any, *where: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
        """A record of the pathway matching ``where``, in the pass's form."""
        if hashed:
            return _among(Pathway.id, record.pathway_id, *where)
        return _found(record.pathway_id == Pathway.id, *where)

    return MappingProxyType(
        {
            Alert.CHECKPOINT_OVERDUE: sa.and_(in_progress, Pathway.checkpoint_due_on < today),
            Alert.NO_CONTACT: sa.and_(
                in_progress,
                Pathway.state != State.ON_HOLD,
                Pathway.last_contact_on < today - timedelta(days=NO_CONTACT_DAYS),
            ),
            Alert.IMMERSION_ENDING: sa.and_(
                Pathway.state == State.IMMERSION,
                # IS NOT NULL first: a NULL comparison would not stop the AND, and the probe would run.
                Pathway.immersion_ends_on.is_not(None),
                Pathway.immersion_ends_on >= today,
                looked_up(
                    Immersion,
                    immersion_to_assess(),
                    Immersion.ends_on.between(today, soon),
                ),
            ),
            Alert.TRAINING_STARTING: sa.and_(
                in_progress,
                Pathway.training_starts_on.is_not(None),
                Pathway.training_starts_on >= today,
                sa.or_(
                    looked_up(
                        PlannedStep,
                        step_still_planned(Trigger.START_TRAINING),
                        PlannedStep.planned_on.between(today, soon),
                    ),
                    looked_up(Training, Training.starts_on.between(today, soon)),
                ),
            ),
            Alert.LONG_SUSPENSION: sa.and_(
                Pathway.state == State.ON_HOLD,
                Pathway.last_event_on < today - timedelta(days=LONG_SUSPENSION_DAYS),
            ),
            Alert.PLANNED_UNCONFIRMED: sa.and_(
                in_progress, Pathway.planned_on < today - timedelta(days=PLANNED_STEP_GRACE_DAYS)
            ),
            Alert.NOT_INFORMED: sa.and_(
                in_progress,
                not_informed,
            ),
        }
    )


class Sort(StrEnum):
    """The columns the caseload can be sorted on (their codes are the page's ``tri`` values)."""

    ALERTS = "alertes"  # the default: most alerts first, then the oldest contact
    NAME = "nom"
    STATE = "etape"
    TERRITORY = "territoire"
    ADVISER = "conseiller"
    LAST_CONTACT = "contact"

    @property
    def descending_first(self) -> bool:
        """Whether a first click sorts this column descending (what needs attention first)."""
        return self is Sort.ALERTS


@dataclass(frozen=True)
class CaseloadFilters:
    state: State | None = None
    territory_id: int | None = None
    alert: Alert | None = None
    search: str = ""
    adviser_id: int | None = None
    # Finished pathways are hidden unless asked for (or a terminal state is chosen).
    include_finished: bool = False
    page: int = 1
    sort: Sort = Sort.ALERTS
    descending: bool = True
    # Only these pathways (a selection), finished ones included.
    pathway_ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class CaseloadRow:
    pathway_id: int
    person_id: int
    first_name: str
    last_name: str
    france_travail_id: str | None
    state: State
    territory: str | None
    adviser: str | None
    last_contact: date
    alerts: tuple[Alert, ...]
    # The next step planned on the pathway, if any: (what, first day).
    coming: tuple[Trigger, date] | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name.upper()}"


CaseloadPage = Paged[CaseloadRow]


def name_search(query: str) -> sa.ColumnElement[bool] | None:
    """Persons whose name holds every word of ``query``, or whose France Travail id it is.

    One rule on both databases: the words are folded (case, accents, hyphens)
    as ``Person.search_name`` is, so « traore » finds « TRAORÉ » and « bénali »
    finds « Benali »; the words may come in any order, and spaces inside a
    name do not matter. ``None`` for an empty query.
    """
    query = query.strip()
    if not query:
        return None
    words = search_words(query)
    # Compared without spaces too: « ndiaye » finds « N'Diaye », « jeanpierre » « Jean-Pierre ».
    compact = sa.func.replace(Person.search_name, " ", "")
    by_name = sa.and_(*(compact.contains(word, autoescape=True) for word in words))
    by_id = Person.france_travail_id == query.upper()
    return sa.or_(by_name, by_id) if words else by_id


def _conditions(
    scope: sa.ColumnElement[bool], filters: CaseloadFilters, alerts: Mapping[Alert, sa.ColumnElement[bool]]
) -> tuple[list[sa.ColumnElement[bool]], bool]:
    """The WHERE of the list, and whether it needs ``Person`` (a search by name)."""
    conditions: list[sa.ColumnElement[bool]] = [scope]
    if filters.pathway_ids is not None:
        conditions.append(Pathway.id.in_(filters.pathway_ids))
    elif filters.state is not None:
        conditions.append(Pathway.state == filters.state)
    elif not filters.include_finished:
        conditions.append(Pathway.state.not_in(TERMINAL_STATES))
    if filters.pathway_ids is not None and filters.state is not None:
        conditions.append(Pathway.state == filters.state)
    if filters.territory_id is not None:
        conditions.append(Pathway.territory_id == filters.territory_id)
    if filters.adviser_id is not None:
        conditions.append(Pathway.adviser_id == filters.adviser_id)
    if filters.alert is not None:
        conditions.append(alerts[filters.alert])
    search = name_search(filters.search)
    if search is not None:
        conditions.append(search)
    # The list's alerts read the joined person (alert_conditions(person=Person)).
    return conditions, search is not None or filters.alert is Alert.NOT_INFORMED


def _count(session: Session, conditions: list[sa.ColumnElement[bool]], with_person: bool) -> int:
    query = sa.select(sa.func.count()).select_from(Pathway)
    if with_person:
        query = query.join(Person, same_person)
    return session.scalar(query.where(*conditions)) or 0


def _alert_flags(alerts: Mapping[Alert, sa.ColumnElement[bool]]) -> list[sa.ColumnElement[int]]:
    return [sa.case((condition, 1), else_=0) for condition in alerts.values()]


def _keys_on_pathway(
    alerts: Mapping[Alert, sa.ColumnElement[bool]],
) -> dict[Sort, list[tuple[sa.ColumnElement, bool]]]:
    """The natural keys of the sorts read on the pathway's row alone, (column, descending)."""
    flags = _alert_flags(alerts)
    alert_count = sum(flags[1:], flags[0])
    return {
        Sort.ALERTS: [(alert_count, True), (Pathway.last_contact_on, False)],
        Sort.LAST_CONTACT: [(Pathway.last_contact_on, False)],
    }


def _flipped(filters: CaseloadFilters) -> bool:
    """Whether the page asks for its sort against the sort's natural order."""
    return filters.descending is not filters.sort.descending_first


def _in_order(
    columns: Sequence[sa.ColumnElement], keys: Sequence[tuple[sa.ColumnElement, bool]], flip: bool
) -> list[sa.ColumnElement]:
    """``columns`` (the values of ``keys``) as ORDER BY terms, empty ones last either way."""
    return [
        (column.desc() if descending is not flip else column.asc()).nulls_last()
        for column, (_, descending) in zip(columns, keys, strict=True)
    ]


def _leading(
    session: Session,
    scope: sa.ColumnElement[bool],
    filters: CaseloadFilters,
    today: date,
    window: Window,
) -> sa.ColumnElement[bool] | None:
    """The rows up to the end of ``window``, found on the pathways alone; None when not worth it.

    A platform's list (the manager's: hundreds of thousands of pathways in
    progress, ``NARROW_FROM``) sorted by alerts joined every pathway to its
    person only to break ties by name. (By last contact, the index already
    ranks it.) Its first pages are first ranked here on the pathway's row
    alone — its keys, then its id —, the records its alerts look up read
    once (``whole_platform``). The rows before the last one's keys come
    before it whatever the names; the rows sharing its keys (a day's
    contacts) may come in any order of names: all of them are kept. The
    list's own query then orders this prefix of the list by the same keys,
    then names, and cuts the same page from it.
    """
    if (
        window.total < NARROW_FROM
        or window.offset + window.size > NARROW_UNTIL
        or filters.sort is not Sort.ALERTS
        or filters.pathway_ids is not None
        or name_search(filters.search) is not None
    ):
        return None
    alerts = alert_conditions(session, today, whole_platform=True)
    conditions, _with_person = _conditions(scope, filters, alerts)
    keys = _keys_on_pathway(alerts)[filters.sort]
    columns = [column for column, _ in keys]
    limit = window.offset + window.size
    rows = session.execute(
        sa.select(Pathway.id, *columns)
        .where(*conditions)
        .order_by(*_in_order(columns, keys, _flipped(filters)), Pathway.id)
        .limit(limit)
    ).all()
    if len(rows) < limit:
        return Pathway.id.in_([row[0] for row in rows])
    last = tuple(rows[-1][1:])
    before = [row[0] for row in rows if tuple(row[1:]) != last]
    tied = sa.and_(*(column == value for column, value in zip(columns, last, strict=True)))
    return sa.or_(Pathway.id.in_(before), tied)


def _ordered_rows(
    conditions: list[sa.ColumnElement[bool]],
    alerts: Mapping[Alert, sa.ColumnElement[bool]],
    filters: CaseloadFilters,
    *,
    limit: int,
    offset: int = 0,
) -> sa.Select:
    """The rows matching ``conditions``, with their alert flags, in the order asked for.

    The page is chosen first on narrow rows — the pathway, its sort keys, its
    person's sort name —, then only its rows are joined to what the list shows
    and flagged: sorting a platform's hundreds of thousands of pathways with
    every name and label carried along cost more than the sort itself.
    """
    alert_flags = _alert_flags(alerts)
    adviser = aliased(User)
    adviser_name = sa.func.coalesce(sa.func.nullif(adviser.full_name, ""), adviser.email)
    state_order = sa.case({state.value: index for index, state in enumerate(State)}, value=Pathway.state)
    # Each sort's keys in its natural order, (column, descending): the page's
    # "descending" flips them all, except for the alerts whose natural order
    # is already "what needs attention first".
    natural: dict[Sort, list[tuple[sa.ColumnElement, bool]]] = {
        **_keys_on_pathway(alerts),
        Sort.NAME: [(Person.search_name, False)],
        Sort.STATE: [(state_order, False)],
        Sort.TERRITORY: [(Territory.name, False)],
        Sort.ADVISER: [(adviser_name, False)],
    }
    flip = _flipped(filters)
    keys = natural[filters.sort]
    page = (
        sa.select(
            Pathway.id.label("pathway_id"),
            Person.search_name.label("name_key"),
            *(column.label(f"key_{index}") for index, (column, _) in enumerate(keys)),
        )
        .join(Person, same_person)
        .where(*conditions)
    )
    if filters.sort is Sort.TERRITORY:
        page = page.outerjoin(Territory, Territory.id == Pathway.territory_id)
    if filters.sort is Sort.ADVISER:
        page = page.outerjoin(adviser, adviser.id == Pathway.adviser_id)

    def ordered(
        columns: list[sa.ColumnElement], name: sa.ColumnElement, pathway_id: sa.ColumnElement
    ) -> list[sa.ColumnElement]:
        # Empty territories and conseillers last either way; then by name, for a stable order.
        return [*_in_order(columns, keys, flip), name, pathway_id]

    chosen = (
        page.order_by(*ordered([column for column, _ in keys], Person.search_name, Pathway.id))
        .limit(limit)
        .offset(offset)
        .subquery("page")
    )
    return (
        sa.select(
            Pathway.id,
            Person.id,
            Person.first_name,
            Person.last_name,
            Person.france_travail_id,
            Pathway.state,
            Territory.name,
            adviser_name,
            Pathway.last_contact_on,
            *alert_flags,
        )
        .select_from(chosen)
        .join(Pathway, Pathway.id == chosen.c.pathway_id)
        .join(Person, Person.id == Pathway.person_id)
        .outerjoin(Territory, Territory.id == Pathway.territory_id)
        .outerjoin(adviser, adviser.id == Pathway.adviser_id)
        .order_by(
            *ordered([chosen.c[f"key_{i}"] for i in range(len(keys))], chosen.c.name_key, chosen.c.pathway_id)
        )
    )


def _row(row: sa.Row, alerts: Mapping[Alert, sa.ColumnElement[bool]]) -> CaseloadRow:
    (pathway_id, person_id, first, last, ft_id, state, territory, adviser, contact) = row[:9]
    flags = row[9:]
    return CaseloadRow(
        pathway_id=pathway_id,
        person_id=person_id,
        first_name=first,
        last_name=last,
        france_travail_id=ft_id,
        state=State(state),
        territory=territory,
        adviser=adviser,
        last_contact=contact if isinstance(contact, date) else date.fromisoformat(str(contact)),
        alerts=tuple(alert for alert, flag in zip(alerts, flags, strict=True) if flag),
    )


def caseload(
    session: Session,
    scope: sa.ColumnElement[bool],
    filters: CaseloadFilters | None = None,
    *,
    today: date | None = None,
    page_size: int = PAGE_SIZE,
) -> CaseloadPage:
    """One page of the pathways in ``scope`` matching ``filters``, in the order asked for.

    By default what needs attention comes first: the most alerts, then the
    oldest last contact; ties by name.
    """
    filters = filters or CaseloadFilters()
    today = today or clock.today()
    alerts = alert_conditions(session, today, person=Person)
    conditions, with_person = _conditions(scope, filters, alerts)
    window = Window.of(_count(session, conditions, with_person), filters.page, page_size)
    leading = _leading(session, scope, filters, today, window)
    if leading is not None:
        conditions = [*conditions, leading]
    query = _ordered_rows(conditions, alerts, filters, limit=window.size, offset=window.offset)
    rows = [_row(row, alerts) for row in session.execute(query)]
    coming = next_planned_steps(session, [row.pathway_id for row in rows])
    return Paged.of([replace(row, coming=coming.get(row.pathway_id)) for row in rows], window)


def caseload_rows(
    session: Session,
    scope: sa.ColumnElement[bool],
    filters: CaseloadFilters | None = None,
    *,
    today: date | None = None,
    limit: int = EXPORT_LIMIT,
) -> Iterator[CaseloadRow]:
    """Every row matching ``filters`` (no paging, at most ``limit``), for an export or a print."""
    filters = filters or CaseloadFilters()
    alerts = alert_conditions(session, today or clock.today(), person=Person)
    conditions, _with_person = _conditions(scope, filters, alerts)
    query = _ordered_rows(conditions, alerts, filters, limit=limit)
    for row in session.execute(query.execution_options(yield_per=500)):
        yield _row(row, alerts)


def state_counts(
    session: Session, scope: sa.ColumnElement[bool], states: Sequence[State]
) -> dict[State, int]:
    """How many pathways in ``scope`` are in each of ``states`` (one grouped count)."""
    counts = dict.fromkeys(states, 0)
    for state, count in session.execute(
        sa.select(Pathway.state, sa.func.count())
        .where(scope, Pathway.state.in_(states))
        .group_by(Pathway.state)
    ):
        counts[State(state)] = count
    return counts


def next_planned_steps(session: Session, pathway_ids: list[int]) -> dict[int, tuple[Trigger, date]]:
    """The soonest step still planned on each of ``pathway_ids``."""
    coming: dict[int, tuple[Trigger, date]] = {}
    for pathway_id, trigger, planned_on in session.execute(
        sa.select(PlannedStep.pathway_id, PlannedStep.trigger, PlannedStep.planned_on)
        .where(PlannedStep.pathway_id.in_(pathway_ids), PlannedStep.status == PlannedStepStatus.PLANNED)
        .order_by(PlannedStep.planned_on.desc())
    ):
        coming[pathway_id] = (Trigger(trigger), planned_on)  # the soonest comes last, and wins
    return coming


def alert_counts(
    session: Session,
    scope: sa.ColumnElement[bool],
    *,
    today: date | None = None,
    platform_id: int | None = None,
) -> dict[Alert, int]:
    """How many pathways in ``scope`` raise each alert.

    A caseload (a few hundred pathways) is read in one pass that tests every
    condition on each of its rows. ``platform_id``, when ``scope`` is that
    whole platform (the dashboard, the manager's list): one count per alert
    instead, all in one statement — each compares one date of the summary on
    that date's index (``ix_pathways_platform_id_…``), and the notice's alert
    starts from the platform's persons not yet informed, each one's pathways
    probed — where one pass would read every pathway in progress of the
    platform and join its person.
    """
    today = today or clock.today()
    conditions = alert_conditions(session, today, person=Person, whole_platform=platform_id is not None)
    if platform_id is None:
        flags = [sa.func.coalesce(sa.func.sum(sa.case((c, 1), else_=0)), 0) for c in conditions.values()]
        # Every alert is about a pathway in progress: the finished ones are not read.
        counts = session.execute(
            sa.select(*flags)
            .select_from(Pathway)
            .join(Person, same_person)
            .where(scope, Pathway.state.not_in(TERMINAL_STATES))
        ).one()
        return {alert: int(count) for alert, count in zip(conditions, counts, strict=True)}

    def counted(alert: Alert, condition: sa.ColumnElement[bool]) -> sa.ScalarSelect[int]:
        # Each condition holds its own "in progress" (or a state in progress): nothing to add.
        query = sa.select(sa.func.count()).select_from(Pathway).where(scope, condition)
        if alert is not Alert.NOT_INFORMED:
            return query.scalar_subquery()
        # The condition reads the person (``Person.informed_on``): counted for each person not
        # informed — a few, on a partial index —, the planner otherwise hashes them and reads
        # every pathway in progress of the platform to join them.
        of_person = query.where(Pathway.person_id == Person.id).scalar_subquery()
        return (
            sa.select(sa.func.coalesce(sa.func.sum(of_person), 0))
            .where(Person.platform_id == platform_id, Person.informed_on.is_(None))
            .scalar_subquery()
        )

    counts = session.execute(sa.select(*(counted(a, c) for a, c in conditions.items()))).one()
    return {alert: int(count or 0) for alert, count in zip(conditions, counts, strict=True)}


@dataclass(frozen=True)
class Reassigned:
    """What a reassignment did: how many pathways changed hands, and how many were left as they were."""

    moved: int
    already_followed: int = 0
    finished: int = 0


def reassign_pathways(
    session: Session,
    pathways: Sequence[Pathway],
    to_adviser: User,
    *,
    actor: User | None,
    on: date | None = None,
    note: str | None = None,
) -> Reassigned:
    """Hand ``pathways`` to ``to_adviser``; those finished or already theirs are left as they are.

    Each goes through ``assign_adviser``, so the history of who followed
    whom is kept pathway by pathway; refused as a whole when none can move.
    """
    finished = [p for p in pathways if State(p.state).is_terminal]
    already = [p for p in pathways if not State(p.state).is_terminal and p.adviser_id == to_adviser.id]
    movable = [p for p in pathways if p not in finished and p not in already]
    if not movable:
        raise InvalidInput(
            [
                f"Aucun de ces parcours ne peut être confié à {to_adviser.display_name} : "
                "ils sont terminés ou déjà suivis par cette personne."
            ]
        )
    for pathway in movable:
        assign_adviser(session, pathway, to_adviser, actor=actor, on=on, note=note)
    return Reassigned(moved=len(movable), already_followed=len(already), finished=len(finished))


def reassign_caseload(
    session: Session,
    from_adviser: User,
    to_adviser: User,
    *,
    actor: User | None,
    on: date | None = None,
    note: str | None = None,
) -> int:
    """Hand every pathway in progress of ``from_adviser`` to ``to_adviser``; returns how many."""
    if from_adviser.id == to_adviser.id:
        raise InvalidInput(["Choisissez deux conseiller·ères différent·es."])
    if from_adviser.platform_id != to_adviser.platform_id:
        raise InvalidInput([f"{to_adviser.display_name} ne travaille pas sur cette plateforme."])
    pathways = session.scalars(
        sa.select(Pathway)
        .where(Pathway.adviser_id == from_adviser.id, Pathway.state.not_in(TERMINAL_STATES))
        .order_by(Pathway.id)
    ).all()
    if not pathways:
        raise InvalidInput([f"{from_adviser.display_name} ne suit aucun parcours en cours."])
    done = reassign_pathways(session, pathways, to_adviser, actor=actor, on=on, note=note)
    audit.record(
        session,
        actor,
        "caseload.reassign",
        object_type="user",
        object_id=from_adviser.id,
        platform_id=from_adviser.platform_id,
        details={"to_adviser_id": to_adviser.id, "count": done.moved},
    )
    return done.moved


def assignment_history(session: Session, pathway_id: int) -> list[sa.Row]:
    """Who followed the pathway, oldest first: (adviser name, email, from, to, note)."""
    return list(
        session.execute(
            sa.select(
                User.full_name,
                User.email,
                AdviserAssignment.assigned_on,
                AdviserAssignment.ended_on,
                AdviserAssignment.handover_note,
            )
            .join(User, User.id == AdviserAssignment.adviser_id)
            .where(AdviserAssignment.pathway_id == pathway_id)
            .order_by(AdviserAssignment.assigned_on, AdviserAssignment.id)
        )
    )
