"""The common indicators of the bilan: their codes, labels and levels, and their computation.

Every indicator of ``indicators.md`` is computed for one platform (or several
summed) and a period [start, end] (both days included) from the events'
``occurred_on`` dates — the date each fact happened, never the day it was
typed — and the dated records (sessions, diagnostics, trainings' results,
checkpoints, freins), never from the cached current state: the same period
gives the same numbers whenever the bilan is produced. Planned steps are not
facts and are never counted.

The work is done by the database, in modules split by what they do:

- ``exports.populations``: one pass over the events grouped by pathway —
  entries, accompanied pathways and persons, accesses, positive exits, and
  the breakdowns (``exports.breakdowns``);
- ``exports.activity``: plain aggregates — events, sessions, diagnostics,
  trainings and their results, contracts signed and ended early, exits,
  checkpoints, freins; each with its interpretation choices in its docstring;
- ``exports.delays``: the day counts behind the median delays;
- ``pathways.services.dashboard``: the funnel and the outcomes by quarter of
  entry of the persons who entered in the period (the charts).

Each indicator belongs to one of the CNSA's three levels (``LEVELS``):
réalisation (activity), résultat, impact, shown in column E of ``Synthèse``.
Rates are derived here from summed numerators and denominators, which is
what makes a national merge exact.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exports.activity import compute_activity
from exports.breakdowns import (
    AGE_BANDS,
    BREAKDOWN_TITLES,
    NOT_GIVEN,
    BreakdownRow,
    age_at,
    age_band,
    assemble_breakdowns,
    ratio,
)
from exports.delays import MEDIAN_CODES, delay_histograms, median_of
from exports.populations import TERMINAL_STATES, compute_populations, event_reason
from pathways.models import Platform, Territory
from pathways.reference import CERTIFICATIONS, JOBS
from pathways.services.dashboard import Cohort, FunnelStep, cohorts, funnel
from pathways.states import ExitReason
from pathways.vocabulary import BarrierCategory, ContractEndReason, FundingScheme

REALISATION, RESULTAT, IMPACT = "réalisation", "résultat", "impact"
LEVEL_TITLES = {REALISATION: "Réalisation", RESULTAT: "Résultat", IMPACT: "Impact"}

CONTRACT_CODES: dict[str, str] = {
    "cdi": "CDI",
    "cdd_12m_plus": "CDD de 12 mois ou plus",
    "cdd_under_12m": "CDD de moins de 12 mois",
    "interim": "Intérim",
    "apprenticeship": "Contrat d'apprentissage",
    "professionalisation": "Contrat de professionnalisation",
    "other": "Autre contrat",
}
JOB_NAMES = {code: label for code, label, _sector in JOBS}
CERTIFICATION_NAMES = {code: label for code, label, _level, _rncp in CERTIFICATIONS}

# Fixed codes of the Synthèse with their labels.
LABELS: dict[str, str] = {
    "entries": "Entrées dans la période (parcours)",
    "entries_persons": "Entrées dans la période (personnes)",
    "accompanied": "Parcours accompagnés",
    "accompanied_persons": "Personnes accompagnées",
    "info_sessions_held": "Informations collectives tenues",
    "info_session_attendees": "Personnes présentes aux informations collectives",
    "orientation_weeks_held": "Semaines du pôle orientation démarrées",
    "orientation_entrants": "Entrées en pôle orientation",
    "projects_validated": "Projets professionnels validés (diagnostics)",
    "immersions_started": "PMSMP démarrées",
    "trainings_started": "Entrées en formation qualifiante",
    "trainings_in_employment": "Formations suivies en emploi (VAE, CCP après embauche, alternance)",
    "contracts_signed": "Contrats de travail signés",
    "barriers_identified": "Freins identifiés",
    "barriers_resolved": "Freins levés",
    "access_training_or_job": "Parcours accompagnés ayant accédé à une formation ou à un emploi",
    "access_rate": "Taux d'accès à la formation ou à l'emploi",
    "access_sector_training_or_job": (
        "Parcours accompagnés ayant accédé à une formation ou à un emploi du secteur"
    ),
    "access_sector_rate": "Taux d'accès à la formation ou à l'emploi du secteur",
    "positive_exits": "Sorties positives (contrat, formation ou emploi hors secteur)",
    "training_certified": "Formations terminées avec la certification obtenue",
    "training_partial": "Formations terminées avec une certification partielle",
    "training_not_certified": "Formations terminées sans la certification",
    "training_dropouts": "Abandons de formation",
    "training_dropout_rate": "Taux d'abandon en formation",
    "contracts_ended_early": "Contrats rompus avant six mois",
    "median_days_to_orientation": "Délai médian entrée → pôle orientation (jours)",
    "median_days_to_training": "Délai médian entrée → formation (jours)",
    "median_days_to_contract": "Délai médian entrée → contrat (jours)",
    "contracts_share_home_care": "Part des contrats dans l'aide à domicile (SAAD)",
    "in_post_6_months": "En poste au point de suivi à 6 mois",
    "retention_6_months_rate": "Taux de maintien en poste à 6 mois",
    "checkpoints_6_months_missing": "Points de suivi à 6 mois manquants",
}
# The level of each code (a suffixed code takes its prefix's level).
LEVELS: dict[str, str] = {
    **dict.fromkeys(
        (
            "entries",
            "entries_persons",
            "accompanied",
            "accompanied_persons",
            "info_sessions_held",
            "info_session_attendees",
            "orientation_weeks_held",
            "orientation_entrants",
            "projects_validated",
            "immersions_started",
            "trainings_started",
            "trainings_in_employment",
            "contracts_signed",
            "barriers_identified",
            "barriers_resolved",
        ),
        REALISATION,
    ),
    **dict.fromkeys(
        (
            "access_training_or_job",
            "access_rate",
            "access_sector_training_or_job",
            "access_sector_rate",
            "positive_exits",
            "training_certified",
            "training_partial",
            "training_not_certified",
            "training_dropouts",
            "training_dropout_rate",
            "contracts_ended_early",
            "contracts_ended",
            *MEDIAN_CODES,
            "exits",
        ),
        RESULTAT,
    ),
    **dict.fromkeys(
        (
            "contracts",
            "contracts_share_home_care",
            "jobs",
            "jobs_share",
            "in_post_6_months",
            "retention_6_months_rate",
            "checkpoints_6_months_missing",
        ),
        IMPACT,
    ),
}
# Rates: (numerator, denominator) as keys of the raw counts. Keys starting
# with "_" are not rows of the Synthèse: a national merge recovers them from a
# rate's value and denominator (round(value × denominator) is exact).
RATES: dict[str, tuple[str, str]] = {
    "access_rate": ("access_training_or_job", "accompanied"),
    "access_sector_rate": ("access_sector_training_or_job", "accompanied"),
    "training_dropout_rate": ("training_dropouts", "_in_training"),
    "contracts_share_home_care": ("_home_care_contracts", "contracts_signed"),
    "retention_6_months_rate": ("in_post_6_months", "_checkpoints_6_recorded"),
}


def rate_terms(code: str) -> tuple[str, str] | None:
    """The raw numerator and denominator keys of a rate code, or None if not a rate."""
    if code.startswith("jobs_share."):
        return "jobs." + code.removeprefix("jobs_share."), "contracts_signed"
    return RATES.get(code)


def is_rate(code: str) -> bool:
    return rate_terms(code) is not None


def level_of(code: str) -> str:
    """The CNSA level (réalisation, résultat, impact) of an indicator code."""
    return LEVELS.get(code) or LEVELS[code.partition(".")[0]]


def job_name(code: str) -> str:
    """A ROME job with its name: « Aide-soignant / Aide-soignante (J1501) »."""
    name = JOB_NAMES.get(code)
    return f"{name} ({code})" if name else code


def certification_name(code: str) -> str:
    name = CERTIFICATION_NAMES.get(code)
    return f"{name} ({code})" if name else code


def label_of(code: str) -> str:
    """The French label of an indicator code, suffixes included, names beside codes."""
    if code in LABELS:
        return LABELS[code]
    prefix, _, suffix = code.partition(".")
    if prefix in ("barriers_identified", "barriers_resolved"):
        return f"{LABELS[prefix]} : {BarrierCategory(suffix).label}"
    if prefix == "trainings_started" and suffix.startswith("funding."):
        return f"Entrées en formation, financement : {FundingScheme(suffix.removeprefix('funding.')).label}"
    if prefix == "trainings_started":
        return f"Entrées en formation : {certification_name(suffix)}"
    if prefix == "contracts_ended":
        return f"Contrats rompus avant six mois : {ContractEndReason(suffix).label}"
    if prefix == "exits":
        return f"Sorties anticipées : {ExitReason(suffix).label}"
    if prefix == "contracts":
        return f"Contrats signés : {CONTRACT_CODES[suffix]}"
    if prefix == "jobs":
        return f"Contrats signés : {job_name(suffix)}"
    if prefix == "jobs_share":
        return f"Part des contrats : {job_name(suffix)}"
    return code


@dataclass(frozen=True)
class Indicator:
    """One row of the Synthèse: the value, the denominator when it is a rate, the level."""

    code: str
    label: str
    value: float | int | None
    denominator: int | None = None

    @property
    def is_rate(self) -> bool:
        return is_rate(self.code)

    @property
    def level(self) -> str:
        return level_of(self.code)


@dataclass
class Bilan:
    """Everything the bilan shows, for one platform (or the national sum)."""

    platform_slug: str
    platform_name: str
    start: date
    end: date
    indicators: list[Indicator]
    breakdowns: dict[str, list[BreakdownRow]]
    delays: dict[str, Counter[int]] = field(default_factory=dict)
    # Contracts signed in the period, {job: {employer type: n}} (not in national files).
    jobs_by_employer: dict[str, Counter[str]] = field(default_factory=dict)
    # Persons entered in the period: the funnel and outcomes at the end of the period.
    funnel: list[FunnelStep] = field(default_factory=list)
    outcomes: list[Cohort] = field(default_factory=list)

    def value(self, code: str) -> float | int | None:
        return self.by_code()[code].value

    def by_code(self) -> dict[str, Indicator]:
        return {indicator.code: indicator for indicator in self.indicators}

    def by_level(self) -> dict[str, list[Indicator]]:
        levels: dict[str, list[Indicator]] = {level: [] for level in LEVEL_TITLES}
        for indicator in self.indicators:
            levels[indicator.level].append(indicator)
        return levels


NATIONAL_SLUG = "national"


def national_name(count: int) -> str:
    return f"Total national ({count} plateforme{'s' if count > 1 else ''})"


def compute_bilan(
    session: Session, platforms: Platform | Sequence[Platform], start: date, end: date
) -> Bilan:
    """Every indicator and breakdown of ``platforms`` (one, or several summed) for [start, end]."""
    if end < start:
        raise ValueError("end before start")
    chosen = [platforms] if isinstance(platforms, Platform) else list(platforms)
    ids = [platform.id for platform in chosen]
    populations = compute_populations(session, ids, start, end)
    activity = compute_activity(session, ids, start, end)
    raw: Counter[str] = Counter()
    raw.update(populations.raw)
    raw.update(activity.raw)
    delays = delay_histograms(session, ids, start, end)
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
        assemble_breakdowns(populations.cells, territories),
        delays,
        activity.jobs_by_employer,
        funnel(session, ids, [(start, end)], as_of=end),
        cohorts(session, ids, (start, end), as_of=end),
    )


def _suffixes(raw: Counter[str], prefix: str) -> list[str]:
    """The suffixes of ``prefix.`` keys with a count, largest first."""
    found = [key.removeprefix(prefix) for key in raw if key.startswith(prefix) and raw[key]]
    return sorted(found, key=lambda suffix: (-raw[prefix + suffix], suffix))


def assemble(raw: Counter[str], delays: dict[str, Counter[int]]) -> list[Indicator]:
    """The Synthèse rows, in the order of indicators.md, from raw counts and delay histograms.

    Closed lists (freins, fundings, end reasons, exit reasons, contract types)
    always give all their rows; open lists (certifications, jobs) give the
    codes with at least one count.
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
    # Réalisation
    for code in (
        "entries",
        "entries_persons",
        "accompanied",
        "accompanied_persons",
        "info_sessions_held",
        "info_session_attendees",
        "orientation_weeks_held",
        "orientation_entrants",
        "projects_validated",
        "immersions_started",
        "trainings_started",
    ):
        add(code)
    for certification in _suffixes(raw, "trainings_started."):
        if not certification.startswith("funding."):
            add(f"trainings_started.{certification}")
    for funding in FundingScheme:
        add(f"trainings_started.funding.{funding.value}")
    add("trainings_in_employment")
    add("contracts_signed")
    for prefix in ("barriers_identified", "barriers_resolved"):
        add(prefix)
        for category in BarrierCategory:
            add(f"{prefix}.{category.value}")
    # Résultat
    for code in (
        "access_training_or_job",
        "access_rate",
        "access_sector_training_or_job",
        "access_sector_rate",
        "positive_exits",
        "training_certified",
        "training_partial",
        "training_not_certified",
        "training_dropouts",
        "training_dropout_rate",
        "contracts_ended_early",
    ):
        add(code)
    for reason in ContractEndReason:
        add(f"contracts_ended.{reason.value}")
    for code in MEDIAN_CODES:
        add(code)
    for exit_reason in ExitReason:
        add(f"exits.{exit_reason.value}")
    # Impact
    for code in CONTRACT_CODES:
        add(f"contracts.{code}")
    add("contracts_share_home_care")
    jobs = _suffixes(raw, "jobs.")
    for job in jobs:
        add(f"jobs.{job}")
    for job in jobs:
        add(f"jobs_share.{job}")
    for code in ("in_post_6_months", "retention_6_months_rate", "checkpoints_6_months_missing"):
        add(code)
    return indicators


__all__ = [
    "AGE_BANDS",
    "BREAKDOWN_TITLES",
    "MEDIAN_CODES",
    "NOT_GIVEN",
    "TERMINAL_STATES",
    "Bilan",
    "BreakdownRow",
    "Indicator",
    "age_at",
    "age_band",
    "assemble",
    "assemble_breakdowns",
    "compute_bilan",
    "event_reason",
    "is_rate",
    "label_of",
    "level_of",
    "rate_terms",
]
