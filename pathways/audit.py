"""The audit trail: one append-only entry per write, view, export, import or refusal.

Services call ``record``; views showing a person's file call ``audit_view``;
the web layer sets ``current_address`` for the request so entries carry the
client address without services knowing Flask. Free text and health details
never go into an entry: callers pass only the fields listed as auditable.
The only deletion is ``purge`` (retention: 12 months, never under 6); the
only change is ``forget_person_values``, when a person is anonymised: the
before/after values of the corrections of their identity and contact go,
the entries stay (who corrected what field, when).
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from pathways import clock
from pathways.models import AuditEntry, Pathway, Person, User

current_address: ContextVar[str | None] = ContextVar("current_address", default=None)

RETENTION_MONTHS = 12
MIN_RETENTION_MONTHS = 6
# session.info key: views recorded in this transaction, committed at the end
# of the request even on a GET (which otherwise never commits).
PENDING_VIEWS = "audit_views_pending"


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def record(
    session: Session,
    actor: User | None,
    action: str,
    *,
    object_type: str | None = None,
    object_id: int | None = None,
    platform_id: int | None = None,
    changes: dict[str, tuple[Any, Any]] | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        **entry_values(
            actor,
            action,
            object_type=object_type,
            object_id=object_id,
            platform_id=platform_id,
            changes=changes,
            details=details,
        )
    )
    session.add(entry)
    return entry


def entry_values(
    actor: User | None,
    action: str,
    *,
    object_type: str | None = None,
    object_id: int | None = None,
    platform_id: int | None = None,
    changes: dict[str, tuple[Any, Any]] | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The columns of one audit entry (``record`` adds it; the import writes them in bulk)."""
    return {
        "occurred_at": clock.now(),
        "platform_id": platform_id if platform_id is not None else (actor.platform_id if actor else None),
        "user_id": actor.id if actor else None,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "changes": {k: [_plain(b), _plain(a)] for k, (b, a) in changes.items()} if changes else None,
        "details": {k: _plain(v) for k, v in details.items()} if details else None,
        "address": current_address.get(),
    }


def audit_view(session: Session, user: User, viewed: Pathway | Person, **details: Any) -> AuditEntry:
    """Record that ``user`` opened a person's file (a pathway or the person).

    Call it from the view that shows the file; the entry is committed at the
    end of the request, GET included. ``details`` names what was shown (a tab,
    a count), never personal data.
    """
    object_type = "pathway" if isinstance(viewed, Pathway) else "person"
    entry = record(
        session,
        user,
        f"{object_type}.view",
        object_type=object_type,
        object_id=viewed.id,
        platform_id=viewed.platform_id,
        details=details or None,
    )
    session.info[PENDING_VIEWS] = True
    return entry


def audit_export(
    session: Session, user: User, what: str, rows: int, platform_id: int | None = None, **details: Any
) -> AuditEntry:
    """Record an export (``what``: the report's name) and how many rows left."""
    return record(
        session, user, "export", platform_id=platform_id, details={"report": what, "rows": rows, **details}
    )


def audit_import(
    session: Session, user: User, what: str, rows: int, platform_id: int | None = None, **details: Any
) -> AuditEntry:
    """Record an import (``what``: the file's kind) and how many rows came in."""
    return record(
        session, user, "import", platform_id=platform_id, details={"source": what, "rows": rows, **details}
    )


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (clamped to the month's end)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def purge(session: Session, older_than_months: int = RETENTION_MONTHS, actor: User | None = None) -> int:
    """Delete the entries older than ``older_than_months`` months; returns how many.

    Refuses to go under six months: the trail must cover at least that.
    """
    if older_than_months < MIN_RETENTION_MONTHS:
        raise ValueError(older_than_months)
    cutoff_day = months_before(clock.today(), older_than_months)
    cutoff = datetime(cutoff_day.year, cutoff_day.month, cutoff_day.day, tzinfo=UTC)
    # Core delete: the ORM guard below keeps everything else from deleting entries.
    deleted = session.execute(sa.delete(AuditEntry).where(AuditEntry.occurred_at < cutoff)).rowcount
    record(
        session,
        actor,
        "audit.purge",
        object_type="audit",
        details={
            "older_than_months": older_than_months,
            "before": cutoff_day.isoformat(),
            "deleted": deleted,
        },
    )
    return deleted


def forget_person_values(session: Session, person_id: int) -> int:
    """Remove the values the entries about person ``person_id`` carry; returns how many entries.

    The fields changed stay named (« Nom : — → — »), their values go. Core
    update: the ORM guard below refuses every other change.
    """
    entries = session.execute(
        sa.select(AuditEntry.id, AuditEntry.changes).where(
            AuditEntry.object_type == "person",
            AuditEntry.object_id == person_id,
            AuditEntry.changes.is_not(None),
        )
    ).all()
    for entry_id, changes in entries:
        session.execute(
            sa.update(AuditEntry)
            .where(AuditEntry.id == entry_id)
            .values(changes={field: [None, None] for field in changes or {}})
        )
    return len(entries)


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, flush_context: Any, instances: Any) -> None:
    """Entries are never edited nor deleted through the ORM (append-only)."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("Le journal d'audit ne peut être ni modifié ni supprimé.")
