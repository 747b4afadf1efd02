"""Every version-2 column's bad values: reported on their row and column, in French, nothing written."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pathways.imports.planner import FUTURE_STEP_HINT
from pathways.imports.service import run_import
from pathways.models import Pathway, Person
from tests.factories import make_world
from tests.unit.imports.files import write_csv
from tests.unit.imports.test_paths_v2 import BROKEN_CDD, LYON, identity

ONE_CONTRACT = {
    k: v
    for k, v in BROKEN_CDD.items()
    if not k.endswith("_2") and k not in ("en_poste_1_mois", "en_poste_3_mois", "en_poste_6_mois")
}
AT_INFO_SESSION = {"date_entree": date(2025, 3, 3), "date_information_collective": date(2025, 3, 6)}

CASES: list[tuple[str, dict[str, Any], dict[str, Any], str, str]] = [
    # (case, base row, changes (None removes a column), column reported, message)
    ("interview date", LYON, {"date_entretien_diagnostic": "31/02/2025"}, "date_entretien_diagnostic",
     "Date invalide : attendu JJ/MM/AAAA ou AAAA-MM-JJ."),
    ("interview without conclusion", LYON, {"projet_valide": None}, "date_entretien_diagnostic",
     "Un entretien de diagnostic conclut : renseignez projet_valide (oui ou non)."),
    ("interview to come", AT_INFO_SESSION,
     {"date_entretien_diagnostic": date(2026, 7, 1), "projet_valide": "oui", "conseiller": None},
     "date_entretien_diagnostic", "La date du diagnostic (01/07/2026) ne peut pas être dans le futur."),
    ("validated without week nor interview", AT_INFO_SESSION, {"projet_valide": "oui"}, "projet_valide",
     "Le projet se valide à l'issue du pôle orientation ou d'un entretien de diagnostic"),
    ("unknown training result", LYON, {"resultat_formation": "abandonné"}, "resultat_formation",
     "Valeur inconnue : attendu en_cours, obtenue, partielle, echec ou abandon."),
    ("dropout without its day", LYON, {"resultat_formation": "abandon", "date_fin_formation": None},
     "resultat_formation", "Indiquez la date de l'abandon."),
    ("a result to come", LYON, {"resultat_formation": "obtenue"}, "resultat_formation",
     "Un résultat se constate : sa date ne peut pas être dans le futur."),
    ("dropout before the training", LYON,
     {"resultat_formation": "abandon", "date_fin_formation": date(2025, 4, 1)}, "resultat_formation",
     "La date de fin de la formation précède sa date de début."),
    ("second training alone", AT_INFO_SESSION, {"date_formation_2": date(2025, 4, 7)}, "date_formation_2",
     "Une deuxième formation suit une première : renseignez date_formation."),
    ("second training's certification", LYON,
     {"date_formation_2": date(2025, 9, 1), "certification_2": "BAFA"}, "certification_2",
     "Certification inconnue : indiquez son code (DEAS, DEAES, TP_ADVF…)."),
    ("second training's funding", LYON, {"date_formation_2": date(2025, 9, 1), "financement_formation_2": "loto"},
     "financement_formation_2", "Valeur inconnue : attendu prf, poei, poec, cpf, opco ou autre."),
    ("training again from training", LYON,
     {"date_formation_2": date(2025, 9, 1), "certification_2": "DEAS", "organisme_formation_2": "IFAS",
      "financement_formation_2": "prf"},
     "date_formation_2",
     "« Enregistrer une entrée en formation » n'est pas possible depuis l'étape « Formation qualifiante »."),
    ("unknown end reason", BROKEN_CDD, {"motif_fin_contrat": "fin de mission"}, "motif_fin_contrat",
     "Valeur inconnue : attendu fin_cdd, rupture_periode_essai_employeur, rupture_periode_essai_salarie, "
     "demission, licenciement, rupture_conventionnelle ou autre."),
    ("end reason without end", ONE_CONTRACT, {"date_fin_contrat": None}, "motif_fin_contrat",
     "Un motif de fin de contrat demande une date_fin_contrat."),
    ("end without reason", ONE_CONTRACT, {"motif_fin_contrat": None}, "date_fin_contrat",
     "Indiquez le motif de la fin du contrat."),
    ("end without contract", ONE_CONTRACT,
     {"date_contrat": None, "type_contrat": None, "duree_cdd_mois": None, "employeur": None,
      "type_employeur": None, "metier_emploi": None},
     "date_fin_contrat", "Une fin de contrat demande une date_contrat."),
    ("end before the contract", ONE_CONTRACT, {"date_fin_contrat": date(2025, 2, 10)}, "date_fin_contrat",
     "« Enregistrer la fin du contrat » n'est pas possible depuis l'étape « Accès à l'emploi »."),
    ("second contract without the end of the first", BROKEN_CDD,
     {"date_fin_contrat": None, "motif_fin_contrat": None}, "date_contrat_2",
     "Un deuxième contrat suit la fin du premier : renseignez date_contrat, date_fin_contrat et motif_fin_contrat."),
    ("second contract's type", BROKEN_CDD, {"type_contrat_2": "stage"}, "type_contrat_2",
     "Valeur inconnue : attendu cdi, cdd, interim, apprentissage, professionnalisation ou autre."),
    ("second CDD's length", BROKEN_CDD, {"type_contrat_2": "cdd", "duree_cdd_mois_2": "six"}, "duree_cdd_mois_2",
     "Nombre entier attendu (en chiffres de 0 à 9)."),
    ("second CDD without length", BROKEN_CDD, {"type_contrat_2": "cdd"}, "date_contrat_2",
     "Un CDD doit indiquer sa durée en mois."),
    ("second employer's type", BROKEN_CDD, {"type_employeur_2": "crèche"}, "type_employeur_2",
     "Valeur inconnue : attendu saad, ehpad, esms_ph, etablissement_sante, particulier_employeur ou autre."),
    ("second job", BROKEN_CDD, {"metier_emploi_2": "Z9999"}, "metier_emploi_2", "Code ROME inconnu."),
    ("second employer", BROKEN_CDD, {"employeur_2": None}, "date_contrat_2", "Indiquez l'employeur."),
    ("checkpoint of a contract ended", ONE_CONTRACT, {"en_poste_3_mois": "oui"}, "en_poste_3_mois",
     "Le point de suivi à 3 mois a été annulé : le contrat a pris fin le 10/04/2025."),
    ("work-study without its training", ONE_CONTRACT,
     {"type_contrat": "apprentissage", "duree_cdd_mois": None, "date_fin_contrat": None,
      "motif_fin_contrat": None},
     "date_contrat", "Un contrat d'apprentissage ou de professionnalisation indique l'organisme de sa formation."),
    ("handover without the week's diagnostic", ONE_CONTRACT, {"projet_valide": None}, "conseiller",
     "Le diagnostic de la semaine du pôle orientation doit être enregistré avant de passer le relais"),
    ("immersion without a conseiller", LYON, {"conseiller": None}, "date_pmsmp",
     "Un·e conseiller·ère doit être désigné·e avant cette étape"),
    ("a step to come before another", LYON,
     {"date_pmsmp": date(2026, 6, 20), "date_fin_pmsmp": date(2026, 6, 22), "date_formation": date(2026, 9, 1),
      "date_fin_formation": None},
     "date_pmsmp", FUTURE_STEP_HINT),
]


@pytest.mark.parametrize(("case", "base", "changes", "column", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_value_reported_in_french(
    session, today, tmp_path: Path, case: str, base: dict, changes: dict, column: str, message: str
) -> None:
    world = make_world(session)
    row = identity(world, "Durand", **base)
    row.update(changes)
    row = {k: v for k, v in row.items() if v is not None}
    path = write_csv(tmp_path / "parcours.csv", [row])
    report = run_import(session, world.platform, path, actor=world.manager)
    found = [(p.row, p.column, p.message) for p in report.problems]
    assert any(r == 2 and c == column and message in m for r, c, m in found), found
    # The value shown is the cell as typed.
    shown = {p.column: p.value for p in report.problems}
    typed = row.get(column)
    assert shown[column] == (typed.strftime("%d/%m/%Y") if isinstance(typed, date) else str(typed or ""))
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(Pathway)) == 0
