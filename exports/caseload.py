"""A caseload as a spreadsheet: the rows a conseiller or a manager sees, or their selection."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from sqlalchemy.orm import Session

from exports.writer import Column, Kind, write_table
from pathways import audit
from pathways.models import User
from pathways.services.caseload import CaseloadRow

COLUMNS = [
    Column("Nom", width=22),
    Column("Prénom", width=18),
    Column("Identifiant France Travail", width=24),
    Column("Étape", width=24),
    Column("Territoire", width=24),
    Column("Conseiller·ère", width=24),
    Column("Dernier contact", Kind.DATE, width=16),
    Column("Alertes", width=48),
]


def _values(row: CaseloadRow) -> list[object]:
    return [
        row.last_name.upper(),
        row.first_name,
        row.france_travail_id,
        row.state.label,
        row.territory,
        row.adviser,
        row.last_contact,
        " ; ".join(alert.label for alert in row.alerts) or None,
    ]


def write_caseload(
    session: Session,
    rows: Iterable[CaseloadRow],
    target: IO[bytes],
    *,
    actor: User,
    selection: bool,
) -> int:
    """Write ``rows`` to ``target`` (.xlsx) and record the export; returns how many rows left."""
    count = write_table(target, "Portefeuille", COLUMNS, (_values(row) for row in rows))
    audit.audit_export(session, actor, "caseload", count, platform_id=actor.platform_id, selection=selection)
    return count
