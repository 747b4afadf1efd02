"""The audit trail as a manager reads it: filtered, a page at a time, objects by name, values by label.

The words themselves (action labels, object kinds, fields) are in
``pathways.services.audit_words``; this module reads the entries and names
every id a page mentions, each kind in one query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways.clock import PLATFORM_TIMEZONE
from pathways.models import (
    AdviserReplacement,
    AuditEntry,
    Barrier,
    Checkpoint,
    Diagnostic,
    Employer,
    Exchange,
    Immersion,
    InfoSession,
    InfoSessionAttendance,
    Note,
    OrientationParticipant,
    OrientationWeek,
    Pathway,
    Person,
    Platform,
    Prescriber,
    Referent,
    Territory,
    Training,
    TrainingOrganisation,
    User,
)
from pathways.paging import Paged, Window
from pathways.security.ids import parse_id
from pathways.services.audit_words import (
    HIDDEN_DETAILS,
    OBJECT_LABELS,
    action_codes,
    action_label,
    detail_label,
    field_label,
)
from pathways.services.caseload import name_search
from pathways.vocabulary import BarrierCategory
from pathways.wording import de

PAGE_SIZE = 100

# Records of a pathway: the « personne concernée » filter finds them through it.
PATHWAY_RECORDS: dict[str, Any] = {
    "barrier": Barrier,
    "checkpoint": Checkpoint,
    "diagnostic": Diagnostic,
    "exchange": Exchange,
    "note": Note,
    "referent": Referent,
    "immersion": Immersion,
    "training": Training,
    "orientation_participant": OrientationParticipant,
}


@dataclass(frozen=True)
class AuditFilters:
    user_id: int | None = None
    action: str | None = None  # a family key or an action code
    object_type: str | None = None
    person: str = ""  # the name (or France Travail id) of the person concerned
    since: date | None = None
    until: date | None = None
    page: int = 1


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditRow:
    occurred_at: datetime
    user: str
    action: str
    object_kind: str | None
    object_name: str | None
    pathway_id: int | None  # the file the object belongs to, for a link
    changes: list[Change]
    details: list[tuple[str, str]]
    address: str | None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=PLATFORM_TIMEZONE).astimezone(UTC)


def _person_conditions(session: Session, platform_id: int, query: str) -> sa.ColumnElement[bool] | None:
    """Entries about the persons matching ``query``: them, their pathways and their pathways' records."""
    search = name_search(query)
    if search is None:
        return None
    person_ids = sa.select(Person.id).where(Person.platform_id == platform_id, search)
    pathway_ids = sa.select(Pathway.id).where(Pathway.person_id.in_(person_ids))
    about = [
        sa.and_(AuditEntry.object_type == "person", AuditEntry.object_id.in_(person_ids)),
        sa.and_(AuditEntry.object_type == "pathway", AuditEntry.object_id.in_(pathway_ids)),
        sa.and_(
            AuditEntry.object_type == "info_session_attendance",
            AuditEntry.object_id.in_(
                sa.select(InfoSessionAttendance.id).where(InfoSessionAttendance.person_id.in_(person_ids))
            ),
        ),
    ]
    for kind, model in PATHWAY_RECORDS.items():
        records = sa.select(model.id).where(model.pathway_id.in_(pathway_ids))
        about.append(sa.and_(AuditEntry.object_type == kind, AuditEntry.object_id.in_(records)))
    return sa.or_(*about)


# What the admin sees of every platform's trail: the security events, never what was read or written.
SECURITY_ACTIONS = ("access.", "login.", "import.file_refused")


def _scope(platform_id: int | None) -> sa.ColumnElement[bool]:
    """A platform's entries; for the admin (``None``), what no platform owns and every refusal and login."""
    if platform_id is not None:
        return AuditEntry.platform_id == platform_id
    return sa.or_(
        AuditEntry.platform_id.is_(None),
        *[AuditEntry.action.startswith(prefix) for prefix in SECURITY_ACTIONS],
    )


def _filtered(session: Session, platform_id: int | None, filters: AuditFilters) -> sa.Select:
    query = sa.select(AuditEntry).where(_scope(platform_id))
    if filters.user_id is not None:
        query = query.where(AuditEntry.user_id == filters.user_id)
    codes = action_codes(filters.action)
    if codes is not None:
        query = query.where(AuditEntry.action.in_(codes))
    if filters.object_type in OBJECT_LABELS:
        query = query.where(AuditEntry.object_type == filters.object_type)
    about = _person_conditions(session, platform_id, filters.person) if platform_id is not None else None
    if about is not None:
        query = query.where(about)
    if filters.since:
        query = query.where(AuditEntry.occurred_at >= _start_of(filters.since))
    if filters.until:
        query = query.where(AuditEntry.occurred_at < _start_of(filters.until + timedelta(days=1)))
    return query


def audit_page(session: Session, platform_id: int | None, filters: AuditFilters) -> Paged[AuditRow]:
    """One page of the platform's trail (``None``: the admin's), most recent first, in words."""
    query = _filtered(session, platform_id, filters)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    window = Window.of(total, filters.page, PAGE_SIZE)
    entries = session.scalars(
        query.order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc())
        .offset(window.offset)
        .limit(window.size)
    ).all()
    return Paged.of(describe(session, entries), window)


class Names:
    """The names of the ids a page of entries mentions, each kind loaded in one query."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.wanted: dict[str, set[int]] = defaultdict(set)
        self.names: dict[str, dict[int, str]] = {}
        self.pathway_of: dict[tuple[str, int], int] = {}

    def want(self, kind: str, value: Any) -> None:
        if kind == "territories":
            for part in str(value or "").split(","):
                if (territory_id := parse_id(part)) is not None:
                    self.wanted["territory"].add(territory_id)
        elif (object_id := parse_id(value)) is not None:
            self.wanted[kind].add(object_id)

    def load(self) -> None:
        for kind, ids in self.wanted.items():
            loader = getattr(self, f"_load_{kind}", None)
            self.names[kind] = loader(list(ids)) if loader and ids else {}

    def name(self, kind: str, value: Any) -> str:
        if value is None or value == "":
            return "—"
        if kind == "territories":
            parts = [p for p in str(value).split(",") if parse_id(p) is not None]
            return ", ".join(self.name("territory", p) for p in parts) or "—"
        object_id = parse_id(value)
        found = self.names.get(kind, {}).get(object_id) if object_id is not None else None
        return found or f"{OBJECT_LABELS.get(kind, 'objet').lower()} supprimé·e"

    # One loader per kind: a query by ids, returning {id: name}.
    def _rows(self, query: sa.Select) -> list[sa.Row]:
        return list(self.session.execute(query))

    def _load_user(self, ids: list[int]) -> dict[int, str]:
        rows = self._rows(sa.select(User.id, User.full_name, User.email).where(User.id.in_(ids)))
        return {i: name or email for i, name, email in rows}

    def _load_platform(self, ids: list[int]) -> dict[int, str]:
        return dict(self._rows(sa.select(Platform.id, Platform.name).where(Platform.id.in_(ids))))

    def _load_territory(self, ids: list[int]) -> dict[int, str]:
        return dict(self._rows(sa.select(Territory.id, Territory.name).where(Territory.id.in_(ids))))

    def _load_person(self, ids: list[int]) -> dict[int, str]:
        rows = self._rows(sa.select(Person.id, Person.first_name, Person.last_name).where(Person.id.in_(ids)))
        return {i: f"{first} {last.upper()}" for i, first, last in rows}

    def _load_pathway(self, ids: list[int]) -> dict[int, str]:
        rows = self._rows(
            sa.select(Pathway.id, Person.first_name, Person.last_name)
            .join(Person, Person.id == Pathway.person_id)
            .where(Pathway.id.in_(ids))
        )
        for pathway_id, *_ in rows:
            self.pathway_of[("pathway", pathway_id)] = pathway_id
        return {i: f"Parcours {de(f'{first} {last.upper()}')}" for i, first, last in rows}

    def _record_names(
        self, kind: str, ids: list[int], model: Any, describe: Callable[[sa.Row], str], *columns: Any
    ) -> dict[int, str]:
        rows = self._rows(
            sa.select(model.id, model.pathway_id, Person.first_name, Person.last_name, *columns)
            .join(Pathway, Pathway.id == model.pathway_id)
            .join(Person, Person.id == Pathway.person_id)
            .where(model.id.in_(ids))
        )
        names = {}
        for row in rows:
            self.pathway_of[(kind, row[0])] = row[1]
            names[row[0]] = f"{describe(row)} — {row[2]} {row[3].upper()}"
        return names

    def _load_barrier(self, ids: list[int]) -> dict[int, str]:
        return self._record_names(
            "barrier", ids, Barrier, lambda r: f"Frein « {BarrierCategory(r[4]).label} »", Barrier.category
        )

    def _load_checkpoint(self, ids: list[int]) -> dict[int, str]:
        return self._record_names(
            "checkpoint", ids, Checkpoint, lambda r: f"Point de suivi à {r[4]} mois", Checkpoint.month
        )

    def _load_diagnostic(self, ids: list[int]) -> dict[int, str]:
        return self._record_names(
            "diagnostic", ids, Diagnostic, lambda r: f"Diagnostic du {r[4]:%d/%m/%Y}", Diagnostic.written_on
        )

    def _load_exchange(self, ids: list[int]) -> dict[int, str]:
        return self._record_names(
            "exchange", ids, Exchange, lambda r: f"Échange du {r[4]:%d/%m/%Y}", Exchange.occurred_on
        )

    def _load_note(self, ids: list[int]) -> dict[int, str]:
        return self._record_names("note", ids, Note, lambda r: f"Note du {r[4]:%d/%m/%Y}", Note.written_on)

    def _load_referent(self, ids: list[int]) -> dict[int, str]:
        return self._record_names("referent", ids, Referent, lambda r: f"Référent·e {r[4]}", Referent.name)

    def _load_immersion(self, ids: list[int]) -> dict[int, str]:
        return self._record_names(
            "immersion", ids, Immersion, lambda r: f"PMSMP du {r[4]:%d/%m/%Y}", Immersion.starts_on
        )

    def _load_training(self, ids: list[int]) -> dict[int, str]:
        return self._record_names(
            "training", ids, Training, lambda r: f"Formation du {r[4]:%d/%m/%Y}", Training.starts_on
        )

    def _load_orientation_participant(self, ids: list[int]) -> dict[int, str]:
        return self._record_names(
            "orientation_participant",
            ids,
            OrientationParticipant,
            lambda r: f"Semaine du {r[4]:%d/%m/%Y}",
            sa.select(OrientationWeek.starts_on)
            .where(OrientationWeek.id == OrientationParticipant.week_id)
            .scalar_subquery(),
        )

    def _load_info_session(self, ids: list[int]) -> dict[int, str]:
        rows = self._rows(sa.select(InfoSession.id, InfoSession.held_on).where(InfoSession.id.in_(ids)))
        return {i: f"Information collective du {day:%d/%m/%Y}" for i, day in rows}

    def _load_info_session_attendance(self, ids: list[int]) -> dict[int, str]:
        rows = self._rows(
            sa.select(InfoSessionAttendance.id, InfoSession.held_on, Person.first_name, Person.last_name)
            .join(InfoSession, InfoSession.id == InfoSessionAttendance.session_id)
            .join(Person, Person.id == InfoSessionAttendance.person_id)
            .where(InfoSessionAttendance.id.in_(ids))
        )
        return {
            i: f"{first} {last.upper()}, information collective du {day:%d/%m/%Y}"
            for i, day, first, last in rows
        }

    def _load_orientation_week(self, ids: list[int]) -> dict[int, str]:
        rows = self._rows(
            sa.select(OrientationWeek.id, OrientationWeek.starts_on).where(OrientationWeek.id.in_(ids))
        )
        return {i: f"Semaine du {day:%d/%m/%Y}" for i, day in rows}

    def _load_adviser_replacement(self, ids: list[int]) -> dict[int, str]:
        replaced, replacing = User.__table__.alias("replaced"), User.__table__.alias("replacing")
        rows = self._rows(
            sa.select(
                AdviserReplacement.id,
                sa.func.coalesce(sa.func.nullif(replaced.c.full_name, ""), replaced.c.email),
                sa.func.coalesce(sa.func.nullif(replacing.c.full_name, ""), replacing.c.email),
            )
            .join(replaced, replaced.c.id == AdviserReplacement.replaced_id)
            .join(replacing, replacing.c.id == AdviserReplacement.replacing_id)
            .where(AdviserReplacement.id.in_(ids))
        )
        return {i: f"Remplacement {de(a)} par {b}" for i, a, b in rows}

    def _named(self, model: Any, ids: list[int]) -> dict[int, str]:
        return dict(self._rows(sa.select(model.id, model.name).where(model.id.in_(ids))))

    def _load_employer(self, ids: list[int]) -> dict[int, str]:
        return self._named(Employer, ids)

    def _load_organisation(self, ids: list[int]) -> dict[int, str]:
        return self._named(TrainingOrganisation, ids)

    def _load_prescriber(self, ids: list[int]) -> dict[int, str]:
        return self._named(Prescriber, ids)


def _shown(names: Names, how: Callable[[Any], str] | str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    return names.name(how, value) if isinstance(how, str) else how(value)


def describe(session: Session, entries: Iterable[AuditEntry]) -> list[AuditRow]:
    """The entries in words, every id they mention named in a few grouped queries."""
    entries = list(entries)
    names = Names(session)
    for entry in entries:
        if entry.user_id is not None:
            names.want("user", entry.user_id)
        if entry.object_type and entry.object_id is not None and entry.object_type != "audit":
            names.want(entry.object_type, entry.object_id)
        for field, values in (entry.changes or {}).items():
            how = field_label(field)[1]
            if isinstance(how, str):
                for value in values:
                    names.want(how, value)
        for key, value in (entry.details or {}).items():
            how = detail_label(key)[1]
            if isinstance(how, str):
                names.want(how, value)
    names.load()
    return [_row(entry, names) for entry in entries]


def _row(entry: AuditEntry, names: Names) -> AuditRow:
    changes = []
    for field, (before, after) in (entry.changes or {}).items():
        label, how = field_label(field)
        changes.append(Change(label, _shown(names, how, before), _shown(names, how, after)))
    details = []
    for key, value in (entry.details or {}).items():
        if key in HIDDEN_DETAILS or value is None:
            continue
        label, how = detail_label(key)
        details.append((label, _shown(names, how, value)))
    kind = entry.object_type
    object_name = None
    if kind == "audit":
        object_name = OBJECT_LABELS["audit"]
    elif kind and entry.object_id is not None:
        object_name = names.name(kind, entry.object_id)
    return AuditRow(
        occurred_at=entry.occurred_at.astimezone(PLATFORM_TIMEZONE),
        user=names.name("user", entry.user_id) if entry.user_id is not None else "—",
        action=action_label(entry.action),
        object_kind=OBJECT_LABELS.get(kind) if kind else None,
        object_name=object_name,
        pathway_id=names.pathway_of.get((kind, entry.object_id)) if kind and entry.object_id else None,
        changes=changes,
        details=details,
        address=entry.address,
    )
