"""The cohort export: one row per pathway, pseudonymised by default.

A pseudonymised row has no name, no contact, no birth date (an age band at
entry instead), no free text (comments, notes, diagnostics, frein details)
and no health data (freins are not in it at all). The person is shown as a
pseudonym: an HMAC of the person's id under a key drawn at random for each
export and never kept, so one person's pathways share a pseudonym within an
export while two exports cannot be linked with each other.

A pseudonymised cohort is also k-anonymous (issue 9): every combination of
its quasi-identifiers (age band, sex, territory, entry date, RQTH, RSA)
counts at least ``K_ANONYMITY`` rows. Dates are given to the month (to the
quarter or the year if that is not enough), territories with fewer rows are
merged, age bands widened, and the few rows still in a rarer combination get
``*`` for their quasi-identifiers and dates. The ``Notes`` sheet says which
generalisation was applied and the k reached.

The identified version adds the name, first name, birth date and France
Travail identifier, with exact dates; only managers may ask for it, and it is
recorded in the audit trail like every export.

The rows come from one grouped query over the events (the date of each
step), joined to the person, the territory and the pathway's latest contract
with its 6-month checkpoint, streamed with ``yield_per``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
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


K_ANONYMITY = 5
QUASI_IDENTIFIERS = ("tranche_age", "sexe", "territoire", "date_entree", "rqth", "brsa")
SUPPRESSED = "*"
OTHER_TERRITORIES = "Autres territoires"
ALL_TERRITORIES = "Tous territoires"
# Rows a generalisation may suppress before the next, coarser one is preferred.
SUPPRESSION_SHARE = 0.05
# From the finest to the coarsest: (date granularity, age bands widened, territories merged).
LEVELS: tuple[tuple[str, int, bool], ...] = (
    ("month", 0, False),
    ("quarter", 0, False),
    ("year", 0, False),
    ("year", 1, False),
    ("year", 2, False),
    ("year", 2, True),
)
LEVEL_LABELS = {"month": "au mois", "quarter": "au trimestre", "year": "à l'année"}
WIDER_BANDS = ({}, {"45-54": "45+", "55+": "45+"}, {"26-44": "26+", "45-54": "26+", "55+": "26+"})
BAND_NOTES = ("Non regroupées.", "45-54 et 55+ regroupées (45+).", "26 ans et plus regroupés (26+).")

# (age band, sex, territory, (year, month) of entry, RQTH, RSA)
BaseKey = tuple[Any, Any, Any, tuple[int, int] | None, bool, bool]


def period_of(day: date | None, granularity: str) -> str | None:
    if day is None:
        return None
    if granularity == "month":
        return f"{day.year}-{day.month:02d}"
    if granularity == "quarter":
        return f"{day.year}-T{(day.month - 1) // 3 + 1}"
    return str(day.year)


@dataclass
class Generalisation:
    """How a pseudonymised cohort's quasi-identifiers are generalised, and the k reached."""

    granularity: str = "month"
    wider_bands: int = 0
    merge_all_territories: bool = False
    merged_territories: frozenset[str | None] = frozenset()
    suppressed: frozenset[tuple[Any, ...]] = frozenset()
    rows: int = 0
    suppressed_rows: int = 0
    k: int | None = None

    def key(self, base: BaseKey) -> tuple[Any, ...]:
        band, sex, territory, month, rqth, rsa = base
        band = WIDER_BANDS[self.wider_bands].get(band, band)
        if self.merge_all_territories:
            territory = ALL_TERRITORIES
        elif territory in self.merged_territories:
            territory = OTHER_TERRITORIES
        entry = None if month is None else period_of(date(month[0], month[1], 1), self.granularity)
        return band, sex, territory, entry, rqth, rsa

    def notes(self) -> list[list[Any]]:
        k_text = f"{self.k} (objectif : {K_ANONYMITY})" if self.k is not None else "sans objet (aucune ligne)"
        return [
            ["k-anonymat atteint", k_text],
            [
                "Sens",
                f"Chaque combinaison des quasi-identifiants compte au moins k lignes "
                f"({', '.join(QUASI_IDENTIFIERS)}).",
            ],
            ["Dates", f"Toutes les dates sont données {LEVEL_LABELS[self.granularity]}."],
            [
                "Tranches d'âge",
                BAND_NOTES[self.wider_bands],
            ],
            [
                "Territoires",
                "Tous regroupés."
                if self.merge_all_territories
                else f"{len(self.merged_territories)} territoire(s) de moins de {K_ANONYMITY} lignes "
                f"regroupé(s) en « {OTHER_TERRITORIES} ».",
            ],
            [
                "Lignes masquées",
                f"{self.suppressed_rows} ligne(s) sur {self.rows} : quasi-identifiants et dates remplacés "
                f"par « {SUPPRESSED} » (combinaisons trop rares).",
            ],
            ["Version nominative", "Non généralisée ; réservée aux responsables, tracée au journal d'audit."],
        ]


def _base_key(row: Any) -> BaseKey:
    entry = row.date_entree
    return (
        row.band,
        None if row.sex is None else Sex(row.sex).value,
        row.territory,
        None if entry is None else (entry.year, entry.month),
        bool(row.rqth),
        bool(row.brsa),
    )


def plan_generalisation(
    session: Session, platform: Platform, start: date | None, end: date | None, k: int = K_ANONYMITY
) -> Generalisation:
    """The finest generalisation that leaves every combination of quasi-identifiers ≥ ``k`` rows.

    One light pass counts the rows per finest combination; each level of
    ``LEVELS`` is judged on those counts (no row kept in memory). The first
    level that needs to suppress at most ``SUPPRESSION_SHARE`` of the rows
    (and at least allows ``k``) wins; the coarsest one otherwise.
    """
    query = cohort_query(platform, start, end)
    wanted = {"band", "sex", "territory", "date_entree", "rqth", "brsa"}
    light = query.with_only_columns(*[c for c in query.selected_columns if c.key in wanted])
    base_counts: Counter[BaseKey] = Counter(
        _base_key(row) for row in session.execute(light.execution_options(yield_per=STREAM_BATCH))
    )
    rows = sum(base_counts.values())
    by_territory: Counter[Any] = Counter()
    for base, n in base_counts.items():
        by_territory[base[2]] += n
    small = frozenset(t for t, n in by_territory.items() if n < k)
    chosen = Generalisation(rows=rows)
    for granularity, wider, merge_all in LEVELS:
        candidate = Generalisation(granularity, wider, merge_all, small, rows=rows)
        counts: Counter[tuple[Any, ...]] = Counter()
        for base, n in base_counts.items():
            counts[candidate.key(base)] += n
        rare = sorted(((n, key) for key, n in counts.items() if n < k), key=lambda item: item[0])
        suppressed_rows = sum(n for n, _ in rare)
        if 0 < suppressed_rows < k:
            # The suppressed rows form a class of their own: make it k strong too.
            for n, key in sorted(((n, key) for key, n in counts.items() if n >= k), key=lambda i: i[0]):
                if suppressed_rows >= k:
                    break
                rare.append((n, key))
                suppressed_rows += n
        kept = [n for key, n in counts.items() if key not in {key for _, key in rare}]
        classes = kept + ([suppressed_rows] if suppressed_rows else [])
        candidate.suppressed = frozenset(key for _, key in rare)
        candidate.suppressed_rows = suppressed_rows
        candidate.k = min(classes) if classes else None
        chosen = candidate
        if suppressed_rows <= max(k, rows * SUPPRESSION_SHARE):
            break
    return chosen


def cohort_rows(
    session: Session,
    platform: Platform,
    start: date | None,
    end: date | None,
    *,
    identified: bool,
    generalisation: Generalisation | None = None,
) -> Iterator[list[Any]]:
    """The cohort rows, streamed from the database.

    Pseudonymised rows are generalised as ``generalisation`` says (planned
    here when not given): periods instead of dates, merged territories and
    bands, ``*`` for the rare combinations.
    """
    pseudonym = pseudonymiser()
    if not identified and generalisation is None:
        generalisation = plan_generalisation(session, platform, start, end)
    result = session.execute(cohort_query(platform, start, end).execution_options(yield_per=STREAM_BATCH))
    for number, row in enumerate(result, 1):
        if not identified and generalisation is not None:
            yield _generalised_row(row, number, pseudonym, generalisation)
            continue
        state = State(row.state)
        outcome = _outcome(state)
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


def _outcome(state: State) -> str:
    if state is State.COMPLETED:
        return "Parcours terminé"
    if state is State.EXITED:
        return "Sortie anticipée"
    return "En cours"


def _generalised_row(row: Any, number: int, pseudonym: Any, plan: Generalisation) -> list[Any]:
    """One pseudonymised row: dates as periods, quasi-identifiers generalised or suppressed."""
    band, sex, territory, entry, rqth, rsa = plan.key(_base_key(row))
    hidden = (band, sex, territory, entry, rqth, rsa) in plan.suppressed
    flags = [bool(getattr(row, code)) for code in PUBLIC_FLAGS]
    if hidden:
        flags = [
            SUPPRESSED if code in ("rqth", "brsa") else flag
            for code, flag in zip(PUBLIC_FLAGS, flags, strict=True)
        ]
        band = sex = territory = SUPPRESSED
    state = State(row.state)

    def when(day: date | None) -> str | None:
        if day is None:
            return None
        return SUPPRESSED if hidden else period_of(day, plan.granularity)

    return [
        pseudonym(row.person_id),
        number,
        *flags,
        SUPPRESSED if hidden else row.band == "<26",
        band,
        sex,
        None if row.diploma_level is None else DiplomaLevel(row.diploma_level).value,
        None if row.prescriber_type is None else PrescriberType(row.prescriber_type).value,
        territory,
        *[when(getattr(row, name)) for name in STEP_COLUMNS],
        row.immersions,
        when(row.date_fin),
        state.label,
        _outcome(state),
        None if row.reason is None else ExitReason(row.reason).label,
        _label(ContractType, row.contract_type),
        row.cdd_months,
        _label(EmployerType, row.employer_type),
        row.job_code,
        row.still_in_post,
    ]


# The pseudonymised cohort gives periods ("2025-03", "2025-T1", "2025"), not dates.
PSEUDONYMISED_COLUMNS = [
    Column(column.header, Kind.TEXT, width=column.width) if column.kind is Kind.DATE else column
    for column in COLUMNS
]
NOTES_COLUMNS = [Column("rubrique", width=24), Column("valeur", width=100)]


def columns(identified: bool) -> list[Column]:
    return IDENTITY_COLUMNS + COLUMNS if identified else PSEUDONYMISED_COLUMNS


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
    plan = None if identified else plan_generalisation(session, platform, start, end)
    sheet = book.sheet("Cohorte", columns(identified))
    # The generalisation's plan counts the rows; the identified export counts
    # them for a job's progress bar only (a pass over the events).
    total = (
        plan.rows if plan is not None else (cohort_count(session, platform, start, end) if in_job() else None)
    )
    report_progress(0, total, PROGRESS_LABEL)
    for values in cohort_rows(session, platform, start, end, identified=identified, generalisation=plan):
        sheet.append(values)
        if sheet.rows % PROGRESS_EVERY == 0:
            report_progress(sheet.rows, total, PROGRESS_LABEL)
    if plan is not None:
        book.sheet("Notes cohorte", NOTES_COLUMNS).extend(plan.notes())
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
