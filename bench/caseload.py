"""A platform's caseload spreadsheet, generated: every path of the field, all valid, dated before today.

``caseload_rows(count, today, ...)`` cycles through the paths the import
must rebuild (the Yvelines method, Lyon's guichet unique, a CDD broken then
a CDI, a training abandoned then another, a direct hire, a work-study
contract, early exits, a training still to come...), one person per row.
Used by the import's benchmark and by the test that imports 10 000 rows.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from pathways.imports.reader import COLUMNS
from pathways.states import add_months

FIRST_NAMES = ("Léa", "Karim", "Awa", "Jules", "Inès", "Mamadou", "Chloé", "Yanis", "Fatou", "Hugo")


def _path_rows(
    today: date, adviser: str | None, delegate: str | None, territory: str | None
) -> list[Callable[[int], dict[str, Any]]]:
    def ago(days: int) -> date:
        return today - timedelta(days=days)

    def base(i: int, entry: int) -> dict[str, Any]:
        return {
            "nom": f"Nom{i:05d}",
            "prenom": FIRST_NAMES[i % len(FIRST_NAMES)],
            "date_naissance": date(1960, 1, 1) + timedelta(days=(i * 37) % 14_000),
            "date_entree": ago(entry),
            "sexe": "FMX"[i % 3],
            "publics": ("DE", "DE, BRSA", "RQTH", "QPV", "RECONVERSION")[i % 5],
            "niveau_diplome": ("infra3", "3", "4", "5")[i % 4],
            "prescripteur": ("france_travail", "mission_locale", "departement", "candidature_spontanee")[
                i % 4
            ],
            "territoire": territory,
            "delegue": delegate,
            "metier_vise": "K1311",
        }

    def yvelines(i: int) -> dict[str, Any]:
        contract_on = ago(260)
        return base(i, 420) | {
            "conseiller": adviser,
            "date_information_collective": ago(410),
            "date_pole_orientation": ago(400),
            "projet_valide": "oui",
            "date_renforcement": ago(390),
            "date_pmsmp": ago(380),
            "date_fin_pmsmp": ago(378),
            "employeur_pmsmp": f"EHPAD {i % 40}",
            "date_formation": ago(360),
            "certification": "TP_ADVF",
            "organisme_formation": f"GRETA {i % 7}",
            "financement_formation": "prf",
            "resultat_formation": "obtenue",
            "date_fin_formation": ago(280),
            "date_recherche_emploi": ago(275),
            "date_contrat": contract_on,
            "type_contrat": "cdi",
            "employeur": f"SAAD {i % 60}",
            "type_employeur": "saad",
            "metier_emploi": "K1311",
            "en_poste_1_mois": "oui",
            "en_poste_3_mois": "oui",
            "en_poste_6_mois": "oui" if add_months(contract_on, 6) <= today else None,
        }

    def lyon(i: int) -> dict[str, Any]:
        return base(i, 300) | {
            "conseiller": adviser,
            "date_information_collective": ago(295),
            "date_entretien_diagnostic": ago(290),
            "projet_valide": "oui",
            "date_pmsmp": ago(280),
            "date_fin_pmsmp": ago(270),
            "employeur_pmsmp": f"EHPAD {i % 40}",
            "date_formation": ago(250),
            "certification": "DEAS",
            "organisme_formation": "IFAS Lyon",
            "financement_formation": "prf",
            "resultat_formation": "en_cours",
            "date_fin_formation": today + timedelta(days=60),
        }

    def broken_cdd(i: int) -> dict[str, Any]:
        first = ago(380)
        second = ago(300)
        return base(i, 450) | {
            "conseiller": adviser,
            "date_information_collective": ago(440),
            "date_pole_orientation": ago(430),
            "projet_valide": "oui",
            "date_recherche_emploi": ago(420),
            "date_contrat": first,
            "type_contrat": "cdd",
            "duree_cdd_mois": 6,
            "employeur": f"SAAD {i % 60}",
            "type_employeur": "saad",
            "metier_emploi": "K1311",
            "date_fin_contrat": first + timedelta(days=45),
            "motif_fin_contrat": "rupture_periode_essai_employeur",
            "date_contrat_2": second,
            "type_contrat_2": "cdi",
            "employeur_2": f"EHPAD {i % 40}",
            "type_employeur_2": "ehpad",
            "metier_emploi_2": "J1501",
            "en_poste_1_mois": "oui",
            "en_poste_3_mois": "oui",
            "en_poste_6_mois": "oui",
        }

    def abandoned(i: int) -> dict[str, Any]:
        return base(i, 500) | {
            "conseiller": adviser,
            "date_pole_orientation": ago(490),
            "projet_valide": "oui",
            "date_formation": ago(480),
            "certification": "TP_ADVF",
            "organisme_formation": f"GRETA {i % 7}",
            "financement_formation": "cpf",
            "resultat_formation": "abandon",
            "date_fin_formation": ago(450),
            "date_recherche_emploi": ago(440),
            "date_formation_2": ago(420),
            "certification_2": "TP_ASMS",
            "organisme_formation_2": "AFPA",
            "financement_formation_2": "poei",
            "resultat_formation_2": "partielle",
            "date_fin_formation_2": ago(350),
            "date_contrat": ago(340),
            "type_contrat": "cdd",
            "duree_cdd_mois": 12,
            "employeur": f"SAAD {i % 60}",
            "type_employeur": "saad",
            "metier_emploi": "K1311",
            "en_poste_1_mois": "oui",
            "en_poste_3_mois": "non",
        }

    def direct_hire(i: int) -> dict[str, Any]:
        return base(i, 120) | {
            "conseiller": adviser,
            "date_contrat": ago(115),
            "type_contrat": "interim",
            "employeur": f"SAAD {i % 60}",
            "type_employeur": "particulier_employeur",
            "metier_emploi": "K1302",
            "en_poste_1_mois": "oui",
            "en_poste_3_mois": "oui",
        }

    def work_study(i: int) -> dict[str, Any]:
        return base(i, 200) | {
            "conseiller": adviser,
            "date_information_collective": ago(195),
            "date_pole_orientation": ago(185),
            "projet_valide": "oui",
            "date_contrat": ago(170),
            "type_contrat": "apprentissage",
            "employeur": f"EHPAD {i % 40}",
            "type_employeur": "ehpad",
            "metier_emploi": "J1501",
            "certification": "DEAS",
            "organisme_formation": "IFAS Versailles",
            "en_poste_1_mois": "oui",
        }

    def exited(i: int) -> dict[str, Any]:
        return base(i, 90) | {
            "date_information_collective": ago(80),
            "date_sortie": ago(40),
            "motif_sortie": ("abandon", "sante", "autre_emploi", "autre")[i % 4],
        }

    def not_validated(i: int) -> dict[str, Any]:
        return base(i, 150) | {
            "date_information_collective": ago(140),
            "date_pole_orientation": ago(130),
            "projet_valide": "non",
            "date_sortie": ago(120),
            "motif_sortie": "reorientation",
        }

    def training_to_come(i: int) -> dict[str, Any]:
        return base(i, 60) | {
            "conseiller": adviser,
            "date_information_collective": ago(50),
            "date_pole_orientation": ago(40),
            "projet_valide": "oui",
            "date_formation": today + timedelta(days=20),
            "certification": "TP_ADVF",
            "organisme_formation": f"GRETA {i % 7}",
            "financement_formation": "poec",
        }

    def just_referred(i: int) -> dict[str, Any]:
        return base(i, 10)

    paths = [yvelines, lyon, broken_cdd, abandoned, direct_hire, work_study, exited, not_validated]
    if adviser is None:
        paths = [exited, not_validated, just_referred]
    return [*paths, training_to_come, just_referred] if adviser else paths


def caseload_rows(
    count: int,
    today: date,
    *,
    adviser: str | None = None,
    delegate: str | None = None,
    territory: str | None = None,
) -> list[dict[str, Any]]:
    """``count`` valid rows (one person each), cycling through the field's paths."""
    paths = _path_rows(today, adviser, delegate, territory)
    return [{k: v for k, v in paths[i % len(paths)](i).items() if v is not None} for i in range(count)]


def write_xlsx(path: Path, rows: list[dict[str, Any]]) -> Path:
    """The rows as a workbook (write-only: quick to make, read like any other)."""
    columns = [c for c in COLUMNS if any(c in row for row in rows)]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Parcours")
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(c) for c in columns])
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    columns = [c for c in COLUMNS if any(c in row for row in rows)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(
                [
                    value.strftime("%d/%m/%Y")
                    if isinstance(value, date)
                    else ("" if value is None else value)
                    for value in (row.get(c) for c in columns)
                ]
            )
    return path
