"""The common indicators of the bilan, computed from the pathway events.

Every indicator of ``indicators.md`` is computed for one platform and a period
[start, end] (both days included) from the events' ``occurred_on`` dates and
the dated records (sessions, diagnostics, checkpoints, freins), never from
the cached current state: the same period gives the same numbers whenever the
bilan is produced.

The work is done by the database: one pass over the platform's events,
grouped by pathway (``pathway_summary``), gives each pathway's flags (entered,
accompanied, access to training or a job, positive exit) and first dates;
the breakdowns group that summary by the person's attributes; the other
counts are plain aggregates. Python only adds up a few hundred grouped rows.

Interpretation choices (where indicators.md leaves room):

- ``accompanied``: an event *into* one of the accompaniment states dated on or
  before ``end`` (a ``resume`` into one counts, it can only return to a state
  already entered), and no event into ``completed``/``exited`` dated before
  ``start``.
- ``info_session_attendees``: distinct persons marked present at a session of
  the platform held in the period (registered but not marked: not counted).
- ``barriers_resolved``: distinct freins with a status change to ``resolved``
  dated in the period, by the frein's category.
- ``training_certified`` / ``training_partial``: training records of the
  platform whose ``ends_on`` is in the period, with result ``obtained`` /
  ``partial``.
- ``training_dropout_rate``: ``training_dropouts`` (``exit`` events from
  ``training`` in the period) over the distinct pathways that were in the
  ``training`` state at some time in the period: an event into ``training``
  on or before ``end`` whose next event (if any) is on or after ``start``.
  Leaving on ``start`` itself counts as having been in training then, so a
  dropout is always within its denominator.
- medians: over the qualifying pathways, the days from the first event
  (``refer``) to the first ``start_training`` / ``sign_contract`` of the
  pathway when that first one is in the period; the usual median (mean of the
  two middle values for an even count), blank when no pathway qualifies. The
  day counts are also kept as a histogram (sheet ``Délais``) so that a
  national median can be recomputed exactly from several platforms' files.
- contracts: the contract created by each ``sign_contract`` event of the
  period (the event's ``contract_id``), so a contract counts at its
  signature date, not at its start date. A ``cdd`` of 12 months or more is
  ``cdd_12m_plus``, shorter ``cdd_under_12m``. ``contracts_share_home_care``:
  those whose employer type at signature is ``saad``, over
  ``contracts_signed``. ``jobs.<ROME>`` rows are listed for the jobs with at
  least one contract in the period.
- ``checkpoints_6_months_missing``: 6-month checkpoints due in the period not
  recorded by ``end`` (recorded later, or never). Checkpoints of pathways
  that exited before the due date are counted as well: the definition counts
  contracts, and a missing answer is what the manager has to chase.
- breakdowns: over the accompanied pathways. Age at entry is the age on the
  date of the ``refer`` event; ``youth`` is under 26 then. Diploma levels 5
  to 8 are ``5+``. A missing sex, diploma, prescriber or territory is shown
  as ``non_renseigne``. A rate is blank (``None``) when its denominator is 0.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session

from pathways.models import (
    Barrier,
    BarrierStatusChange,
    Checkpoint,
    Contract,
    Diagnostic,
    InfoSession,
    InfoSessionAttendance,
    OrientationWeek,
    Pathway,
    PathwayEvent,
    Person,
    Platform,
    Territory,
    Training,
)
from pathways.states import ExitReason, State, Trigger
from pathways.vocabulary import (
    BarrierCategory,
    BarrierStatus,
    ContractType,
    EmployerType,
    PrescriberType,
    PublicCategory,
    Sex,
    TrainingResult,
)

ACCOMPANIMENT_STATES = (
    State.ORIENTATION,
    State.REINFORCEMENT,
    State.IMMERSION,
    State.TRAINING,
    State.EMPLOYMENT,
    State.FOLLOW_UP,
)
TERMINAL_STATES = (State.COMPLETED, State.EXITED)
POSITIVE_EXIT_REASONS = tuple(r.value for r in ExitReason if r.is_positive)
NOT_GIVEN = "non_renseigne"
NOT_GIVEN_LABEL = "Non renseigné"

CONTRACT_CODES: dict[str, str] = {
    "cdi": "CDI",
    "cdd_12m_plus": "CDD de 12 mois ou plus",
    "cdd_under_12m": "CDD de moins de 12 mois",
    "interim": "Intérim",
    "apprenticeship": "Contrat d'apprentissage",
    "professionalisation": "Contrat de professionnalisation",
    "other": "Autre contrat",
}
AGE_BANDS: dict[str, str] = {
    "<26": "Moins de 26 ans",
    "26-44": "26 à 44 ans",
    "45-54": "45 à 54 ans",
    "55+": "55 ans et plus",
}
DIPLOMA_GROUPS: dict[str, str] = {
    "infra3": "Infra 3 (sans diplôme, CFG, brevet)",
    "3": "Niveau 3 (CAP, BEP)",
    "4": "Niveau 4 (baccalauréat)",
    "5+": "Niveau 5 et plus (bac + 2 et au-delà)",
}

# Fixed codes of the Synthèse, in the order of indicators.md, with their labels.
LABELS: dict[str, str] = {
    "entries": "Entrées dans la période",
    "accompanied": "Personnes accompagnées",
    "info_sessions_held": "Informations collectives tenues",
    "info_session_attendees": "Personnes présentes aux informations collectives",
    "orientation_weeks_held": "Semaines du pôle orientation démarrées",
    "orientation_entrants": "Entrées en pôle orientation",
    "projects_validated": "Projets professionnels validés (diagnostic)",
    "immersions_started": "PMSMP démarrées",
    "trainings_started": "Entrées en formation qualifiante",
    "contracts_signed": "Contrats de travail signés",
    "barriers_identified": "Freins identifiés",
    "barriers_resolved": "Freins levés",
    "access_training_or_job": "Accompagnés ayant accédé à une formation ou à un emploi",
    "access_rate": "Taux d'accès à la formation ou à l'emploi",
    "positive_exits": "Sorties positives",
    "training_certified": "Formations terminées avec certification obtenue",
    "training_partial": "Formations terminées avec certification partielle",
    "training_dropouts": "Abandons en cours de formation",
    "training_dropout_rate": "Taux d'abandon en formation",
    "median_days_to_training": "Délai médian entrée → formation (jours)",
    "median_days_to_contract": "Délai médian entrée → contrat (jours)",
    "contracts_share_home_care": "Part des contrats dans l'aide à domicile (SAAD)",
    "in_post_6_months": "En poste au point de suivi à 6 mois",
    "retention_6_months_rate": "Taux de maintien en poste à 6 mois",
    "checkpoints_6_months_missing": "Points de suivi à 6 mois manquants",
}
# Rates: (numerator, denominator) as keys of the raw counts. Keys starting
# with "_" are not rows of the Synthèse: a national merge recovers them from a
# rate's value and denominator (round(value × denominator) is exact).
RATES: dict[str, tuple[str, str]] = {
    "access_rate": ("access_training_or_job", "accompanied"),
    "training_dropout_rate": ("training_dropouts", "_in_training"),
    "contracts_share_home_care": ("_home_care_contracts", "contracts_signed"),
    "retention_6_months_rate": ("in_post_6_months", "_checkpoints_6_recorded"),
}
MEDIAN_CODES = {"median_days_to_training": "training", "median_days_to_contract": "contract"}


def rate_terms(code: str) -> tuple[str, str] | None:
    """The raw numerator and denominator keys of a rate code, or None if not a rate."""
    if code.startswith("jobs_share."):
        return "jobs." + code.removeprefix("jobs_share."), "contracts_signed"
    return RATES.get(code)


def is_rate(code: str) -> bool:
    return rate_terms(code) is not None


@dataclass(frozen=True)
class Indicator:
    """One row of the Synthèse: the value, and the denominator when it is a rate."""

    code: str
    label: str
    value: float | int | None
    denominator: int | None = None

    @property
    def is_rate(self) -> bool:
        return is_rate(self.code)


@dataclass(frozen=True)
class BreakdownRow:
    code: str
    label: str
    accompanied: int
    access: int

    @property
    def rate(self) -> float | None:
        return ratio(self.access, self.accompanied)


@dataclass
class Bilan:
    """Everything the bilan workbook shows, for one platform (or the national sum)."""

    platform_slug: str
    platform_name: str
    start: date
    end: date
    indicators: list[Indicator]
    breakdowns: dict[str, list[BreakdownRow]]
    delays: dict[str, Counter[int]] = field(default_factory=dict)

    def value(self, code: str) -> float | int | None:
        return self.by_code()[code].value

    def by_code(self) -> dict[str, Indicator]:
        return {indicator.code: indicator for indicator in self.indicators}


BREAKDOWN_TITLES: dict[str, str] = {
    "publics": "Public",
    "sexe": "Sexe",
    "age": "Âge à l'entrée",
    "diplome": "Niveau de diplôme",
    "prescripteur": "Prescripteur",
    "territoire": "Territoire",
}


def ratio(numerator: int, denominator: int | None) -> float | None:
    if not denominator:
        return None
    return numerator / denominator


def median_of(histogram: Counter[int]) -> float | None:
    """The median of a {days: number of pathways} histogram."""
    if not histogram:
        return None
    values: list[int] = []
    for days in sorted(histogram):
        values.extend([days] * histogram[days])
    return float(statistics.median(values))


# --- SQL building blocks ----------------------------------------------------


def _flag(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.max(sa.case((condition, 1), else_=0))


def _first(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[date]:
    return sa.func.min(sa.case((condition, PathwayEvent.occurred_on), else_=None))


def event_reason() -> sa.ColumnElement[str]:
    return PathwayEvent.details["reason"].as_string()


def event_contract_id() -> sa.ColumnElement[int]:
    return PathwayEvent.details["contract_id"].as_integer()


def pathway_summary(platform_ids: list[int], start: date, end: date) -> sa.Subquery:
    """One row per pathway of the platform: its flags for the period and its first dates."""
    in_period = PathwayEvent.occurred_on.between(start, end)
    trigger = PathwayEvent.trigger
    return (
        sa.select(
            PathwayEvent.pathway_id.label("pathway_id"),
            _first(trigger == Trigger.REFER).label("entry_on"),
            _flag(sa.and_(trigger == Trigger.REFER, in_period)).label("entered"),
            _flag(
                sa.and_(PathwayEvent.to_state.in_(ACCOMPANIMENT_STATES), PathwayEvent.occurred_on <= end)
            ).label("reached"),
            _flag(
                sa.and_(PathwayEvent.to_state.in_(TERMINAL_STATES), PathwayEvent.occurred_on < start)
            ).label("ended_before"),
            _flag(sa.and_(trigger.in_((Trigger.START_TRAINING, Trigger.SIGN_CONTRACT)), in_period)).label(
                "access"
            ),
            # Nested CASE: the JSON reason is only read on exit events of the period.
            sa.func.max(
                sa.case(
                    (sa.and_(trigger == Trigger.SIGN_CONTRACT, in_period), 1),
                    (
                        sa.and_(trigger == Trigger.EXIT, in_period),
                        sa.case((event_reason().in_(POSITIVE_EXIT_REASONS), 1), else_=0),
                    ),
                    else_=0,
                )
            ).label("positive"),
            _first(trigger == Trigger.START_TRAINING).label("first_training_on"),
            _first(trigger == Trigger.SIGN_CONTRACT).label("first_contract_on"),
        )
        .join(Pathway, Pathway.id == PathwayEvent.pathway_id)
        .where(Pathway.platform_id.in_(platform_ids))
        .group_by(PathwayEvent.pathway_id)
        .subquery("summary")
    )


class DaysBetween(sa.sql.functions.FunctionElement[int]):
    """Whole days from ``earlier`` to ``later`` (PostgreSQL subtracts dates; SQLite needs julianday)."""

    type = sa.Integer()
    inherit_cache = True
    name = "days_between"


@compiles(DaysBetween)
def _days_between(element: DaysBetween, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


@compiles(DaysBetween, "sqlite")
def _days_between_sqlite(element: DaysBetween, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    later_sql, earlier_sql = compiler.process(later, **kw), compiler.process(earlier, **kw)
    return f"CAST(julianday({later_sql}) - julianday({earlier_sql}) AS INTEGER)"


def delay_days(first_on: Any, entry_on: Any, start: date, end: date) -> sa.ColumnElement[int]:
    """Days from entry to ``first_on`` when ``first_on`` is in the period, else NULL."""
    return sa.case((first_on.between(start, end), DaysBetween(first_on, entry_on)), else_=None)


def age_at(day: sa.ColumnElement[date], birth: sa.ColumnElement[date]) -> sa.ColumnElement[int]:
    """Whole years between ``birth`` and ``day``, in SQL both databases run."""
    day_of_year = sa.extract("month", day) * 100 + sa.extract("day", day)
    birth_of_year = sa.extract("month", birth) * 100 + sa.extract("day", birth)
    years = (
        sa.extract("year", day)
        - sa.extract("year", birth)
        - sa.case((day_of_year < birth_of_year, 1), else_=0)
    )
    # Integer arithmetic: PostgreSQL's EXTRACT returns numeric, slower to compare.
    return sa.cast(years, sa.Integer)


def age_band(age: sa.ColumnElement[int]) -> sa.ColumnElement[str]:
    return sa.case((age < 26, "<26"), (age < 45, "26-44"), (age < 55, "45-54"), else_="55+")


def diploma_group() -> sa.ColumnElement[str]:
    return sa.case(
        (Person.diploma_level.is_(None), NOT_GIVEN),
        (Person.diploma_level.in_(["5", "6", "7", "8"]), "5+"),
        else_=sa.cast(Person.diploma_level, sa.String),
    )


PUBLIC_COLUMNS: dict[str, Any] = {
    "de": Person.is_job_seeker,
    "brsa": Person.is_rsa_beneficiary,
    "reconversion": Person.is_reconversion,
    "rqth": Person.is_rqth,
    "bpi": Person.is_bpi,
    "qpv": Person.is_qpv_resident,
    "zrr": Person.is_zrr_resident,
}


# --- the computation --------------------------------------------------------


def compute_bilan(
    session: Session, platforms: Platform | Sequence[Platform], start: date, end: date
) -> Bilan:
    """Every indicator and breakdown of ``platforms`` (one, or several summed) for [start, end]."""
    if end < start:
        raise ValueError("end before start")
    chosen = [platforms] if isinstance(platforms, Platform) else list(platforms)
    ids = [platform.id for platform in chosen]
    raw: Counter[str] = Counter()

    # Populations and breakdowns: one grouped pass over the per-pathway summary.
    summary = pathway_summary(ids, start, end)
    accompanied = sa.and_(summary.c.reached == 1, summary.c.ended_before == 0)
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        # The breakdowns group tens of thousands of rows: keep the grouping in
        # memory (hash) instead of PostgreSQL's default 4 MB and a sort on disk.
        # SET LOCAL lasts until the end of the current transaction only.
        session.execute(sa.text("SET LOCAL work_mem = '64MB'"))

    def key(text: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
        # PostgreSQL sorts group keys with the database's linguistic collation,
        # several times slower than bytes; grouping only needs equality.
        return sa.collate(text, "C") if bind.dialect.name == "postgresql" else text

    band = key(age_band(age_at(summary.c.entry_on, Person.birth_date))).label("band")
    dims = [
        key(sa.func.coalesce(sa.cast(Person.sex, sa.String), NOT_GIVEN)).label("sex"),
        band,
        key(diploma_group()).label("diploma"),
        key(sa.func.coalesce(sa.cast(Pathway.prescriber_type, sa.String), NOT_GIVEN)).label("prescriber"),
        key(sa.func.coalesce(Territory.name, NOT_GIVEN)).label("territory"),
        *[column.label(code) for code, column in PUBLIC_COLUMNS.items()],
        sa.case((accompanied, 1), else_=0).label("accompanied"),
        summary.c.access,
        # The delays behind the medians ride along in the same pass (NULL for most pathways).
        delay_days(summary.c.first_training_on, summary.c.entry_on, start, end).label("training_days"),
        delay_days(summary.c.first_contract_on, summary.c.entry_on, start, end).label("contract_days"),
    ]
    grouped = session.execute(
        sa.select(
            *dims,
            sa.func.count().label("n"),
            sa.func.sum(summary.c.entered).label("entered"),
            sa.func.sum(summary.c.positive).label("positive"),
        )
        .select_from(summary)
        .join(Pathway, Pathway.id == summary.c.pathway_id)
        .join(Person, Person.id == Pathway.person_id)
        .outerjoin(Territory, Territory.id == Pathway.territory_id)
        .group_by(*[d.element if isinstance(d, sa.Label) else d for d in dims])
    ).all()

    breakdowns: dict[str, dict[str, list[int]]] = {name: {} for name in BREAKDOWN_TITLES}
    delays: dict[str, Counter[int]] = {"training": Counter(), "contract": Counter()}
    for row in grouped:
        if row.training_days is not None:
            delays["training"][int(row.training_days)] += int(row.n)
        if row.contract_days is not None:
            delays["contract"][int(row.contract_days)] += int(row.n)
        raw["entries"] += int(row.entered or 0)
        raw["positive_exits"] += int(row.positive or 0)
        if not row.accompanied:
            continue
        n = int(row.n)
        reached = n if row.access else 0
        raw["accompanied"] += n
        raw["access_training_or_job"] += reached
        keys = {
            "publics": [code for code in PUBLIC_COLUMNS if getattr(row, code)]
            + (["youth"] if row.band == "<26" else []),
            "sexe": [row.sex],
            "age": [row.band],
            "diplome": [row.diploma],
            "prescripteur": [row.prescriber],
            "territoire": [row.territory],
        }
        for name, modalities in keys.items():
            for modality in modalities:
                cell = breakdowns[name].setdefault(modality, [0, 0])
                cell[0] += n
                cell[1] += reached

    events = _event_counts(session, ids, start, end)
    raw["orientation_entrants"] = events[Trigger.START_ORIENTATION]
    raw["immersions_started"] = events[Trigger.START_IMMERSION]
    raw["trainings_started"] = events[Trigger.START_TRAINING]
    raw["contracts_signed"] = events[Trigger.SIGN_CONTRACT]
    raw["info_sessions_held"], raw["info_session_attendees"] = _info_sessions(session, ids, start, end)
    raw["orientation_weeks_held"] = _count(
        session, OrientationWeek, ids, OrientationWeek.starts_on, start, end
    )
    raw["projects_validated"] = session.scalar(
        sa.select(sa.func.count())
        .select_from(Diagnostic)
        .join(Pathway, Pathway.id == Diagnostic.pathway_id)
        .where(
            Pathway.platform_id.in_(ids),
            Diagnostic.project_validated.is_(True),
            Diagnostic.written_on.between(start, end),
        )
    )
    identified, resolved = _barriers(session, ids, start, end)
    for category in BarrierCategory:
        raw[f"barriers_identified.{category.value}"] = identified[category.value]
        raw[f"barriers_resolved.{category.value}"] = resolved[category.value]
    results = _training_results(session, ids, start, end)
    raw["training_certified"] = results[TrainingResult.OBTAINED.value]
    raw["training_partial"] = results[TrainingResult.PARTIAL.value]
    exits, raw["training_dropouts"] = _exits(session, ids, start, end)
    raw["_in_training"] = _in_training(session, ids, start, end)
    for reason in ExitReason:
        raw[f"exits.{reason.value}"] = exits[reason.value]
    for contract_type, long_cdd, employer_type, job_code, n in _contracts(session, ids, start, end):
        code = ContractType(contract_type).value
        if code == ContractType.CDD.value:
            code = "cdd_12m_plus" if long_cdd else "cdd_under_12m"
        raw[f"contracts.{code}"] += n
        if EmployerType(employer_type) is EmployerType.SAAD:
            raw["_home_care_contracts"] += n
        raw[f"jobs.{job_code}"] += n
    raw["in_post_6_months"], raw["_checkpoints_6_recorded"], raw["checkpoints_6_months_missing"] = (
        _checkpoints(session, ids, start, end)
    )

    territories = session.scalars(
        sa.select(Territory.name).where(Territory.platform_id.in_(ids)).order_by(Territory.name)
    ).all()
    first = chosen[0]
    return Bilan(
        first.slug if len(chosen) == 1 else NATIONAL_SLUG,
        first.name if len(chosen) == 1 else national_name(len(chosen)),
        start,
        end,
        assemble(raw, delays),
        assemble_breakdowns(breakdowns, territories),
        delays,
    )


NATIONAL_SLUG = "national"


def national_name(count: int) -> str:
    return f"Total national ({count} plateforme{'s' if count > 1 else ''})"


def assemble(raw: Counter[str], delays: dict[str, Counter[int]]) -> list[Indicator]:
    """The Synthèse rows, in the order of indicators.md, from raw counts and delay histograms.

    Rates and totals are always derived here from summed numerators and
    denominators, which is what makes a national merge exact.
    """
    indicators: list[Indicator] = []

    def add(code: str) -> None:
        terms = rate_terms(code)
        if terms is not None:
            numerator, denominator = terms
            value: float | int | None = ratio(raw[numerator], raw[denominator])
            indicators.append(Indicator(code, label_of(code), value, raw[denominator]))
        elif code in MEDIAN_CODES:
            indicators.append(
                Indicator(code, label_of(code), median_of(delays.get(MEDIAN_CODES[code], Counter())))
            )
        else:
            indicators.append(Indicator(code, label_of(code), raw[code]))

    raw["barriers_identified"] = sum(raw[f"barriers_identified.{c.value}"] for c in BarrierCategory)
    raw["barriers_resolved"] = sum(raw[f"barriers_resolved.{c.value}"] for c in BarrierCategory)
    for code in (
        "entries",
        "accompanied",
        "info_sessions_held",
        "info_session_attendees",
        "orientation_weeks_held",
        "orientation_entrants",
        "projects_validated",
        "immersions_started",
        "trainings_started",
        "contracts_signed",
    ):
        add(code)
    for prefix in ("barriers_identified", "barriers_resolved"):
        add(prefix)
        for category in BarrierCategory:
            add(f"{prefix}.{category.value}")
    for code in (
        "access_training_or_job",
        "access_rate",
        "positive_exits",
        "training_certified",
        "training_partial",
        "training_dropouts",
        "training_dropout_rate",
        "median_days_to_training",
        "median_days_to_contract",
    ):
        add(code)
    for reason in ExitReason:
        add(f"exits.{reason.value}")
    for code in CONTRACT_CODES:
        add(f"contracts.{code}")
    add("contracts_share_home_care")
    jobs = sorted(
        (key.removeprefix("jobs.") for key in raw if key.startswith("jobs.") and raw[key]),
        key=lambda job: (-raw[f"jobs.{job}"], job),
    )
    for job in jobs:
        add(f"jobs.{job}")
    for job in jobs:
        add(f"jobs_share.{job}")
    for code in ("in_post_6_months", "retention_6_months_rate", "checkpoints_6_months_missing"):
        add(code)
    return indicators


def assemble_breakdowns(
    counts: dict[str, dict[str, list[int]]], territories: Iterable[str] = ()
) -> dict[str, list[BreakdownRow]]:
    """Breakdown rows from {dimension: {modality: [accompanied, access]}}, fixed modalities first."""
    result = {}
    for dimension in BREAKDOWN_TITLES:
        cells = counts.get(dimension, {})
        codes = modalities_of(dimension, territories)
        codes += sorted(code for code in cells if code not in codes and code != NOT_GIVEN)
        if cells.get(NOT_GIVEN, [0])[0]:
            codes.append(NOT_GIVEN)
        result[dimension] = [
            BreakdownRow(code, modality_label(dimension, code), *cells.get(code, [0, 0])) for code in codes
        ]
    return result


def label_of(code: str) -> str:
    """The French label of an indicator code, suffixes included."""
    if code in LABELS:
        return LABELS[code]
    prefix, _, suffix = code.partition(".")
    if prefix in ("barriers_identified", "barriers_resolved"):
        return f"{LABELS[prefix]} : {BarrierCategory(suffix).label}"
    if prefix == "exits":
        return f"Sorties anticipées : {ExitReason(suffix).label}"
    if prefix == "contracts":
        return f"Contrats signés : {CONTRACT_CODES[suffix]}"
    if prefix == "jobs":
        return f"Contrats signés pour le métier {suffix}"
    if prefix == "jobs_share":
        return f"Part des contrats pour le métier {suffix}"
    return code


def modality_label(dimension: str, code: str) -> str:
    if code == NOT_GIVEN:
        return NOT_GIVEN_LABEL
    if dimension == "publics":
        return PublicCategory(code).label
    if dimension == "sexe":
        return Sex(code).label
    if dimension == "age":
        return AGE_BANDS[code]
    if dimension == "diplome":
        return DIPLOMA_GROUPS.get(code, code)
    if dimension == "prescripteur":
        return PrescriberType(code).label
    return code


def modalities_of(dimension: str, territories: Iterable[str] = ()) -> list[str]:
    """The modalities always shown for a dimension, zero or not (stable sheets)."""
    return {
        "publics": [c.value for c in PublicCategory],
        "sexe": [s.value for s in Sex],
        "age": list(AGE_BANDS),
        "diplome": list(DIPLOMA_GROUPS),
        "prescripteur": [p.value for p in PrescriberType],
        "territoire": list(territories),
    }[dimension]


def _count(session: Session, model: Any, ids: list[int], column: Any, start: date, end: date) -> int:
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(model)
        .where(model.platform_id.in_(ids), column.between(start, end))
    )


def _info_sessions(session: Session, ids: list[int], start: date, end: date) -> tuple[int, int]:
    held = _count(session, InfoSession, ids, InfoSession.held_on, start, end)
    attendees = session.scalar(
        sa.select(sa.func.count(sa.distinct(InfoSessionAttendance.person_id)))
        .join(InfoSession, InfoSession.id == InfoSessionAttendance.session_id)
        .where(
            InfoSession.platform_id.in_(ids),
            InfoSession.held_on.between(start, end),
            InfoSessionAttendance.present.is_(True),
        )
    )
    return held, attendees


def _event_counts(session: Session, ids: list[int], start: date, end: date) -> Counter[Trigger]:
    rows = session.execute(
        sa.select(PathwayEvent.trigger, sa.func.count())
        .join(Pathway, Pathway.id == PathwayEvent.pathway_id)
        .where(Pathway.platform_id.in_(ids), PathwayEvent.occurred_on.between(start, end))
        .group_by(PathwayEvent.trigger)
    ).all()
    return Counter({Trigger(trigger): n for trigger, n in rows})


def _exits(session: Session, ids: list[int], start: date, end: date) -> tuple[Counter[str], int]:
    # One expression object in SELECT and GROUP BY: PostgreSQL compares their bound parameters.
    reason = event_reason()
    rows = session.execute(
        sa.select(reason, PathwayEvent.from_state, sa.func.count())
        .join(Pathway, Pathway.id == PathwayEvent.pathway_id)
        .where(
            Pathway.platform_id.in_(ids),
            PathwayEvent.trigger == Trigger.EXIT,
            PathwayEvent.occurred_on.between(start, end),
        )
        .group_by(reason, PathwayEvent.from_state)
    ).all()
    by_reason: Counter[str] = Counter()
    dropouts = 0
    for reason, from_state, n in rows:
        by_reason[reason or ExitReason.OTHER.value] += n
        if from_state is State.TRAINING:
            dropouts += n
    return by_reason, dropouts


def _contracts(session: Session, ids: list[int], start: date, end: date) -> list[tuple[Any, ...]]:
    long_cdd = sa.case((Contract.cdd_months >= 12, 1), else_=0)
    return [
        tuple(row)
        for row in session.execute(
            sa.select(
                Contract.contract_type, long_cdd, Contract.employer_type, Contract.job_code, sa.func.count()
            )
            .select_from(PathwayEvent)
            .join(Pathway, Pathway.id == PathwayEvent.pathway_id)
            .join(Contract, Contract.id == event_contract_id())
            .where(
                Pathway.platform_id.in_(ids),
                PathwayEvent.trigger == Trigger.SIGN_CONTRACT,
                PathwayEvent.occurred_on.between(start, end),
            )
            .group_by(Contract.contract_type, long_cdd, Contract.employer_type, Contract.job_code)
        ).all()
    ]


def _in_training(session: Session, ids: list[int], start: date, end: date) -> int:
    following = sa.orm.aliased(PathwayEvent)
    return session.scalar(
        sa.select(sa.func.count(sa.distinct(PathwayEvent.pathway_id)))
        .join(Pathway, Pathway.id == PathwayEvent.pathway_id)
        .outerjoin(
            following,
            sa.and_(
                following.pathway_id == PathwayEvent.pathway_id,
                following.sequence == PathwayEvent.sequence + 1,
            ),
        )
        .where(
            Pathway.platform_id.in_(ids),
            PathwayEvent.to_state == State.TRAINING,
            PathwayEvent.occurred_on <= end,
            sa.or_(following.id.is_(None), following.occurred_on >= start),
        )
    )


def _training_results(session: Session, ids: list[int], start: date, end: date) -> Counter[str]:
    rows = session.execute(
        sa.select(Training.result, sa.func.count())
        .join(Pathway, Pathway.id == Training.pathway_id)
        .where(Pathway.platform_id.in_(ids), Training.ends_on.between(start, end))
        .group_by(Training.result)
    ).all()
    return Counter({TrainingResult(result).value: n for result, n in rows})


def _barriers(session: Session, ids: list[int], start: date, end: date) -> tuple[Counter[str], Counter[str]]:
    identified = session.execute(
        sa.select(Barrier.category, sa.func.count())
        .join(Pathway, Pathway.id == Barrier.pathway_id)
        .where(Pathway.platform_id.in_(ids), Barrier.identified_on.between(start, end))
        .group_by(Barrier.category)
    ).all()
    resolved = session.execute(
        sa.select(Barrier.category, sa.func.count(sa.distinct(Barrier.id)))
        .join(BarrierStatusChange, BarrierStatusChange.barrier_id == Barrier.id)
        .join(Pathway, Pathway.id == Barrier.pathway_id)
        .where(
            Pathway.platform_id.in_(ids),
            BarrierStatusChange.status == BarrierStatus.RESOLVED,
            BarrierStatusChange.changed_on.between(start, end),
        )
        .group_by(Barrier.category)
    ).all()
    return (
        Counter({BarrierCategory(c).value: n for c, n in identified}),
        Counter({BarrierCategory(c).value: n for c, n in resolved}),
    )


def _checkpoints(session: Session, ids: list[int], start: date, end: date) -> tuple[int, int, int]:
    six = sa.select(Checkpoint).join(Pathway, Pathway.id == Checkpoint.pathway_id)
    base = [Pathway.platform_id.in_(ids), Checkpoint.month == 6]
    recorded = session.execute(
        sa.select(Checkpoint.still_in_post, sa.func.count())
        .join(Pathway, Pathway.id == Checkpoint.pathway_id)
        .where(*base, Checkpoint.recorded_on.between(start, end))
        .group_by(Checkpoint.still_in_post)
    ).all()
    in_post = sum(n for still, n in recorded if still)
    total = sum(n for _still, n in recorded)
    missing = session.scalar(
        sa.select(sa.func.count()).select_from(
            six.where(
                *base,
                Checkpoint.due_on.between(start, end),
                sa.or_(Checkpoint.recorded_on.is_(None), Checkpoint.recorded_on > end),
            ).subquery()
        )
    )
    return in_post, total, missing
