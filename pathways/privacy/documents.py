"""The information notice and the register of processing, generated from the tool itself.

Both are built from ``pathways.privacy.declaration`` (the categories of
data, whose they are, how sensitive, what the anonymisation keeps), from
the settings (the retention and notice durations, the audit trail's, the
sessions' timeouts, the DPO's contact) and from the code's own lists (the
roles, the partners' kinds of organisation, the encrypted columns): when a
field, a role or a duration changes, the documents follow. Each is a
``Document`` of sections, shown as a page and printed as PDF from the same
template.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from pathways import audit, clock
from pathways.crypto import encrypted_columns
from pathways.models import Base
from pathways.privacy.declaration import (
    CATEGORY_SUMMARIES,
    TABLES,
    Action,
    Category,
    Retention,
    Sensitivity,
    Subject,
    categories_about,
    categories_held,
    personal_fields,
)
from pathways.privacy.retention import RetentionSettings
from pathways.security.throttle import KEEP_ATTEMPTS
from pathways.services.submissions import KEEP_TOKENS
from pathways.vocabulary import ReferentOrganisation, Role

CNIL_ADDRESS = "CNIL, 3 place de Fontenoy, TSA 80715, 75334 Paris Cedex 07 — www.cnil.fr"
SOFTWARE = "Pathways, outil de suivi des parcours des plateformes des métiers de l'autonomie"


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    table: Table | None = None


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str
    sections: list[Section]
    produced_on: date

    def text(self) -> str:
        """Everything the document says, as plain text (tests read it)."""
        parts = [self.title, self.subtitle]
        for section in self.sections:
            parts += [section.title, *section.paragraphs, *section.items]
            if section.table:
                parts += section.table.headers + [cell for row in section.table.rows for cell in row]
        return "\n".join(parts)


@dataclass(frozen=True)
class PrivacySettings:
    """What the documents say that the configuration decides."""

    retention: RetentionSettings = field(default_factory=RetentionSettings)
    dpo_contact: str = ""
    idle_minutes: int = 30
    session_hours: int = 12
    secure_cookies: bool = False
    job_file_hours: int = 24
    # The message providers configured (host names): the register names them as processors.
    mail_server: str | None = None
    sms_provider: str | None = None

    @classmethod
    def of_current_app(cls) -> PrivacySettings:
        from flask import current_app

        config = current_app.config
        return cls(
            RetentionSettings.of_current_app(),
            config.get("DPO_CONTACT") or "",
            int(config["SESSION_IDLE_TIMEOUT"].total_seconds() // 60),
            int(config["PERMANENT_SESSION_LIFETIME"].total_seconds() // 3600),
            bool(config.get("SESSION_COOKIE_SECURE")),
            int(config.get("JOBS_FILE_HOURS") or 24),
            config.get("MAIL_SERVER") if config.get("MAIL_BACKEND") == "smtp" else None,
            _sms_host(config.get("SMS_API_URL"), config.get("SMS_API_KEY")),
        )


def _months(count: int) -> str:
    return f"{count} mois"


def _days(count: int) -> str:
    return f"{count} jour{'s' if count > 1 else ''}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def retention_text(retention: Retention, settings: PrivacySettings, *, short: bool = False) -> str:
    months = settings.retention.months
    if short:
        return {
            Retention.PERSON: f"{_months(months)} après le dernier contact, puis anonymisées",
            Retention.PARTNER: "effacées à l'anonymisation de la personne",
            Retention.REFERENCE: "tant que la plateforme en a l'usage",
            Retention.ACCOUNT: "durée du compte (désactivé, jamais supprimé)",
            Retention.JOBS: f"fichiers {settings.job_file_hours} h, suivi 90 jours",
        }.get(retention) or retention_text(retention, settings)
    return {
        Retention.PERSON: f"pendant l'accompagnement, puis {_months(months)} après le dernier contact ; "
        "ensuite anonymisées (identité, coordonnées, textes libres, précisions de santé et coordonnées "
        "des partenaires supprimés ; le reste gardé sans l'identité, pour les statistiques)",
        Retention.PARTNER: "avec le parcours de la personne : supprimées à son anonymisation "
        f"({_months(months)} "
        "après le dernier contact)",
        Retention.REFERENCE: "tant que la plateforme travaille avec cet employeur ou organise ces sessions",
        Retention.ACCOUNT: "tant que le compte existe ; un compte est désactivé, jamais supprimé, car il "
        "signe l'historique des parcours",
        Retention.AUDIT: f"{_months(audit.RETENTION_MONTHS)} "
        f"(jamais moins de {_months(audit.MIN_RETENTION_MONTHS)})",
        Retention.LOGIN_ATTEMPTS: _days(KEEP_ATTEMPTS.days),
        Retention.FORM_TOKENS: _days(KEEP_TOKENS.days),
        Retention.JOBS: f"fichiers produits : {settings.job_file_hours} heures ; suivi des tâches : 90 jours",
        Retention.IMPORTS: "l'historique des imports de la plateforme, sans purge automatique à ce jour ; "
        "fichier déposé supprimé après l'import ; valeurs de cellules effacées à l'anonymisation de la "
        "personne qu'elles nomment",
        Retention.NONE: "—",
    }[retention]


def _controller(platform_name: str | None) -> str:
    if platform_name:
        return f"la plateforme des métiers de l'autonomie « {platform_name} »"
    return (
        "chaque plateforme des métiers de l'autonomie qui utilise l'outil, pour les personnes "
        "qu'elle accompagne"
    )


def _sms_host(url: str | None, key: str | None) -> str | None:
    """The SMS provider's host, when it is configured (both its address and its key, as ``messaging.sms``)."""
    return urlsplit(url).hostname if url and key else None


def _message_processors(settings: PrivacySettings) -> list[str]:
    processors = []
    if settings.mail_server:
        processors.append(
            f"Service d'envoi des courriels ({settings.mail_server}), en qualité de sous-traitant : adresse "
            "électronique, prénom et nom, convocations (date, lieu, horaires) ; jamais de note ni de donnée "
            "de santé."
        )
    if settings.sms_provider:
        processors.append(
            f"Prestataire d'envoi des SMS ({settings.sms_provider}), en qualité de sous-traitant : numéro de "
            "mobile et rappels de convocation (date, lieu, horaires)."
        )
    return processors


def _transfers(settings: PrivacySettings) -> str:
    called = [name for name in (settings.mail_server, settings.sms_provider) if name]
    if not called:
        return (
            "Aucun par l'outil, qui n'appelle aucun service extérieur ; l'hébergement doit être dans l'Union "
            "européenne."
        )
    return (
        f"L'outil n'appelle que les services d'envoi configurés ({', '.join(called)}) ; ces services et "
        "l'hébergement doivent être dans l'Union européenne."
    )


def _dpo(settings: PrivacySettings) -> str:
    if settings.dpo_contact:
        return f"Délégué·e à la protection des données : {settings.dpo_contact}."
    return (
        "Délégué·e à la protection des données : ses coordonnées ne sont pas encore renseignées "
        "(réglage PATHWAYS_DPO_CONTACT) ; adressez-vous au ou à la responsable de la plateforme."
    )


PURPOSES = [
    "accompagner chaque personne vers une formation ou un emploi dans les métiers de l'autonomie : "
    "repérage, information collective, pôle orientation, PMSMP, formation, recherche d'emploi, suivi "
    "dans l'emploi ;",
    "lever avec elle les freins périphériques (mobilité, logement, garde d'enfants, santé, dettes…) ;",
    "coordonner l'accompagnement avec les partenaires qui la suivent aussi (échanges tripartites) ;",
    "produire les bilans d'activité de la plateforme et les indicateurs nationaux, qui ne contiennent "
    "que des chiffres ;",
    "assurer la sécurité des données : qui a consulté ou modifié quoi, et quand (journal d'audit).",
]
LEGAL_BASIS = (
    "Base légale : l'exécution d'une mission d'intérêt public confiée à la plateforme (article 6-1-e du "
    "RGPD) ; pour les données de santé et de handicap, la prise en charge sociale de la personne (article "
    "9-2-h) — à confirmer par le responsable du traitement selon la convention qui fonde la plateforme."
)


def _roles_seeing() -> list[str]:
    return [
        f"{Role.ADVISER.label} : les parcours qui lui sont confiés (et, pendant un remplacement accordé par "
        "le ou la responsable, ceux de la personne remplacée) ;",
        f"{Role.DELEGATE.label} : les parcours de ses territoires jusqu'au passage de relais, et ceux "
        "dont il ou elle est le ou la délégué·e ;",
        f"{Role.MANAGER.label} : tous les parcours de la plateforme, sans les précisions des freins de "
        "santé ;",
        f"{Role.ADMIN.label} : gère les comptes et ne voit aucun dossier de personne.",
    ]


def _partner_kinds() -> str:
    return ", ".join(k.label for k in ReferentOrganisation if k is not ReferentOrganisation.OTHER)


def _partners() -> str:
    return (
        f"Les partenaires qui vous accompagnent aussi ({_partner_kinds()}…) échangent avec la "
        "plateforme à votre sujet lors des échanges tripartites ; ils n'ont pas accès à l'outil."
    )


def _kept_after_anonymisation() -> str:
    kept = [
        _lower_first(d.field.label)
        for d in personal_fields()
        if d.table == "persons"
        and d.field.on_anonymise in (Action.KEEP, Action.GENERALISE)
        and d.field.category in (Category.IDENTITY, Category.SITUATION, Category.HEALTH)
    ]
    return ", ".join(["année de naissance" if k == "date de naissance" else k for k in kept])


def information_notice(
    platform_name: str | None, settings: PrivacySettings, *, today: date | None = None
) -> Document:
    """The notice given to each person at the first contact (plain French, « vous »)."""
    months, notice_days = settings.retention.months, settings.retention.notice_days
    categories = categories_about(Subject.PERSON)
    # Partners' contacts sit in your file although they are not about you: said too.
    categories += [c for c in categories_held() if c not in categories and c is not Category.ACCOUNTS]
    others = [c for c in categories_held() if c not in categories]
    sensitive = list(
        dict.fromkeys(
            _lower_first(d.field.category.label)
            for d in personal_fields()
            if d.subject is Subject.PERSON and d.field.sensitivity is Sensitivity.SPECIAL
        )
    )
    encrypted = _encrypted_labels()
    sections = [
        Section(
            "Qui est responsable de vos données ?",
            [
                f"Le responsable est {_controller(platform_name)}, qui vous accompagne. Pour toute question, "
                "ou pour exercer vos droits, adressez-vous à votre conseiller·ère ou au ou à la responsable "
                "de la plateforme.",
                _dpo(settings),
            ],
        ),
        Section("Pourquoi ces données ?", ["La plateforme les enregistre pour :"], PURPOSES),
        Section(
            "Quelles données ?",
            ["Seules les informations utiles à votre accompagnement sont enregistrées :"],
            [f"{category.label} : {CATEGORY_SUMMARIES[category]}." for category in categories]
            + [
                "L'outil garde aussi, sur d'autres que vous : "
                + " ; ".join(f"{c.label} ({CATEGORY_SUMMARIES[c]})" for c in others)
                + "."
            ]
            * bool(others),
        ),
        Section(
            "Des données sensibles, mieux protégées",
            [
                f"Certaines informations sont sensibles : {' ; '.join(sensitive)}. "
                "Les précisions sur un frein "
                "de santé ne sont visibles que de votre conseiller·ère et de votre délégué·e. "
                f"Sont enregistrés chiffrés : {', '.join(encrypted)}. Les notes restent factuelles : vous "
                "pouvez les lire.",
            ],
        ),
        Section(
            "Qui peut les voir ?",
            ["Dans la plateforme, selon son rôle :"],
            [
                *_roles_seeing(),
                _partners(),
                "Les bilans d'activité transmis aux financeurs et à la coordination nationale ne contiennent "
                "que des chiffres, jamais votre nom.",
            ],
        ),
        Section(
            "Combien de temps ?",
            [
                f"Pendant votre accompagnement, puis {_months(months)} après votre dernier contact avec la "
                f"plateforme. {_days(notice_days).capitalize()} avant, le ou la responsable en est "
                "averti·e ; ensuite, votre nom, vos coordonnées, les textes écrits à votre sujet, les "
                "précisions de santé et les coordonnées des partenaires sont effacés. Il ne reste que ce "
                "qui ne permet plus de vous reconnaître et sert aux statistiques : "
                f"{_kept_after_anonymisation()}"
                ", territoire, et les étapes datées de vos parcours, sans texte.",
                f"La liste des consultations de votre dossier est gardée {_months(audit.RETENTION_MONTHS)}.",
            ],
        ),
        Section(
            "Vos droits",
            ["Vous pouvez, à tout moment et sans avoir à vous justifier :"],
            [
                "obtenir une copie de toutes vos données (droit d'accès : remise en PDF ou en tableur, avec "
                "la liste des personnes qui ont consulté votre dossier) ;",
                "faire corriger une information inexacte ou incomplète (droit de rectification) ;",
                "demander l'effacement de vos données (droit à l'effacement) ; si votre parcours est en "
                "cours, il est d'abord clos ;",
                "refuser de recevoir des messages de la plateforme, par courriel ou SMS (droit "
                "d'opposition) ;",
                "demander que vos données ne servent plus le temps d'examiner une contestation (droit à la "
                "limitation).",
            ],
        ),
        Section(
            "Comment faire ?",
            [
                "Demandez-le à votre conseiller·ère ou au ou à la responsable de la plateforme, oralement ou "
                "par écrit. La plateforme vous répond dans un délai d'un mois.",
                "Si vous estimez que vos droits ne sont pas respectés, vous pouvez saisir la "
                f"{CNIL_ADDRESS}.",
            ],
        ),
    ]
    return Document(
        "Vos données personnelles",
        f"Notice d'information — {platform_name}" if platform_name else "Notice d'information",
        sections,
        today or clock.today(),
    )


def _encrypted_labels() -> list[str]:
    labels = []
    for column in encrypted_columns(Base.metadata):
        declared = TABLES[column.table.name].columns.get(column.name)
        if declared is not None:
            labels.append(
                _lower_first(
                    declared.label.replace(" (chiffré)", "")
                    .replace(" (chiffrées)", "")
                    .replace(" (chiffrée)", "")
                )
            )
    return labels


_SENSITIVITY_ORDER = [
    Sensitivity.ORDINARY,
    Sensitivity.HIGHLY_PERSONAL,
    Sensitivity.SPECIAL,
    Sensitivity.SECRET,
]


def _category_rows(settings: PrivacySettings) -> list[list[str]]:
    rows = []
    for category in categories_held():
        fields = [d for d in personal_fields() if d.field.category is category]
        subjects = sorted({d.subject for d in fields}, key=list(Subject).index)
        sensitivities = sorted({d.field.sensitivity for d in fields}, key=_SENSITIVITY_ORDER.index)
        retentions = sorted({d.retention for d in fields}, key=list(Retention).index)
        rows.append(
            [
                category.label,
                ", ".join(_lower_first(d.field.label) for d in fields),
                " ; ".join(_lower_first(s.label.split(" (")[0]) for s in subjects),
                " ; ".join(s.label for s in sensitivities),
                " ; ".join(retention_text(r, settings, short=True) for r in retentions),
            ]
        )
    return rows


def _anonymisation_rows() -> list[list[str]]:
    rows = []
    for category in categories_about(Subject.PERSON):
        by_action: dict[Action, list[str]] = {}
        for d in personal_fields():
            if d.field.category is category and TABLES[d.table].owner is not None:
                by_action.setdefault(d.field.on_anonymise, []).append(_lower_first(d.field.label))
        if by_action:
            rows.append(
                [category.label]
                + [", ".join(by_action.get(action, [])) or "—" for action in (Action.CLEAR, Action.KEEP)]
                + [
                    ", ".join(
                        by_action.get(Action.REPLACE, [])
                        + by_action.get(Action.GENERALISE, [])
                        + by_action.get(Action.SCRUB, [])
                    )
                    or "—"
                ]
            )
    return rows


def _security_measures(settings: PrivacySettings) -> list[str]:
    return [
        "Cloisonnement : chaque requête sur les personnes passe par un seul module de contrôle d'accès ; un "
        "dossier hors du périmètre de l'utilisateur·rice répond « page introuvable » et le refus est "
        "journalisé ; aucune plateforme ne voit les personnes d'une autre.",
        f"Chiffrement au repos de : {', '.join(_encrypted_labels())} (Fernet, AES-128 et HMAC-SHA256, "
        "bibliothèque cryptography), avec une clé gardée hors de la base (variable d'environnement "
        "PATHWAYS_ENCRYPTION_KEYS) et une rotation documentée ; fichiers d'import en attente chiffrés "
        "(AES-256-GCM, clé gardée dans la seule session de la personne qui l'a déposé).",
        "Mots de passe hachés avec argon2id, de 12 caractères au moins, refusés s'ils sont courants ; "
        "temporisation croissante des échecs de connexion (recommandation CNIL n° 2022-100).",
        f"Sessions : fin après {settings.idle_minutes} minutes d'inactivité "
        f"et {settings.session_hours} heures "
        "au plus ; cookies HttpOnly, SameSite=Lax"
        + (
            ", Secure (HTTPS)"
            if settings.secure_cookies
            else " (Secure dès que SESSION_COOKIE_SECURE=1, en HTTPS)"
        )
        + " ; jeton CSRF sur chaque formulaire ; politique de sécurité du contenu sans script en ligne.",
        f"Journal d'audit en ajout seul, gardé {_months(audit.RETENTION_MONTHS)} : chaque consultation de "
        "dossier, écriture (avec les valeurs avant et après, sauf textes libres et santé), export, import, "
        "connexion et refus d'accès.",
        "Précisions des freins de santé visibles du seul conseiller et du seul délégué du parcours ; exports "
        "de cohorte pseudonymisés et k-anonymes (k = 5) par défaut, la version nominative réservée "
        "au ou à la "
        "responsable et journalisée.",
        "Journaux techniques sans contenu : ni mot de passe, ni texte de note, ni détail de santé.",
        "Aucun appel à un service extérieur : l'outil ne dépend d'aucun service en ligne pour fonctionner "
        "(ni police, ni script, ni rapport PDF ne vont chercher quoi que ce soit sur Internet).",
        f"Anonymisation automatique {_months(settings.retention.months)} après le dernier contact, "
        "annoncée au "
        f"ou à la responsable {_days(settings.retention.notice_days)} avant ; effacement sur demande.",
        "À la charge de l'hébergeur (sous-traitant) : sauvegardes chiffrées, mises à jour du système, "
        "HTTPS, localisation des serveurs dans l'Union européenne.",
    ]


def register(platform_name: str | None, settings: PrivacySettings, *, today: date | None = None) -> Document:
    """The register of the processing (article 30 of the GDPR), for the manager and the DPO."""
    by_retention: dict[Retention, list[str]] = {}
    for declared in personal_fields():
        labels = by_retention.setdefault(declared.retention, [])
        if declared.field.category.label not in labels:
            labels.append(declared.field.category.label)
    sections = [
        Section(
            "Le traitement",
            [
                "Suivi des parcours des personnes accompagnées vers les métiers de l'autonomie "
                f"({SOFTWARE}).",
                f"Responsable du traitement : {_controller(platform_name)}.",
                _dpo(settings),
                "Ce registre est produit par l'outil à partir de ses modèles de données et de sa "
                "configuration "
                "du jour : il décrit ce que l'outil enregistre réellement.",
            ],
        ),
        Section("Finalités", [LEGAL_BASIS], PURPOSES),
        Section("Catégories de personnes concernées", [], [s.label for s in Subject]),
        Section(
            "Catégories de données",
            ["Chaque donnée enregistrée, par catégorie (la liste est tenue à jour par un test de l'outil) :"],
            table=Table(
                ["Catégorie", "Données", "Personnes concernées", "Sensibilité", "Conservation"],
                _category_rows(settings),
            ),
        ),
        Section(
            "Devenir des données à l'anonymisation",
            [
                f"{_months(settings.retention.months)} après le dernier contact (et "
                f"{_days(settings.retention.notice_days)} après l'annonce au ou à la responsable), ou à la "
                "demande de la personne : les bilans déjà produits restent identiques."
            ],
            table=Table(["Catégorie", "Supprimées", "Conservées", "Transformées"], _anonymisation_rows()),
        ),
        Section(
            "Destinataires",
            [],
            [
                *_roles_seeing(),
                f"Partenaires ({_partner_kinds()}) : informations échangées lors des échanges "
                "tripartites, sans accès à l'outil.",
                "Financeurs et coordination nationale : bilans agrégés et fichier national (chiffres, aucune "
                "donnée individuelle) ; cohorte pseudonymisée et k-anonyme si elle est transmise.",
                "Hébergeur de l'outil, en qualité de sous-traitant.",
                *_message_processors(settings),
            ],
        ),
        Section("Transferts hors de l'Union européenne", [_transfers(settings)]),
        Section(
            "Durées de conservation",
            [],
            table=Table(
                ["Données", "Durée"],
                [
                    [", ".join(labels), retention_text(retention, settings)]
                    for retention, labels in sorted(
                        by_retention.items(), key=lambda i: list(Retention).index(i[0])
                    )
                ],
            ),
        ),
        Section("Mesures de sécurité", [], _security_measures(settings)),
    ]
    return Document(
        "Registre des activités de traitement",
        f"Article 30 du RGPD — {platform_name}" if platform_name else "Article 30 du RGPD",
        sections,
        today or clock.today(),
    )
