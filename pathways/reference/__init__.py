"""Reference lists the tool ships: target jobs (ROME 4.0) and certifications.

Codes and labels come from the field reference (ROME 4.0 as of 2026, RNCP
where it is verified); labels are the tool's own wording. ``sync`` upserts
them, so a later release can add or relabel rows with a migration calling it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

# (ROME code, label, a target job of the sector)
JOBS: tuple[tuple[str, str, bool], ...] = (
    ("J1501", "Aide-soignant / Aide-soignante", True),
    ("K1306", "Accompagnant éducatif et social (AES)", True),
    ("K1311", "Assistant / Assistante de vie aux familles (ADVF)", True),
    ("K1302", "Assistant / Assistante de vie dépendance (auxiliaire de vie)", True),
    ("J1301", "Agent / Agente de service hospitalier (ASH)", True),
    ("K1304", "Employé familial / Employée familiale (aide à domicile)", True),
    ("K1305", "Technicien / Technicienne d'intervention sociale et familiale (TISF)", True),
    ("J1506", "Infirmier / Infirmière en soins généraux (IDE)", True),
    ("J1305", "Ambulancier / Ambulancière", True),
    ("J1310", "Auxiliaire ambulancier / Auxiliaire ambulancière", True),
    ("K1208", "Moniteur éducateur / Monitrice éducatrice", True),
    ("K1207", "Éducateur spécialisé / Éducatrice spécialisée", True),
    ("K1217", "Animateur / Animatrice socioéducatif", True),
    ("G1202", "Animateur / Animatrice d'atelier artistique ou ludique", False),
    ("K1206", "Animateur coordinateur / Animatrice coordinatrice socioculturel", False),
    ("J1308", "Brancardier / Brancardière", False),
    ("J1309", "Agent / Agente de stérilisation de service hospitalier", False),
    ("J1304", "Auxiliaire de puériculture", False),
    ("K1303", "Garde d'enfant", False),
    ("K1408", "Responsable de secteur d'aide à domicile", False),
    ("J1510", "Infirmier coordonnateur / Infirmière coordonnatrice (IDEC)", False),
    ("K2113", "Accompagnant / Accompagnante des élèves en situation de handicap (AESH)", False),
)

# (code, label, level of the cadre national des certifications, RNCP number)
CERTIFICATIONS: tuple[tuple[str, str, str | None, str | None], ...] = (
    ("DEAS", "Diplôme d'État d'aide-soignant", "4", None),
    ("DEAES", "Diplôme d'État d'accompagnant éducatif et social", "3", None),
    ("TP_ADVF", "Titre professionnel Assistant de vie aux familles", "3", "RNCP37715"),
    ("TP_ASMS", "Titre professionnel Agent de service médico-social", "3", "RNCP41365"),
    ("DEA", "Diplôme d'État d'ambulancier", "3", "RNCP36542"),
    ("AUX_AMB", "Formation d'auxiliaire ambulancier", None, None),
    ("ASG", "Assistant de soins en gérontologie", None, None),
    ("DEI", "Diplôme d'État d'infirmier", "6", None),
    ("DEME", "Diplôme d'État de moniteur-éducateur", "4", None),
    ("DEES", "Diplôme d'État d'éducateur spécialisé", "6", None),
    ("DETISF", "Diplôme d'État de technicien de l'intervention sociale et familiale", "4", None),
    ("CAP_AEPE", "CAP Accompagnant éducatif petite enfance", "3", None),
    ("BACPRO_ASSP", "Bac pro Accompagnement, soins et services à la personne", "4", "RNCP37231"),
    ("SST", "Sauveteur secouriste du travail", None, None),
)

_jobs = sa.table(
    "jobs",
    sa.column("rome_code", sa.String),
    sa.column("label", sa.String),
    sa.column("is_sector_job", sa.Boolean),
)
_certifications = sa.table(
    "certifications",
    sa.column("code", sa.String),
    sa.column("label", sa.String),
    sa.column("level", sa.String),
    sa.column("rncp_code", sa.String),
)


def sync(connection: Connection) -> None:
    """Insert the missing rows and refresh the labels of the existing ones."""
    known_jobs = set(connection.scalars(sa.select(_jobs.c.rome_code)))
    for code, label, sector in JOBS:
        values = {"label": label, "is_sector_job": sector}
        if code in known_jobs:
            connection.execute(_jobs.update().where(_jobs.c.rome_code == code).values(values))
        else:
            connection.execute(_jobs.insert().values(rome_code=code, **values))
    known_certifications = set(connection.scalars(sa.select(_certifications.c.code)))
    for code, label, level, rncp in CERTIFICATIONS:
        values = {"label": label, "level": level, "rncp_code": rncp}
        if code in known_certifications:
            connection.execute(_certifications.update().where(_certifications.c.code == code).values(values))
        else:
            connection.execute(_certifications.insert().values(code=code, **values))
