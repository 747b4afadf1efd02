"""The declaration of every column the tool stores: personal or not, and if personal, what it is.

Each table lists *all* its columns. A column is either technical (``None``:
an id, a link, a version — nothing about anyone beyond linking rows) or a
``Field``: its category of data, its French label, its sensitivity, whose
data it is, and what the anonymisation does with it. A test walks the
SQLAlchemy metadata and fails on any column or table missing here, so a
field added to a model cannot escape the notice, the register and the
anonymisation, which are all generated from this module.

``owner`` says how a table's rows belong to an accompanied person (the
column that leads to the person, through its parent table): the
anonymisation and the right of access follow it. Tables that hold a
person's data without such a link (the audit trail, the jobs, the form
tokens) are handled by name in ``pathways.privacy.anonymise`` (``SCRUB``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from pathways.models.person import search_name_of


class Subject(StrEnum):
    """Whose data (the register's « catégories de personnes concernées »)."""

    PERSON = "person"
    PARTNER = "partner"
    TUTOR = "tutor"
    EMPLOYER = "employer"
    STAFF = "staff"

    @property
    def label(self) -> str:
        return SUBJECT_LABELS[self]


SUBJECT_LABELS = {
    Subject.PERSON: "Personnes accompagnées (demandeur·euses d'emploi, allocataires du RSA, jeunes, "
    "personnes en reconversion)",
    Subject.PARTNER: "Référent·es des partenaires qui accompagnent la personne (France Travail, mission "
    "locale, Cap emploi, référent·e RSA…)",
    Subject.TUTOR: "Tuteur·rices des PMSMP chez les employeurs",
    Subject.EMPLOYER: "Employeurs et organismes de formation (personne physique quand l'employeur est un "
    "particulier)",
    Subject.STAFF: "Utilisateur·rices de l'outil (équipe de la plateforme, administrateur·rices)",
}


class Category(StrEnum):
    """Categories of data (the register's « catégories de données », the notice's list)."""

    IDENTITY = "identity"
    CONTACT = "contact"
    SITUATION = "situation"
    HEALTH = "health"
    BARRIERS = "barriers"
    PATHWAY = "pathway"
    PROFESSIONAL = "professional"
    ASSESSMENTS = "assessments"
    RIGHTS = "rights"
    PARTNER_CONTACTS = "partner_contacts"
    EMPLOYERS = "employers"
    ACCOUNTS = "accounts"
    TRACES = "traces"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    Category.IDENTITY: "État civil et identification",
    Category.CONTACT: "Coordonnées",
    Category.SITUATION: "Situation sociale et professionnelle",
    Category.HEALTH: "Santé et handicap",
    Category.BARRIERS: "Freins périphériques",
    Category.PATHWAY: "Parcours d'accompagnement",
    Category.PROFESSIONAL: "Immersions, formations et emplois",
    Category.ASSESSMENTS: "Notes, appréciations et comptes rendus (textes libres)",
    Category.RIGHTS: "Information et exercice des droits",
    Category.PARTNER_CONTACTS: "Identité et coordonnées des référent·es et tuteur·rices",
    Category.EMPLOYERS: "Employeurs et organismes",
    Category.ACCOUNTS: "Comptes des utilisateur·rices",
    Category.TRACES: "Traces d'activité et de connexion (journal d'audit)",
}


# What each category holds, said to the person in the notice (plain French, « vous »).
CATEGORY_SUMMARIES = {
    Category.IDENTITY: "vos nom, prénom, date de naissance et sexe, votre identifiant France Travail",
    Category.CONTACT: "votre adresse électronique, votre téléphone, votre code postal et votre commune",
    Category.SITUATION: "votre situation (demandeur·euse d'emploi, allocataire du RSA, reconversion, "
    "protection internationale, quartier prioritaire ou zone rurale), votre niveau de diplôme, "
    "qui vous a orienté·e",
    Category.HEALTH: "une reconnaissance de la qualité de travailleur handicapé (RQTH), si vous la signalez",
    Category.BARRIERS: "les freins qui gênent votre parcours (mobilité, logement, garde d'enfants, santé, "
    "dettes…), leurs précisions, les actions menées et les partenaires mobilisés",
    Category.PATHWAY: "les étapes de votre parcours et leurs dates, votre territoire, les conseiller·ères et "
    "délégué·es qui vous suivent, vos présences aux informations collectives et au pôle orientation, les "
    "étapes prévues",
    Category.PROFESSIONAL: "vos PMSMP, formations, contrats de travail et points de suivi dans l'emploi "
    "(employeurs, métiers, dates, résultats)",
    Category.ASSESSMENTS: "les notes, diagnostics, comptes rendus d'échanges et observations écrits par "
    "l'équipe, toujours factuels : vous pouvez les lire",
    Category.RIGHTS: "la date de remise de cette notice, votre éventuelle opposition aux messages",
    Category.PARTNER_CONTACTS: "le nom et les coordonnées des référent·es qui vous accompagnent et des "
    "tuteur·rices de vos PMSMP",
    Category.EMPLOYERS: "les employeurs et organismes de formation",
    Category.ACCOUNTS: "les comptes de l'équipe de la plateforme",
    Category.TRACES: "qui a consulté ou modifié votre dossier, et quand (journal d'audit)",
}


class Sensitivity(StrEnum):
    ORDINARY = "ordinary"
    HIGHLY_PERSONAL = "highly_personal"
    SPECIAL = "special"
    SECRET = "secret"  # noqa: S105 - a kind of data, not a password

    @property
    def label(self) -> str:
        return SENSITIVITY_LABELS[self]


SENSITIVITY_LABELS = {
    Sensitivity.ORDINARY: "courante",
    Sensitivity.HIGHLY_PERSONAL: "à caractère hautement personnel (situation sociale, appréciations)",
    Sensitivity.SPECIAL: "catégorie particulière, article 9 du RGPD (santé, handicap)",
    Sensitivity.SECRET: "secret d'authentification (jamais lisible, haché)",
}


class Action(StrEnum):
    """What ``anonymise_person`` does with a column of the person's rows."""

    KEEP = "keep"  # what the indicators need: kept as it is
    CLEAR = "clear"  # removed: text becomes "" (nullness kept, for the constraints), others NULL
    REPLACE = "replace"  # a fixed placeholder (the names)
    GENERALISE = "generalise"  # kept coarser (the birth date: its year, see anonymise.py)
    SCRUB = "scrub"  # structured value whose free parts are removed (JSON), by a named handler

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.KEEP: "conservée, sans l'identité, pour les indicateurs",
    Action.CLEAR: "supprimée",
    Action.REPLACE: "remplacée par « Personne anonymisée »",
    Action.GENERALISE: "réduite à l'année de naissance",
    Action.SCRUB: "textes libres retirés, codes et dates conservés",
}


class Retention(StrEnum):
    """How long a table's rows are kept (the durations come from the settings, see ``documents``)."""

    PERSON = "person"  # the accompanied person's file: RETENTION_MONTHS after the last contact
    PARTNER = "partner"  # with the pathway they are attached to (anonymised with it)
    REFERENCE = "reference"  # a platform's reference list: while the platform uses it
    ACCOUNT = "account"  # an account: deactivated, never deleted (it signs the history)
    AUDIT = "audit"  # 12 months (pathways.audit.RETENTION_MONTHS)
    LOGIN_ATTEMPTS = "login_attempts"  # a day
    FORM_TOKENS = "form_tokens"  # two days
    JOBS = "jobs"  # result files 24 h, rows 90 days
    IMPORTS = "imports"  # the import history of a platform: no purge yet (the import keeps it)
    NONE = "none"  # no personal data


@dataclass(frozen=True)
class Field:
    """A column that holds personal data."""

    category: Category
    label: str
    sensitivity: Sensitivity = Sensitivity.ORDINARY
    on_anonymise: Action = Action.KEEP
    # Whose data, when not the table's.
    subject: Subject | None = None
    # The placeholder of ``Action.REPLACE``.
    replacement: str | None = None


@dataclass(frozen=True)
class Owner:
    """Rows of a table belong to a person through ``column``, which points to ``parent``'s ids."""

    column: str
    parent: str | None  # None: ``column`` is the person's id itself


@dataclass(frozen=True)
class TableDeclaration:
    subject: Subject | None
    retention: Retention
    columns: dict[str, Field | None]
    owner: Owner | None = None


TECHNICAL = None
ANONYMISED_LAST_NAME = "Anonymisée"
ANONYMISED_FIRST_NAME = "Personne"

KEEP, CLEAR, REPLACE, GENERALISE, SCRUB = (
    Action.KEEP,
    Action.CLEAR,
    Action.REPLACE,
    Action.GENERALISE,
    Action.SCRUB,
)
HIGH, SPECIAL = Sensitivity.HIGHLY_PERSONAL, Sensitivity.SPECIAL
BY_PATHWAY = Owner("pathway_id", "pathways")


def _technical(*names: str) -> dict[str, Field | None]:
    return dict.fromkeys(names, TECHNICAL)


def _f(
    category: Category,
    label: str,
    action: Action = KEEP,
    sensitivity: Sensitivity = Sensitivity.ORDINARY,
    **more: object,
) -> Field:
    return Field(category, label, sensitivity, action, **more)  # type: ignore[arg-type]


# Short names for the table below.
IDENTITY, CONTACT, SITUATION, HEALTH, BARRIERS = (
    Category.IDENTITY,
    Category.CONTACT,
    Category.SITUATION,
    Category.HEALTH,
    Category.BARRIERS,
)
PATHWAY, PROFESSIONAL, ASSESSMENTS, RIGHTS = (
    Category.PATHWAY,
    Category.PROFESSIONAL,
    Category.ASSESSMENTS,
    Category.RIGHTS,
)
PARTNERS, EMPLOYERS, ACCOUNTS, TRACES = (
    Category.PARTNER_CONTACTS,
    Category.EMPLOYERS,
    Category.ACCOUNTS,
    Category.TRACES,
)

TABLES: dict[str, TableDeclaration] = {
    # --- the accompanied person and their pathways ------------------------------------------
    "persons": TableDeclaration(
        Subject.PERSON,
        Retention.PERSON,
        {
            **_technical("id", "platform_id"),
            "last_name": _f(IDENTITY, "Nom", REPLACE, replacement=ANONYMISED_LAST_NAME),
            "first_name": _f(IDENTITY, "Prénom", REPLACE, replacement=ANONYMISED_FIRST_NAME),
            "search_name": _f(
                IDENTITY,
                "Nom pour la recherche",
                REPLACE,
                replacement=search_name_of(ANONYMISED_LAST_NAME, ANONYMISED_FIRST_NAME),
            ),
            "birth_date": _f(IDENTITY, "Date de naissance", GENERALISE),
            "sex": _f(IDENTITY, "Sexe"),
            "france_travail_id": _f(IDENTITY, "Identifiant France Travail", CLEAR),
            "email": _f(CONTACT, "Adresse électronique", CLEAR),
            "phone": _f(CONTACT, "Téléphone", CLEAR),
            "postal_code": _f(CONTACT, "Code postal", CLEAR),
            "city": _f(CONTACT, "Commune", CLEAR),
            "diploma_level": _f(SITUATION, "Niveau de diplôme"),
            "is_job_seeker": _f(SITUATION, "Demandeur·euse d'emploi"),
            "is_rsa_beneficiary": _f(SITUATION, "Allocataire du RSA", KEEP, HIGH),
            "is_reconversion": _f(SITUATION, "En reconversion"),
            "is_rqth": _f(
                HEALTH, "Reconnaissance de la qualité de travailleur handicapé (RQTH)", KEEP, SPECIAL
            ),
            "is_bpi": _f(SITUATION, "Bénéficiaire d'une protection internationale", KEEP, HIGH),
            "is_qpv_resident": _f(SITUATION, "Résident·e d'un quartier prioritaire (QPV)"),
            "is_zrr_resident": _f(SITUATION, "Résident·e d'une zone de revitalisation rurale (ZRR)"),
            "created_at": _f(PATHWAY, "Date d'enregistrement"),
            "email_allowed": _f(CONTACT, "Accepte de recevoir des courriels"),
            "sms_allowed": _f(CONTACT, "Accepte de recevoir des SMS"),
            "contact_preferences_on": _f(CONTACT, "Date du choix des moyens de contact", CLEAR),
            "informed_on": _f(RIGHTS, "Date de remise de la notice d'information"),
            "informed_by_id": _f(RIGHTS, "Personne qui a remis la notice"),
            "opposed_on": _f(RIGHTS, "Date d'opposition aux messages"),
            "opposed_by_id": _f(RIGHTS, "Personne qui a enregistré l'opposition"),
            "retention_notice_on": _f(RIGHTS, "Date d'annonce de l'anonymisation au responsable", CLEAR),
            "anonymised_on": _f(RIGHTS, "Date d'anonymisation"),
        },
        Owner("id", None),
    ),
    "pathways": TableDeclaration(
        Subject.PERSON,
        Retention.PERSON,
        {
            **_technical("id", "platform_id", "person_id", "version", "created_at"),
            "territory_id": _f(PATHWAY, "Territoire"),
            "prescriber_type": _f(SITUATION, "Type de prescripteur"),
            "prescriber_id": _f(SITUATION, "Organisme prescripteur"),
            "delegate_id": _f(PATHWAY, "Délégué·e territorial·e"),
            "adviser_id": _f(PATHWAY, "Conseiller·ère"),
            "target_job_code": _f(PROFESSIONAL, "Métier visé"),
            "state": _f(PATHWAY, "Étape du parcours"),
            "last_event_on": _f(PATHWAY, "Date de la dernière étape"),
            # The summary (services.summary): dates and a code read from the records above.
            "entered_on": _f(PATHWAY, "Date d'entrée dans le parcours (résumé)"),
            "last_contact_on": _f(PATHWAY, "Date du dernier contact (résumé)"),
            "accompanied_on": _f(PATHWAY, "Date de début de l'accompagnement (résumé)"),
            "step_on": _f(PATHWAY, "Date de la première PMSMP, formation ou recherche d'emploi (résumé)"),
            "contract_on": _f(PATHWAY, "Date du premier contrat de travail (résumé)"),
            "six_months_on": _f(PATHWAY, "Date du point de suivi à six mois en poste (résumé)"),
            "exit_reason": _f(PATHWAY, "Motif de sortie (résumé, un code)"),
            "checkpoint_due_on": _f(PATHWAY, "Échéance du prochain point de suivi (résumé)"),
            "planned_on": _f(PATHWAY, "Date de la prochaine étape prévue (résumé)"),
            "immersion_ends_on": _f(PATHWAY, "Date de fin de la PMSMP en cours (résumé)"),
            "training_starts_on": _f(PATHWAY, "Date de début de la formation (résumé)"),
        },
        Owner("person_id", "persons"),
    ),
    # What the dashboard counts of a person, kept from their pathways (services.standing).
    "person_standings": TableDeclaration(
        Subject.PERSON,
        Retention.PERSON,
        {
            **_technical("person_id", "platform_id"),
            "furthest": _f(PATHWAY, "Étape la plus avancée de ses parcours (résumé)"),
            "latest_entered_on": _f(PATHWAY, "Date d'entrée du dernier parcours (résumé)"),
            "latest_year_furthest": _f(PATHWAY, "Étape la plus avancée des parcours de son année (résumé)"),
            "latest_outcome": _f(PATHWAY, "Issue du dernier parcours (résumé, un code)"),
        },
        Owner("person_id", "persons"),
    ),
    "pathway_events": TableDeclaration(
        Subject.PERSON,
        Retention.PERSON,
        {
            **_technical("id", "pathway_id", "sequence"),
            "trigger": _f(PATHWAY, "Étape franchie"),
            "from_state": _f(PATHWAY, "Étape de départ"),
            "to_state": _f(PATHWAY, "Étape d'arrivée"),
            "occurred_on": _f(PATHWAY, "Date de l'étape"),
            "recorded_at": _f(PATHWAY, "Date de saisie"),
            "recorded_by_id": _f(PATHWAY, "Saisie par"),
            "comment": _f(ASSESSMENTS, "Commentaire d'une étape", CLEAR, HIGH),
            "details": _f(PATHWAY, "Détails d'une étape (motif de sortie ou de suspension…)", SCRUB),
            "redated_from": _f(PATHWAY, "Date d'origine d'une étape redatée"),
        },
        BY_PATHWAY,
    ),
    "planned_steps": TableDeclaration(
        Subject.PERSON,
        Retention.PERSON,
        {
            **_technical("id", "pathway_id", "event_id", "version", "created_at"),
            "trigger": _f(PATHWAY, "Étape prévue"),
            "planned_on": _f(PATHWAY, "Date prévue"),
            "request": _f(PATHWAY, "Détails de l'étape prévue (employeur, tuteur·rice, commentaire)", SCRUB),
            "status": _f(PATHWAY, "Statut de l'étape prévue"),
            "created_by_id": _f(PATHWAY, "Prévue par"),
            "decided_on": _f(PATHWAY, "Date de confirmation ou d'annulation"),
            "decided_by_id": _f(PATHWAY, "Confirmée ou annulée par"),
        },
        BY_PATHWAY,
    ),
    "adviser_assignments": TableDeclaration(
        Subject.PERSON,
        Retention.PERSON,
        {
            **_technical("id", "pathway_id", "assigned_at"),
            "adviser_id": _f(PATHWAY, "Conseiller·ère successif·ve"),
            "assigned_on": _f(PATHWAY, "Date d'affectation"),
            "assigned_by_id": _f(PATHWAY, "Affecté·e par"),
            "ended_on": _f(PATHWAY, "Fin de l'affectation"),
            "handover_note": _f(ASSESSMENTS, "Note de passage de relais", CLEAR, HIGH),
        },
        BY_PATHWAY,
    ),
    "notes": TableDeclaration(
        Subject.PERSON,
        Retention.PERSON,
        {
            **_technical("id", "pathway_id", "created_at"),
            "author_id": _f(ASSESSMENTS, "Auteur·rice d'une note"),
            "written_on": _f(ASSESSMENTS, "Date d'une note"),
            "body": _f(ASSESSMENTS, "Texte d'une note (chiffré)", CLEAR, HIGH),
        },
        BY_PATHWAY,
    ),
    "barriers": TableDeclaration(
        Subject.PERSON,
        Retention.PERSON,
        {
            **_technical("id", "pathway_id", "version"),
            # A « santé » frein says a health difficulty exists: article 9 data.
            "category": _f(
                BARRIERS, "Catégorie du frein (mobilité, logement, santé, dettes…)", KEEP, SPECIAL
            ),
            "status": _f(BARRIERS, "Statut du frein"),
            "identified_on": _f(BARRIERS, "Date d'identification du frein"),
            "details": _f(BARRIERS, "Précisions sur le frein (chiffrées)", CLEAR, SPECIAL),
            "recorded_by_id": _f(BARRIERS, "Frein signalé par"),
        },
        BY_PATHWAY,
    ),
    "barrier_status_changes": TableDeclaration(
        Subject.PERSON,
        Retention.PERSON,
        {
            **_technical("id", "barrier_id"),
            "status": _f(BARRIERS, "Statut daté d'un frein"),
            "changed_on": _f(BARRIERS, "Date du changement de statut"),
            "action_taken": _f(BARRIERS, "Action menée sur un frein (chiffrée)", CLEAR, SPECIAL),
            "partner": _f(BARRIERS, "Partenaire mobilisé sur un frein (chiffré)", CLEAR, SPECIAL),
            "recorded_at": _f(BARRIERS, "Date de saisie du statut"),
            "recorded_by_id": _f(BARRIERS, "Statut saisi par"),
        },
        Owner("barrier_id", "barriers"),
    ),
    "diagnostics": TableDeclaration(
        Subject.PERSON,
        Retention.PERSON,
        {
            **_technical("id", "pathway_id", "created_at"),
            "kind": _f(PATHWAY, "Type de diagnostic"),
            "week_id": _f(PATHWAY, "Semaine du pôle orientation du diagnostic"),
            "written_on": _f(PATHWAY, "Date du diagnostic"),
            "basic_skills": _f(ASSESSMENTS, "Diagnostic : savoirs de base", CLEAR, HIGH),
            "professional_values": _f(ASSESSMENTS, "Diagnostic : valeurs professionnelles", CLEAR, HIGH),
            "barriers_and_levers": _f(ASSESSMENTS, "Diagnostic : freins et leviers", CLEAR, HIGH),
            "project_validated": _f(PATHWAY, "Projet professionnel validé"),
            "target_job_code": _f(PROFESSIONAL, "Métier visé au diagnostic"),
            "author_id": _f(PATHWAY, "Auteur·rice du diagnostic"),
        },
        BY_PATHWAY,
    ),
    "road_map_steps": TableDeclaration(
        Subject.PERSON,
        Retention.PERSON,
        {
            **_technical("id", "diagnostic_id"),
            "label": _f(ASSESSMENTS, "Étape de la feuille de route", CLEAR, HIGH),
            "planned_on": _f(PATHWAY, "Date prévue d'une étape de la feuille de route"),
        },
        Owner("diagnostic_id", "diagnostics"),
    ),
    "info_session_attendances": TableDeclaration(
        Subject.PERSON,
        Retention.PERSON,
        {
            **_technical("id", "person_id"),
            "session_id": _f(PATHWAY, "Information collective"),
            "status": _f(
                PATHWAY, "Présence à l'information collective (convoqué·e, présent·e, excusé·e, absent·e)"
            ),
            "convoked_at": _f(PATHWAY, "Date d'envoi de la convocation"),
            "answer": _f(PATHWAY, "Réponse à la convocation (présent·e, empêché·e, à rappeler)"),
            "answer_reason": _f(
                ASSESSMENTS, "Raison donnée par la personne qui ne peut pas venir", CLEAR, HIGH
            ),
            "answered_at": _f(PATHWAY, "Date de la réponse à la convocation"),
            "called_back_on": _f(PATHWAY, "Date du rappel demandé par la personne"),
        },
        Owner("person_id", "persons"),
    ),
    "orientation_participants": TableDeclaration(
        Subject.PERSON,
        Retention.PERSON,
        {
            **_technical("id", "pathway_id"),
            "week_id": _f(PATHWAY, "Semaine du pôle orientation"),
            "availability_confirmed": _f(PATHWAY, "Disponibilité confirmée pour la semaine"),
            "convoked_at": _f(PATHWAY, "Date d'envoi de la convocation"),
            "answer": _f(PATHWAY, "Réponse à la convocation (présent·e, empêché·e, à rappeler)"),
            "answer_reason": _f(
                ASSESSMENTS, "Raison donnée par la personne qui ne peut pas venir", CLEAR, HIGH
            ),
            "answered_at": _f(PATHWAY, "Date de la réponse à la convocation"),
            "called_back_on": _f(PATHWAY, "Date du rappel demandé par la personne"),
        },
        BY_PATHWAY,
    ),
    "orientation_attendances": TableDeclaration(
        Subject.PERSON,
        Retention.PERSON,
        {
            **_technical("id", "participant_id"),
            "day": _f(PATHWAY, "Jour de la semaine du pôle orientation"),
            "present": _f(PATHWAY, "Présence au pôle orientation"),
        },
        Owner("participant_id", "orientation_participants"),
    ),
    "immersions": TableDeclaration(
        Subject.PERSON,
        Retention.PERSON,
        {
            **_technical("id", "pathway_id", "created_at", "version"),
            "employer_id": _f(PROFESSIONAL, "Employeur d'accueil de la PMSMP"),
            "tutor_name": _f(PARTNERS, "Nom du tuteur ou de la tutrice", CLEAR, subject=Subject.TUTOR),
            "tutor_job": _f(PARTNERS, "Fonction du tuteur ou de la tutrice", CLEAR, subject=Subject.TUTOR),
            "tutor_contact": _f(
                PARTNERS, "Coordonnées du tuteur ou de la tutrice", CLEAR, subject=Subject.TUTOR
            ),
            "prescriber_type": _f(PROFESSIONAL, "Prescripteur de la PMSMP"),
            "objective": _f(PROFESSIONAL, "Objectif de la PMSMP"),
            "job_code": _f(PROFESSIONAL, "Métier de la PMSMP"),
            "starts_on": _f(PROFESSIONAL, "Début de la PMSMP"),
            "ends_on": _f(PROFESSIONAL, "Fin de la PMSMP"),
            "hours": _f(PROFESSIONAL, "Durée de la PMSMP (heures)"),
            "outcome": _f(PROFESSIONAL, "Bilan de la PMSMP"),
            "employer_feedback": _f(ASSESSMENTS, "Retour de l'employeur sur la PMSMP", CLEAR, HIGH),
            "leads_to": _f(PROFESSIONAL, "Suite donnée à la PMSMP"),
            "assessed_on": _f(PROFESSIONAL, "Date du bilan de la PMSMP"),
        },
        BY_PATHWAY,
    ),
    "trainings": TableDeclaration(
        Subject.PERSON,
        Retention.PERSON,
        {
            **_technical("id", "pathway_id", "contract_id", "created_at", "version"),
            "organisation_id": _f(PROFESSIONAL, "Organisme de formation"),
            "certification_code": _f(PROFESSIONAL, "Certification visée"),
            "funding": _f(PROFESSIONAL, "Financement de la formation"),
            "starts_on": _f(PROFESSIONAL, "Début de la formation"),
            "ends_on": _f(PROFESSIONAL, "Fin de la formation"),
            "hours": _f(PROFESSIONAL, "Durée de la formation (heures)"),
            "result": _f(PROFESSIONAL, "Résultat de la formation"),
            "abandon_reason": _f(ASSESSMENTS, "Motif d'abandon de la formation", CLEAR, HIGH),
            "blocks_obtained": _f(PROFESSIONAL, "Blocs de compétences obtenus"),
            "in_employment": _f(PROFESSIONAL, "Formation suivie pendant l'emploi"),
        },
        BY_PATHWAY,
    ),
    "contracts": TableDeclaration(
        Subject.PERSON,
        Retention.PERSON,
        {
            **_technical("id", "pathway_id", "created_at"),
            "employer_id": _f(PROFESSIONAL, "Employeur"),
            "employer_type": _f(PROFESSIONAL, "Type d'employeur"),
            "job_code": _f(PROFESSIONAL, "Métier du contrat"),
            "contract_type": _f(PROFESSIONAL, "Type de contrat"),
            "cdd_months": _f(PROFESSIONAL, "Durée du CDD (mois)"),
            "starts_on": _f(PROFESSIONAL, "Début du contrat"),
            "hours_per_week": _f(PROFESSIONAL, "Heures par semaine"),
            "ended_on": _f(PROFESSIONAL, "Fin anticipée du contrat"),
            "end_reason": _f(PROFESSIONAL, "Motif de la fin du contrat"),
        },
        BY_PATHWAY,
    ),
    "checkpoints": TableDeclaration(
        Subject.PERSON,
        Retention.PERSON,
        {
            **_technical("id", "pathway_id", "contract_id", "version"),
            "month": _f(PROFESSIONAL, "Point de suivi (1, 3 ou 6 mois)"),
            "due_on": _f(PROFESSIONAL, "Date prévue du point de suivi"),
            "recorded_on": _f(PROFESSIONAL, "Date du point de suivi"),
            "still_in_post": _f(PROFESSIONAL, "Toujours en poste"),
            "difficulties": _f(ASSESSMENTS, "Difficultés relevées au point de suivi", CLEAR, HIGH),
            "action_taken": _f(ASSESSMENTS, "Action menée au point de suivi", CLEAR, HIGH),
            "recorded_by_id": _f(PROFESSIONAL, "Point de suivi saisi par"),
            "cancelled_on": _f(PROFESSIONAL, "Annulation du point de suivi (fin du contrat)"),
        },
        BY_PATHWAY,
    ),
    "referents": TableDeclaration(
        Subject.PARTNER,
        Retention.PARTNER,
        {
            **_technical("id", "pathway_id", "created_at"),
            "organisation_type": _f(PARTNERS, "Type d'organisation du ou de la référent·e"),
            "organisation_name": _f(PARTNERS, "Organisation du ou de la référent·e", CLEAR),
            "name": _f(PARTNERS, "Nom du ou de la référent·e", CLEAR),
            "email": _f(PARTNERS, "Adresse électronique du ou de la référent·e", CLEAR),
            "phone": _f(PARTNERS, "Téléphone du ou de la référent·e", CLEAR),
        },
        BY_PATHWAY,
    ),
    "exchanges": TableDeclaration(
        Subject.PERSON,
        Retention.PERSON,
        {
            **_technical("id", "pathway_id", "created_at"),
            "referent_id": _f(PATHWAY, "Référent·e de l'échange tripartite"),
            "occurred_on": _f(PATHWAY, "Date de l'échange tripartite"),
            "participants": _f(ASSESSMENTS, "Participant·es à l'échange", CLEAR, subject=Subject.PARTNER),
            "mode": _f(PATHWAY, "Mode de l'échange (entretien, téléphone…)"),
            "summary": _f(ASSESSMENTS, "Compte rendu de l'échange", CLEAR, HIGH),
            "next_step": _f(ASSESSMENTS, "Prochaine étape convenue", CLEAR, HIGH),
            "next_step_on": _f(PATHWAY, "Date prévue de la prochaine étape"),
            "next_step_done_on": _f(PATHWAY, "Date où la prochaine étape a été faite"),
            "recorded_by_id": _f(PATHWAY, "Échange saisi par"),
        },
        BY_PATHWAY,
    ),
    # The log of messages sent to the person (never their text); the digests
    # to accounts have no person and are the platform's own traces.
    "outgoing_messages": TableDeclaration(
        Subject.PERSON,
        Retention.PERSON,
        {
            **_technical(
                "id",
                "platform_id",
                "person_id",
                "attendance_id",
                "participant_id",
                "dedup_key",
                "attempts",
                "error",
            ),
            "user_id": _f(ACCOUNTS, "Compte destinataire de l'agenda de la semaine", subject=Subject.STAFF),
            "kind": _f(TRACES, "Message envoyé (convocation, rappel, agenda)"),
            "channel": _f(TRACES, "Canal d'un message (courriel, SMS)"),
            "status": _f(TRACES, "Message remis ou en échec"),
            "recipient": _f(CONTACT, "Adresse ou numéro auquel un message a été envoyé", CLEAR),
            "asked_by_id": _f(TRACES, "Auteur·rice de l'envoi d'un message"),
            "created_at": _f(TRACES, "Date de demande d'un message"),
            "sent_at": _f(TRACES, "Date d'envoi d'un message"),
        },
        Owner("person_id", "persons"),
    ),
    # --- the platform's organisation ---------------------------------------------------------
    "platforms": TableDeclaration(None, Retention.NONE, _technical("id", "slug", "name", "created_at")),
    "territories": TableDeclaration(None, Retention.NONE, _technical("id", "platform_id", "name")),
    "info_sessions": TableDeclaration(
        Subject.STAFF,
        Retention.REFERENCE,
        {
            **_technical(
                "id",
                "platform_id",
                "territory_id",
                "held_on",
                "starts_at",
                "ends_at",
                "place",
                "access",
                "seats",
                "created_at",
            ),
            "delegate_id": _f(ACCOUNTS, "Délégué·e qui anime une session"),
            "contact_phone": _f(ACCOUNTS, "Téléphone à appeler indiqué sur les convocations"),
        },
    ),
    "orientation_weeks": TableDeclaration(
        Subject.STAFF,
        Retention.REFERENCE,
        {
            **_technical(
                "id",
                "platform_id",
                "territory_id",
                "starts_on",
                "starts_at",
                "ends_at",
                "place",
                "access",
                "seats",
                "created_at",
            ),
            "delegate_id": _f(ACCOUNTS, "Délégué·e qui anime une semaine"),
            "contact_phone": _f(ACCOUNTS, "Téléphone à appeler indiqué sur les convocations"),
        },
    ),
    "employers": TableDeclaration(
        Subject.EMPLOYER,
        Retention.REFERENCE,
        {
            **_technical("id", "platform_id", "version"),
            "name": _f(EMPLOYERS, "Nom de l'employeur"),
            "siret": _f(EMPLOYERS, "SIRET de l'employeur"),
            "employer_type": _f(EMPLOYERS, "Type d'employeur"),
            "city": _f(EMPLOYERS, "Commune de l'employeur"),
        },
    ),
    "training_organisations": TableDeclaration(
        None, Retention.NONE, _technical("id", "platform_id", "name", "city", "version")
    ),
    "prescribers": TableDeclaration(
        None, Retention.NONE, _technical("id", "platform_id", "name", "prescriber_type", "version")
    ),
    "jobs": TableDeclaration(None, Retention.NONE, _technical("rome_code", "label", "is_sector_job")),
    "certifications": TableDeclaration(
        None, Retention.NONE, _technical("code", "label", "level", "rncp_code")
    ),
    # --- the users and the traces ---------------------------------------------------------------
    "users": TableDeclaration(
        Subject.STAFF,
        Retention.ACCOUNT,
        {
            **_technical("id", "platform_id", "must_change_password", "session_token"),
            "email": _f(ACCOUNTS, "Adresse électronique de connexion"),
            "full_name": _f(ACCOUNTS, "Prénom et nom"),
            "password_hash": _f(ACCOUNTS, "Mot de passe (haché avec argon2id)", KEEP, Sensitivity.SECRET),
            "role": _f(ACCOUNTS, "Rôle"),
            "is_active": _f(ACCOUNTS, "Compte actif"),
            "created_at": _f(ACCOUNTS, "Date de création du compte"),
            "last_login_at": _f(TRACES, "Dernière connexion"),
            "weekly_digest": _f(ACCOUNTS, "Reçoit l'agenda de la semaine par courriel"),
        },
    ),
    "user_territories": TableDeclaration(
        Subject.STAFF, Retention.ACCOUNT, _technical("user_id", "territory_id")
    ),
    "adviser_replacements": TableDeclaration(
        Subject.STAFF,
        Retention.ACCOUNT,
        {
            **_technical("id", "platform_id", "created_at"),
            "replaced_id": _f(ACCOUNTS, "Conseiller·ère remplacé·e"),
            "replacing_id": _f(ACCOUNTS, "Conseiller·ère remplaçant·e"),
            "starts_on": _f(ACCOUNTS, "Début du remplacement"),
            "ends_on": _f(ACCOUNTS, "Fin du remplacement"),
            "granted_by_id": _f(ACCOUNTS, "Remplacement accordé par"),
        },
    ),
    "audit_entries": TableDeclaration(
        Subject.STAFF,
        Retention.AUDIT,
        {
            **_technical("id", "platform_id"),
            "occurred_at": _f(TRACES, "Date et heure d'une action"),
            "user_id": _f(TRACES, "Auteur·rice d'une action"),
            "action": _f(TRACES, "Action (consultation, écriture, export, refus…)"),
            "object_type": _f(TRACES, "Type d'objet concerné"),
            "object_id": _f(
                TRACES, "Objet concerné (dont la personne dont on ouvre le dossier)", subject=Subject.PERSON
            ),
            # A correction's before and after (names, contact): removed with the person.
            "changes": _f(TRACES, "Valeurs avant et après d'une correction", SCRUB, subject=Subject.PERSON),
            "details": _f(TRACES, "Détails d'une action (nombre de lignes, période…)"),
            "address": _f(TRACES, "Adresse IP"),
        },
    ),
    "login_attempts": TableDeclaration(
        Subject.STAFF,
        Retention.LOGIN_ATTEMPTS,
        {
            **_technical("id"),
            "email": _f(TRACES, "Adresse saisie à la connexion"),
            "address": _f(TRACES, "Adresse IP d'une connexion"),
            "attempted_at": _f(TRACES, "Date et heure d'une connexion"),
            "succeeded": _f(TRACES, "Connexion réussie ou non"),
        },
    ),
    "background_jobs": TableDeclaration(
        Subject.STAFF,
        Retention.JOBS,
        {
            **_technical(
                "id",
                "kind",
                "idempotency_key",
                "status",
                "attempts",
                "progress_done",
                "progress_total",
                "progress_label",
                "error_message",
                "summary",
                "result_file",
                "result_name",
                "result_expires_at",
                "platform_id",
                "created_at",
                "updated_at",
                "started_at",
                "finished_at",
            ),
            # The export of a person's record names the person: removed with the person.
            "title": _f(TRACES, "Intitulé d'une tâche demandée", SCRUB, subject=Subject.PERSON),
            "params": _f(TRACES, "Paramètres d'une tâche (période, personne)", SCRUB, subject=Subject.PERSON),
            "user_id": _f(TRACES, "Auteur·rice d'une tâche"),
        },
    ),
    "import_batches": TableDeclaration(
        Subject.STAFF,
        Retention.IMPORTS,
        {
            **_technical(
                "id",
                "platform_id",
                "status",
                "rows_total",
                "rows_checked",
                "rows_written",
                "stored_as",
                "updated_at",
            ),
            "user_id": _f(TRACES, "Auteur·rice d'un import"),
            "filename": _f(TRACES, "Nom du fichier importé"),
            "created_at": _f(TRACES, "Date d'un import"),
            # A refused cell is quoted (« Traoré », a birth date): removed with the person it names.
            "report": _f(
                TRACES, "Rapport d'import (cellules refusées et leur valeur)", SCRUB, subject=Subject.PERSON
            ),
            "written": _f(TRACES, "Journal d'un import (lignes écrites, présences changées)"),
        },
    ),
    "form_submissions": TableDeclaration(
        Subject.STAFF,
        Retention.FORM_TOKENS,
        {
            **_technical("token"),
            "user_id": _f(TRACES, "Auteur·rice d'un envoi de formulaire"),
            "submitted_at": _f(TRACES, "Date et heure d'un envoi de formulaire"),
            "target": _f(
                TRACES, "Page où a mené un formulaire (dossier de la personne)", SCRUB, subject=Subject.PERSON
            ),
        },
    ),
}


@dataclass(frozen=True)
class DeclaredField:
    table: str
    column: str
    field: Field
    subject: Subject
    retention: Retention


def personal_fields() -> Iterator[DeclaredField]:
    """Every personal column, with whose data it is and how long its table is kept."""
    for table_name, table in TABLES.items():
        for column, declared in table.columns.items():
            if declared is None:
                continue
            subject = declared.subject or table.subject
            assert subject is not None, f"{table_name}.{column}: whose data?"
            yield DeclaredField(table_name, column, declared, subject, table.retention)


def fields_of(action: Action) -> list[DeclaredField]:
    return [declared for declared in personal_fields() if declared.field.on_anonymise is action]


def categories_held() -> list[Category]:
    """The categories some column holds, in the declaration's order."""
    seen = {declared.field.category for declared in personal_fields()}
    return [category for category in Category if category in seen]


def categories_about(subject: Subject) -> list[Category]:
    """The categories that hold data about ``subject``."""
    seen = {declared.field.category for declared in personal_fields() if declared.subject is subject}
    return [category for category in Category if category in seen]
