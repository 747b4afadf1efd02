"""The audit trail: one append-only entry per write, view, export, import or refusal.

Services call ``record``; the web layer sets ``current_address`` for the
request so entries carry the client address without services knowing Flask.
Free text and health details never go into an entry: callers pass only the
fields listed as auditable.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from sqlalchemy.orm import Session

from pathways import clock
from pathways.models import AuditEntry, User

current_address: ContextVar[str | None] = ContextVar("current_address", default=None)


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
        occurred_at=clock.now(),
        platform_id=platform_id if platform_id is not None else (actor.platform_id if actor else None),
        user_id=actor.id if actor else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        changes={k: [_plain(b), _plain(a)] for k, (b, a) in changes.items()} if changes else None,
        details={k: _plain(v) for k, v in details.items()} if details else None,
        address=current_address.get(),
    )
    session.add(entry)
    return entry
