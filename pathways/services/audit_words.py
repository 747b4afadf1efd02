"""The words of the audit trail: action labels and their families, object kinds, fields and values.

The trail stores codes (``pathway.assign_adviser``, ``adviser_id``, ``mobility``);
this is the one place that says them in French. An action recorded somewhere
without a label here is a defect (a test checks every action the code records).
Ids are named by ``pathways.services.audit_trail``, which reads the database.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from pathways.states import State, Trigger
from pathways.vocabulary import (
    AttendanceStatus,
    BarrierCategory,
    BarrierStatus,
    DiplomaLevel,
    ImmersionOutcome,
    InvitationAnswer,
    PrescriberType,
    Role,
    Sex,
    TrainingResult,
)

# The actions, by family: the filter offers a family or one of its actions.
FAMILIES: dict[str, tuple[str, dict[str, str]]] = {
    "login": (
        "Connexions",
        {
            "login.succeeded": "Connexion",
            "login.failed": "Échec de connexion",
            "login.throttled": "Connexion bloquée (trop d'échecs)",
            "logout": "Déconnexion",
        },
    ),
    "access": ("Accès refusés", {"access.refused": "Accès refusé"}),
    "person": (
        "Personnes",
        {
            "person.create": "Création d'une personne",
            "person.update": "Correction de l'identité ou de la situation",
            "person.view": "Consultation d'une personne",
        },
    ),
    "privacy": (
        "Données personnelles",
        {
            "person.informed": "Notice d'information remise",
            "person.opposition": "Opposition aux messages",
            "person.opposition_withdrawn": "Opposition aux messages retirée",
            "person.access_export": "Export du dossier complet (droit d'accès)",
            "person.anonymise": "Anonymisation d'une personne",
            "retention.listed": "Anonymisations annoncées au responsable",
        },
    ),
    "pathway": (
        "Parcours",
        {
            "pathway.open": "Ouverture d'un parcours",
            "pathway.move": "Étape du parcours",
            "pathway.assign_adviser": "Affectation à un·e conseiller·ère",
            "pathway.view": "Consultation d'un parcours",
            "caseload.reassign": "Réaffectation d'un portefeuille",
            "diagnostic.create": "Diagnostic d'orientation",
            "checkpoint.record": "Point de suivi dans l'emploi",
            "immersion.assess": "Bilan de PMSMP",
            "training.result": "Résultat de formation",
            "training.in_employment": "Formation pendant l'emploi",
            "pathway.prescriber": "Prescripteur du parcours corrigé",
            "planned_step.create": "Étape prévue",
            "planned_step.update": "Étape prévue modifiée",
            "planned_step.confirm": "Étape prévue confirmée",
            "planned_step.cancel": "Étape prévue annulée",
        },
    ),
    "barrier": (
        "Freins périphériques",
        {"barrier.identify": "Frein signalé", "barrier.status": "Statut d'un frein changé"},
    ),
    "coaccompaniment": (
        "Co-accompagnement et notes",
        {
            "referent.create": "Référent·e partenaire ajouté·e",
            "exchange.create": "Échange tripartite",
            "exchange.next_step_done": "Prochaine étape d'un échange faite",
            "exchange.next_step_undone": "Prochaine étape d'un échange à refaire",
            "note.create": "Note",
        },
    ),
    "sessions": (
        "Informations collectives et pôle orientation",
        {
            "info_session.create": "Création d'une information collective",
            "info_session.presence": "Présence à une information collective",
            "orientation_week.create": "Création d'une semaine du pôle orientation",
            "orientation_week.presence": "Présence au pôle orientation",
            "info_session.convoke": "Convocations à une information collective",
            "orientation_week.convoke": "Convocations à une semaine du pôle orientation",
            "convocation.answer": "Réponse à une convocation",
            "convocation.called_back": "Rappel d'une personne convoquée",
        },
    ),
    "reference": (
        "Listes de référence",
        {
            "employer.create": "Employeur ajouté",
            "employer.update": "Employeur modifié",
            "organisation.create": "Organisme de formation ajouté",
            "organisation.update": "Organisme de formation modifié",
            "prescriber.create": "Prescripteur ajouté",
            "prescriber.update": "Prescripteur modifié",
        },
    ),
    "exports": (
        "Exports et imports",
        {
            "export": "Export",
            "export.bilan": "Export du bilan",
            "export.national": "Export du fichier national",
            "export.cohort": "Export de la cohorte pseudonymisée",
            "export.cohort_identified": "Export de la cohorte nominative",
            "export.bilan_pdf": "Export du bilan en PDF",
            "export.report": "Export du bilan en PDF",
            "job.download": "Téléchargement d'un fichier préparé",
            "import": "Import",
            "import.verify": "Vérification d'un fichier à importer",
            "import.refused": "Import refusé",
            "import.caseload": "Import d'un fichier de suivi",
            "import.file_refused": "Fichier d'import refusé",
        },
    ),
    "accounts": (
        "Comptes et plateformes",
        {
            "user.create": "Création d'un compte",
            "user.update": "Modification d'un compte",
            "user.deactivate": "Désactivation d'un compte",
            "user.reactivate": "Réactivation d'un compte",
            "user.password_change": "Changement de mot de passe",
            "user.password_reset": "Mot de passe défini par un·e administrateur·rice",
            "replacement.grant": "Remplacement accordé",
            "platform.create": "Création d'une plateforme",
            "territory.create": "Création d'un territoire",
            "audit.purge": "Purge du journal",
        },
    ),
}
ACTION_LABELS: dict[str, str] = {
    code: label for _, actions in FAMILIES.values() for code, label in actions.items()
}


def action_codes(wanted: str | None) -> list[str] | None:
    """The actions a filter value stands for: a family, one action, or a code's first part (« note »)."""
    if not wanted:
        return None
    if wanted in FAMILIES:
        return list(FAMILIES[wanted][1])
    if wanted in ACTION_LABELS:
        return [wanted]
    return [code for code in ACTION_LABELS if code.split(".")[0] == wanted] or None


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code)


def action_choices() -> list[tuple[str, str, str]]:
    """The filter's options as (value, label, group): per family, « toutes » first, then each action."""
    return [
        choice
        for key, (family, actions) in FAMILIES.items()
        for choice in [
            (key, f"Toutes : {family.lower()}", family),
            *((c, a, family) for c, a in actions.items()),
        ]
    ]


OBJECT_LABELS: dict[str, str] = {
    "person": "Personne",
    "pathway": "Parcours",
    "barrier": "Frein",
    "checkpoint": "Point de suivi",
    "diagnostic": "Diagnostic",
    "exchange": "Échange tripartite",
    "note": "Note",
    "referent": "Référent·e",
    "immersion": "PMSMP",
    "training": "Formation",
    "info_session": "Information collective",
    "info_session_attendance": "Présence à une information collective",
    "orientation_week": "Semaine du pôle orientation",
    "orientation_participant": "Participation au pôle orientation",
    "user": "Compte",
    "adviser_replacement": "Remplacement",
    "platform": "Plateforme",
    "territory": "Territoire",
    "employer": "Employeur",
    "organisation": "Organisme de formation",
    "prescriber": "Prescripteur",
    "audit": "Journal d'audit",
}


def _day(value: Any) -> str:
    try:
        return date.fromisoformat(str(value)[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return str(value)


def _enum(enum: type) -> Callable[[Any], str]:
    def label(value: Any) -> str:
        try:
            return enum(value).label
        except ValueError:
            return str(value)

    return label


def _yes_no(value: Any) -> str:
    return "oui" if value else "non"


def _presence(value: Any) -> str:
    return "présent·e" if value else "absent·e"


# Field → (label, how a value is shown); ids are named through ``Names``.
FIELDS: dict[str, tuple[str, Callable[[Any], str] | str]] = {
    "adviser_id": ("Conseiller·ère", "user"),
    "state": ("Étape", _enum(State)),
    "category": ("Catégorie", _enum(BarrierCategory)),
    "status": ("Statut", _enum(BarrierStatus)),
    "outcome": ("Bilan", _enum(ImmersionOutcome)),
    "result": ("Résultat", _enum(TrainingResult)),
    "role": ("Rôle", _enum(Role)),
    "sex": ("Sexe", _enum(Sex)),
    "diploma_level": ("Niveau de diplôme", _enum(DiplomaLevel)),
    "postal_code": ("Code postal", str),
    "is_active": ("Compte actif", _yes_no),
    "present": ("Présence", _presence),
    "attendance": ("Présence", _enum(AttendanceStatus)),
    "answer": ("Réponse", _enum(InvitationAnswer)),
    "email_allowed": ("Accepte les courriels", _yes_no),
    "sms_allowed": ("Accepte les SMS", _yes_no),
    "weekly_digest": ("Agenda du lundi par courriel", _yes_no),
    "project_validated": ("Projet validé", _yes_no),
    "still_in_post": ("En poste", _yes_no),
    "platform_id": ("Plateforme", "platform"),
    "territories": ("Territoires", "territories"),
    "full_name": ("Nom", str),
    "informed_on": ("Notice remise le", _day),
}
DETAILS: dict[str, tuple[str, Callable[[Any], str] | str]] = {
    "trigger": ("Action choisie", _enum(Trigger)),
    "occurred_on": ("Date", _day),
    "referred_on": ("Date d'entrée", _day),
    "person_id": ("Personne", "person"),
    "prescriber_type": ("Orienté·e par", _enum(PrescriberType)),
    "reason": (
        "Motif",
        lambda v: {
            "scope": "hors de son périmètre",
            "role": "page d'un autre rôle",
            "csrf": "jeton de sécurité absent ou faux",
            "anonymised": "dossier anonymisé",
            "retention": "durée de conservation écoulée",
            "request": "demande d'effacement de la personne",
        }.get(v, str(v)),
    ),
    "path": ("Adresse demandée", str),
    "report": (
        "Fichier",
        lambda v: {"caseload": "portefeuille", "convocations": "lettres de convocation"}.get(v, str(v)),
    ),
    "rows": ("Lignes", str),
    "selection": ("Sélection seulement", _yes_no),
    "start": ("Du", _day),
    "end": ("Au", _day),
    "starts_on": ("Du", _day),
    "ends_on": ("Au", _day),
    "identified": ("Nominative", _yes_no),
    "cohort_rows": ("Lignes de la cohorte", str),
    "file": ("Fichier", str),
    "source": ("Fichier", str),
    "problems": ("Problèmes", str),
    "lignes": ("Lignes", str),
    "personnes_creees": ("Personnes créées", str),
    "personnes_reconnues": ("Personnes reconnues", str),
    "parcours_crees": ("Parcours créés", str),
    "parcours_deja_importes": ("Parcours déjà importés", str),
    "evenements": ("Étapes", str),
    "to_adviser_id": ("Confiés à", "user"),
    "count": ("Parcours", str),
    "replaced_id": ("Remplacé·e", "user"),
    "replacing_id": ("Par", "user"),
    "slug": ("Identifiant", str),
    "older_than_months": ("Plus anciennes que (mois)", str),
    "before": ("Avant le", _day),
    "deleted": ("Entrées supprimées", str),
    "by_email": ("Par courriel", str),
    "on_paper": ("Par courrier", str),
    "delivered": ("Envoyées par l'outil", _yes_no),
    "pathways": ("Parcours", str),
    "persons": ("Personnes", str),
    "format": ("Format", lambda v: {"pdf": "PDF", "xlsx": "tableur"}.get(v, str(v))),
    "on": ("Le", _day),
    "opposed_on": ("Opposée depuis le", _day),
    "page": ("Page", lambda v: {"donnees_personnelles": "Données personnelles"}.get(v, str(v))),
}
# Never shown: how the request came, or what says nothing to a reader.
HIDDEN_DETAILS = frozenset({"method", "has_comment"})

Shown = tuple[str, Callable[[Any], str] | str]


def field_label(field: str) -> Shown:
    """A changed field's label and how its values read (a str: the kind of object its ids name)."""
    if field.startswith("day_") and field[4:].isdigit():
        return f"Présence le jour {field[4:]}", _presence
    return FIELDS.get(field, (field.replace("_", " ").capitalize(), str))


def detail_label(key: str) -> Shown:
    """A detail's label and how its value reads, as ``field_label``."""
    return DETAILS.get(key, (key.replace("_", " ").capitalize(), str))
