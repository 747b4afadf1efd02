"""The breakdowns of the bilan: accompanied pathways and their access by the person's attributes.

``accompanied``, ``access_training_or_job`` and ``access_rate`` are given by
public category (a person can be in several), sex, age band at entry,
diploma level, prescriber type and territory. Age at entry is the age on the
date of the ``refer`` event (computed in SQL, portable to SQLite and
PostgreSQL); ``youth`` is under 26 then. Diploma levels 5 to 8 are ``5+``.
A missing sex, diploma, prescriber or territory is ``non_renseigne``. A
rate is blank (``None``) when its denominator is 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from pathways.models import Person
from pathways.vocabulary import PrescriberType, PublicCategory, Sex

NOT_GIVEN = "non_renseigne"
NOT_GIVEN_LABEL = "Non renseigné"

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
# Dimension code → its French title (the ``Ventilation`` column of the sheet).
BREAKDOWN_TITLES: dict[str, str] = {
    "publics": "Public",
    "sexe": "Sexe",
    "age": "Âge à l'entrée",
    "diplome": "Niveau de diplôme",
    "prescripteur": "Prescripteur",
    "territoire": "Territoire",
}
DIMENSION_OF_TITLE = {title: code for code, title in BREAKDOWN_TITLES.items()}

PUBLIC_COLUMNS: dict[str, Any] = {
    "de": Person.is_job_seeker,
    "brsa": Person.is_rsa_beneficiary,
    "reconversion": Person.is_reconversion,
    "rqth": Person.is_rqth,
    "bpi": Person.is_bpi,
    "qpv": Person.is_qpv_resident,
    "zrr": Person.is_zrr_resident,
}


def ratio(numerator: int, denominator: int | None) -> float | None:
    if not denominator:
        return None
    return numerator / denominator


@dataclass(frozen=True)
class BreakdownRow:
    code: str
    label: str
    accompanied: int
    access: int

    @property
    def rate(self) -> float | None:
        return ratio(self.access, self.accompanied)


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
