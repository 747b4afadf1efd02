"""The cohort export: one row per pathway, pseudonymised by default.

A pseudonymised row has no name, no contact, no birth date (an age band at
entry instead), no free text (comments, notes, diagnostics, frein details)
and no health data (freins are not in it at all). The person is shown as a
pseudonym: an HMAC of the person's id under a key drawn at random for each
export and never kept, so one person's pathways share a pseudonym within an
export while two exports cannot be linked with each other.

The identified version adds the name, first name, birth date and France
Travail identifier; only managers may ask for it, and it is recorded in the
audit trail like every export.

The rows come from one grouped query over the events (the date of each
step), joined to the person, the territory and the pathway's latest contract
with its 6-month checkpoint, streamed with ``yield_per``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exports.indicators import AGE_BANDS, TERMINAL_STATES, age_at, age_band, event_reason
from exports.writer import Column, Kind, WorkbookWriter
from pathways import audit
from pathways.jobs import in_job, report_progress
from pathways.models import Checkpoint, Contract, Pathway, PathwayEvent, Person, Platform, Territory, User
from pathways.states import ExitReason, State, Trigger
from pathways.vocabulary import ContractType, DiplomaLevel, EmployerType, PrescriberType, Role, Sex

STREAM_BATCH = 2000
PROGRESS_EVERY = 1000
PROGRESS_LABEL = "Écriture des parcours de la cohorte"

STEP_COLUMNS: dict[str, Trigger] = {
    "date_entree": Trigger.REFER,
    "date_information_collective": Trigger.REGISTER_INFO_SESSION,
    "date_pole_orientation": Trigger.START_ORIENTATION,
    "date_renforcement": Trigger.START_REINFORCEMENT,
    "date_pmsmp": Trigger.START_IMMERSION,
    "date_formation": Trigger.START_TRAINING,
    "date_recherche_emploi": Trigger.SEEK_EMPLOYMENT,
    "date_contrat": Trigger.SIGN_CONTRACT,
}
PUBLIC_FLAGS: dict[str, Any] = {
    "de": Person.is_job_seeker,
    "brsa": Person.is_rsa_beneficiary,
    "reconversion": Person.is_reconversion,
    "rqth": Person.is_rqth,
    "bpi": Person.is_bpi,
    "qpv": Person.is_qpv_resident,
    "zrr": Person.is_zrr_resident,
}
IDENTITY_COLUMNS = [
    Column("nom", width=22),
    Column("prenom", width=18),
    Column("date_naissance", Kind.DATE, width=15),
    Column("identifiant_france_travail", width=26),
]
COLUMNS = [
    Column("pseudonyme", width=16),
    Column("parcours", Kind.INTEGER, width=10),
    *[Column(code, width=8) for code in (*PUBLIC_FLAGS, "jeune")],
    Column("tranche_age", width=12),
    Column("sexe", width=8),
    Column("niveau_diplome", width=16),
    Column("prescripteur", width=22),
    Column("territoire", width=24),
    *[Column(name, Kind.DATE, width=15) for name in STEP_COLUMNS],
    Column("nb_pmsmp", Kind.INTEGER, width=10),
    Column("date_fin", Kind.DATE, width=12),
    Column("etat", width=22),
    Column("issue", width=18),
    Column("motif_sortie", width=26),
    Column("type_contrat", width=22),
    Column("duree_cdd_mois", Kind.INTEGER, width=15),
    Column("type_employeur", width=24),
    Column("metier_emploi", width=14),
    Column("en_poste_6_mois", width=15),
]


class CohortRefused(PermissionError):
    """The identified cohort was asked for by someone who is not a manager."""

    message = "Seul·e un·e responsable de plateforme peut exporter la cohorte nominative."


def pseudonymiser() -> Any:
    """A function person id -> pseudonym, with a fresh random key (never stored)."""
    key = secrets.token_bytes(32)

    def pseudonym(person_id: int) -> str:
        digest = hmac.new(key, str(person_id).encode(), hashlib.sha256).hexdigest()
        return "P-" + digest[:12].upper()

    return pseudonym


def _steps(platform: Platform, start: date | None, end: date | None) -> sa.Select[Any]:
    """Each pathway's date of each step, grouped from its events (the period's pathways only)."""
    trigger = PathwayEvent.trigger
    steps = [
        sa.func.min(sa.case((trigger == step, PathwayEvent.occurred_on), else_=None)).label(name)
        for name, step in STEP_COLUMNS.items()
    ]
    ended_on = sa.func.min(
        sa.case((PathwayEvent.to_state.in_(TERMINAL_STATES), PathwayEvent.occurred_on), else_=None)
    )
    events = (
        sa.select(
            PathwayEvent.pathway_id.label("pathway_id"),
            *steps,
            sa.func.sum(sa.case((trigger == Trigger.START_IMMERSION, 1), else_=0)).label("immersions"),
            ended_on.label("date_fin"),
            sa.func.max(sa.case((trigger == Trigger.EXIT, event_reason()), else_=None)).label("reason"),
        )
        .join(Pathway, Pathway.id == PathwayEvent.pathway_id)
        .where(Pathway.platform_id == platform.id)
        .group_by(PathwayEvent.pathway_id)
    )
    if start is not None and end is not None:
        # The pathways of the period: entered by its end, not ended before its start.
        entry = sa.func.min(sa.case((trigger == Trigger.REFER, PathwayEvent.occurred_on), else_=None))
        events = events.having(entry <= end, sa.or_(ended_on.is_(None), ended_on >= start))
    return events


def cohort_count(session: Session, platform: Platform, start: date | None, end: date | None) -> int:
    """How many rows the cohort will have (a job's progress total)."""
    counted = sa.select(sa.func.count()).select_from(_steps(platform, start, end).subquery())
    return session.scalar(counted) or 0


def cohort_query(platform: Platform, start: date | None, end: date | None) -> sa.Select[Any]:
    events = _steps(platform, start, end)
    summary = events.subquery("steps")
    latest_contract = (
        sa.select(Contract.pathway_id, sa.func.max(Contract.id).label("contract_id"))
        .join(Pathway, Pathway.id == Contract.pathway_id)
        .where(Pathway.platform_id == platform.id)
        .group_by(Contract.pathway_id)
        .subquery("latest_contract")
    )
    band = age_band(age_at(summary.c.date_entree, Person.birth_date))
    return (
        sa.select(
            Person.id.label("person_id"),
            Person.last_name,
            Person.first_name,
            Person.birth_date,
            Person.france_travail_id,
            *[column.label(code) for code, column in PUBLIC_FLAGS.items()],
            band.label("band"),
            Person.sex,
            Person.diploma_level,
            Pathway.prescriber_type,
            Territory.name.label("territory"),
            *[summary.c[name] for name in STEP_COLUMNS],
            summary.c.immersions,
            summary.c.date_fin,
            Pathway.state,
            summary.c.reason,
            Contract.contract_type,
            Contract.cdd_months,
            Contract.employer_type,
            Contract.job_code,
            Checkpoint.still_in_post,
        )
        .select_from(summary)
        .join(Pathway, Pathway.id == summary.c.pathway_id)
        .join(Person, Person.id == Pathway.person_id)
        .outerjoin(Territory, Territory.id == Pathway.territory_id)
        .outerjoin(latest_contract, latest_contract.c.pathway_id == Pathway.id)
        .outerjoin(Contract, Contract.id == latest_contract.c.contract_id)
        .outerjoin(Checkpoint, sa.and_(Checkpoint.contract_id == Contract.id, Checkpoint.month == 6))
        .order_by(summary.c.date_entree, Pathway.id)
    )


def _label(enum: Any, value: Any) -> str | None:
    return None if value is None else enum(value).label


def cohort_rows(
    session: Session, platform: Platform, start: date | None, end: date | None, *, identified: bool
) -> Iterator[list[Any]]:
    """The cohort rows, streamed from the database."""
    pseudonym = pseudonymiser()
    result = session.execute(cohort_query(platform, start, end).execution_options(yield_per=STREAM_BATCH))
    for number, row in enumerate(result, 1):
        state = State(row.state)
        if state is State.COMPLETED:
            outcome = "Parcours terminé"
        elif state is State.EXITED:
            outcome = "Sortie anticipée"
        else:
            outcome = "En cours"
        youth = row.band == "<26"
        values: list[Any] = []
        if identified:
            values += [row.last_name, row.first_name, row.birth_date, row.france_travail_id]
        values += [
            pseudonym(row.person_id),
            number,
            *[bool(getattr(row, code)) for code in PUBLIC_FLAGS],
            youth,
            row.band,
            None if row.sex is None else Sex(row.sex).value,
            None if row.diploma_level is None else DiplomaLevel(row.diploma_level).value,
            None if row.prescriber_type is None else PrescriberType(row.prescriber_type).value,
            row.territory,
            *[getattr(row, name) for name in STEP_COLUMNS],
            row.immersions,
            row.date_fin,
            state.label,
            outcome,
            None if row.reason is None else ExitReason(row.reason).label,
            _label(ContractType, row.contract_type),
            row.cdd_months,
            _label(EmployerType, row.employer_type),
            row.job_code,
            row.still_in_post,
        ]
        yield values


def columns(identified: bool) -> list[Column]:
    return (IDENTITY_COLUMNS if identified else []) + COLUMNS


def check_identified(actor: User | None, identified: bool) -> None:
    """Only a manager gets names; the command line (no actor) is the server's operator."""
    if identified and actor is not None and actor.role is not Role.MANAGER:
        raise CohortRefused(CohortRefused.message)


def write_cohort_sheet(
    book: WorkbookWriter,
    session: Session,
    platform: Platform,
    start: date | None,
    end: date | None,
    *,
    identified: bool,
) -> int:
    sheet = book.sheet("Cohorte", columns(identified))
    # Counting costs a pass over the events: only worth it for a progress bar.
    total = cohort_count(session, platform, start, end) if in_job() else None
    report_progress(0, total, PROGRESS_LABEL)
    for values in cohort_rows(session, platform, start, end, identified=identified):
        sheet.append(values)
        if sheet.rows % PROGRESS_EVERY == 0:
            report_progress(sheet.rows, total, PROGRESS_LABEL)
    report_progress(sheet.rows, total, "Enregistrement du classeur")
    return sheet.rows


def write_cohort(
    session: Session,
    platform: Platform,
    target: str | Path | IO[bytes],
    *,
    actor: User | None,
    start: date | None = None,
    end: date | None = None,
    identified: bool = False,
) -> int:
    """The cohort workbook; returns the number of rows, recorded in the audit trail."""
    check_identified(actor, identified)
    book = WorkbookWriter()
    rows = write_cohort_sheet(book, session, platform, start, end, identified=identified)
    book.save(target)
    audit.record(
        session,
        actor,
        "export.cohort_identified" if identified else "export.cohort",
        object_type="platform",
        object_id=platform.id,
        platform_id=platform.id,
        details={
            "start": start.isoformat() if start else None,
            "end": end.isoformat() if end else None,
            "rows": rows,
            "identified": identified,
        },
    )
    return rows


__all__ = ["AGE_BANDS", "CohortRefused", "cohort_rows", "write_cohort"]
