"""The downloadable import template: the header row and example rows of the field's paths.

The Yvelines method (orientation week, PMSMP, training, a CDD followed six
months), an early exit, Lyon's guichet unique (information collective,
individual diagnostic interview, PMSMP, training under way) and a CDD broken
in its second month followed by a CDI. The examples are dated relative to
today (so every date is in the past and a completed follow-up is six months
old) and, when a platform is given, use its first territory, délégué and
conseiller, so that the template imports as it is: a conseiller is needed
before the PMSMP, the training or the job.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exports.writer import Column, Kind, write_table
from pathways import clock
from pathways.imports.reader import COLUMNS
from pathways.models import Platform, Territory, User
from pathways.states import add_months
from pathways.vocabulary import Role

DATE_COLUMNS = {name for name in COLUMNS if name.startswith("date_")}


def _first_user(session: Session, platform: Platform, role: Role) -> str | None:
    return session.scalar(
        sa.select(User.email)
        .where(User.platform_id == platform.id, User.role == role, User.is_active.is_(True))
        .order_by(User.id)
        .limit(1)
    )


def example_rows(session: Session | None = None, platform: Platform | None = None) -> list[dict[str, Any]]:
    today = clock.today()
    territory = delegate = adviser = None
    if session is not None and platform is not None:
        territory = session.scalar(
            sa.select(Territory.name)
            .where(Territory.platform_id == platform.id)
            .order_by(Territory.name)
            .limit(1)
        )
        delegate = _first_user(session, platform, Role.DELEGATE)
        adviser = _first_user(session, platform, Role.ADVISER)

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    first: dict[str, Any] = {
        "nom": "Exemple",
        "prenom": "Marie",
        "date_naissance": date(1985, 4, 12),
        "date_entree": ago(330),
        "sexe": "F",
        "code_postal": "78000",
        "commune": "Versailles",
        "publics": "DE, BRSA",
        "niveau_diplome": "3",
        "prescripteur": "france_travail",
        "territoire": territory,
        "delegue": delegate,
        "conseiller": adviser,
        "metier_vise": "K1311",
        "date_information_collective": ago(320),
        "date_pole_orientation": ago(310),
        "projet_valide": "oui",
    }
    if adviser is not None:
        contract_on = ago(220)
        first.update(
            {
                "date_pmsmp": ago(295),
                "date_fin_pmsmp": ago(293),
                "employeur_pmsmp": "SAAD Exemple",
                "date_formation": ago(280),
                "certification": "TP_ADVF",
                "organisme_formation": "GRETA Exemple",
                "financement_formation": "prf",
                "resultat_formation": "obtenue",
                "date_fin_formation": ago(230),
                "date_contrat": contract_on,
                "type_contrat": "cdd",
                "duree_cdd_mois": 12,
                "employeur": "SAAD Exemple",
                "type_employeur": "saad",
                "metier_emploi": "K1311",
                "en_poste_1_mois": "oui",
                "en_poste_3_mois": "oui",
                "en_poste_6_mois": "oui" if add_months(contract_on, 6) <= today else None,
            }
        )
    second: dict[str, Any] = {
        "nom": "Exemple",
        "prenom": "Karim",
        "date_naissance": date(2003, 9, 1),
        "date_entree": ago(200),
        "sexe": "M",
        "publics": "QPV",
        "niveau_diplome": "infra3",
        "prescripteur": "mission_locale",
        "territoire": territory,
        "date_information_collective": ago(190),
        "date_sortie": ago(150),
        "motif_sortie": "abandon",
    }
    rows = [first, second]
    if adviser is not None:
        lyon_entry = 160
        rows.append(
            {
                "nom": "Exemple",
                "prenom": "Nadia",
                "date_naissance": date(1979, 11, 23),
                "date_entree": ago(lyon_entry),
                "sexe": "F",
                "publics": "RECONVERSION",
                "niveau_diplome": "4",
                "prescripteur": "candidature_spontanee",
                "territoire": territory,
                "conseiller": adviser,
                "metier_vise": "J1501",
                "date_information_collective": ago(lyon_entry - 3),
                "date_entretien_diagnostic": ago(lyon_entry - 10),
                "projet_valide": "oui",
                "date_pmsmp": ago(lyon_entry - 20),
                "date_fin_pmsmp": ago(lyon_entry - 30),
                "employeur_pmsmp": "EHPAD Exemple",
                "date_formation": ago(lyon_entry - 60),
                "certification": "DEAS",
                "organisme_formation": "IFAS Exemple",
                "financement_formation": "prf",
                "resultat_formation": "en_cours",
            }
        )
        first_contract = ago(300)
        second_contract = ago(240)
        rows.append(
            {
                "nom": "Exemple",
                "prenom": "Sofiane",
                "date_naissance": date(1996, 6, 8),
                "date_entree": ago(340),
                "sexe": "M",
                "publics": "DE",
                "niveau_diplome": "3",
                "prescripteur": "france_travail",
                "territoire": territory,
                "delegue": delegate,
                "conseiller": adviser,
                "metier_vise": "K1311",
                "date_information_collective": ago(335),
                "date_pole_orientation": ago(328),
                "projet_valide": "oui",
                "date_recherche_emploi": ago(315),
                "date_contrat": first_contract,
                "type_contrat": "cdd",
                "duree_cdd_mois": 6,
                "employeur": "SAAD Exemple",
                "type_employeur": "saad",
                "metier_emploi": "K1311",
                "date_fin_contrat": first_contract + timedelta(days=45),
                "motif_fin_contrat": "rupture_periode_essai_employeur",
                "date_contrat_2": second_contract,
                "type_contrat_2": "cdi",
                "employeur_2": "EHPAD Exemple",
                "type_employeur_2": "ehpad",
                "metier_emploi_2": "J1501",
                "en_poste_1_mois": "oui",
                "en_poste_3_mois": "oui",
                "en_poste_6_mois": "oui" if add_months(second_contract, 6) <= today else None,
            }
        )
    return rows


def write_template(
    target: str | Path | IO[bytes], session: Session | None = None, platform: Platform | None = None
) -> None:
    columns = [Column(name, Kind.DATE if name in DATE_COLUMNS else Kind.TEXT) for name in COLUMNS]
    rows = [[row.get(name) for name in COLUMNS] for row in example_rows(session, platform)]
    write_table(target, "Parcours", columns, rows)
