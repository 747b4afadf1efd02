"""Closed lists of the field (codes stored in the database, French labels shown).

Each list is a ``StrEnum`` whose values are the codes stored by value; the
French label of a member is ``member.label``. The codes follow the field
reference (pathway.md, indicators.md); the import maps its French column
values onto them.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

# Labels live beside the enums rather than in them: Enum reserves the
# attribute names one would use.
_LABELS: dict[type, dict[str, str]] = {}


class LabelledEnum(StrEnum):
    """A ``StrEnum`` whose members carry a French label."""

    @property
    def label(self) -> str:
        return _LABELS[type(self)][self.value]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]


E = TypeVar("E", bound=LabelledEnum)


def labelled(labels: dict[str, str]) -> Callable[[type[E]], type[E]]:
    """Attach French labels to a ``LabelledEnum``; every member needs one."""

    def attach(cls: type[E]) -> type[E]:
        missing = {m.value for m in cls} - labels.keys()
        if missing:
            raise ValueError(f"{cls.__name__}: no label for {sorted(missing)}")
        _LABELS[cls] = labels
        return cls

    return attach


@labelled(
    {
        "admin": "Administrateur·rice",
        "manager": "Responsable de plateforme",
        "delegate": "Délégué·e territorial·e",
        "adviser": "Conseiller·ère sécurisation des parcours",
    }
)
class Role(LabelledEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    DELEGATE = "delegate"
    ADVISER = "adviser"


@labelled({"F": "Femme", "M": "Homme", "X": "Non précisé"})
class Sex(LabelledEnum):
    F = "F"
    M = "M"
    X = "X"


@labelled(
    {
        "infra3": "Infra 3 (sans diplôme, CFG, brevet)",
        "3": "Niveau 3 (CAP, BEP)",
        "4": "Niveau 4 (baccalauréat)",
        "5": "Niveau 5 (bac + 2)",
        "6": "Niveau 6 (licence)",
        "7": "Niveau 7 (master)",
        "8": "Niveau 8 (doctorat)",
    }
)
class DiplomaLevel(LabelledEnum):
    INFRA_3 = "infra3"
    LEVEL_3 = "3"
    LEVEL_4 = "4"
    LEVEL_5 = "5"
    LEVEL_6 = "6"
    LEVEL_7 = "7"
    LEVEL_8 = "8"


@labelled(
    {
        "france_travail": "France Travail",
        "mission_locale": "Mission locale",
        "cap_emploi": "Cap emploi",
        "departement": "Département (service RSA)",
        "siae": "Structure de l'insertion par l'activité économique",
        "association": "Association",
        "candidature_spontanee": "Candidature spontanée",
        "autre": "Autre",
    }
)
class PrescriberType(LabelledEnum):
    FRANCE_TRAVAIL = "france_travail"
    MISSION_LOCALE = "mission_locale"
    CAP_EMPLOI = "cap_emploi"
    DEPARTEMENT = "departement"
    SIAE = "siae"
    ASSOCIATION = "association"
    SPONTANEOUS = "candidature_spontanee"
    OTHER = "autre"


@labelled(
    {
        "saad": "Service autonomie à domicile (SAD, ex-SAAD/SSIAD)",
        "ehpad": "EHPAD",
        "esms_ph": "Établissement ou service pour personnes handicapées",
        "health_facility": "Établissement de santé",
        "private_employer": "Particulier employeur",
        "other": "Autre",
    }
)
class EmployerType(LabelledEnum):
    SAAD = "saad"
    EHPAD = "ehpad"
    ESMS_PH = "esms_ph"
    HEALTH_FACILITY = "health_facility"
    PRIVATE_EMPLOYER = "private_employer"
    OTHER = "other"


@labelled(
    {
        "cdi": "CDI",
        "cdd": "CDD",
        "interim": "Intérim",
        "apprenticeship": "Contrat d'apprentissage",
        "professionalisation": "Contrat de professionnalisation",
        "other": "Autre",
    }
)
class ContractType(LabelledEnum):
    CDI = "cdi"
    CDD = "cdd"
    INTERIM = "interim"
    APPRENTICESHIP = "apprenticeship"
    PROFESSIONALISATION = "professionalisation"
    OTHER = "other"


@labelled(
    {
        "prf": "Programme régional de formation (PRF)",
        "poei": "POE individuelle",
        "poec": "POE collective",
        "cpf": "Compte personnel de formation",
        "opco": "OPCO",
        "other": "Autre",
    }
)
class FundingScheme(LabelledEnum):
    PRF = "prf"
    POEI = "poei"
    POEC = "poec"
    CPF = "cpf"
    OPCO = "opco"
    OTHER = "other"


@labelled(
    {
        "in_progress": "En cours",
        "obtained": "Certification obtenue",
        "partial": "Certification partielle (blocs / CCP)",
        "failed": "Certification non obtenue",
        "abandoned": "Abandon de la formation",
    }
)
class TrainingResult(LabelledEnum):
    IN_PROGRESS = "in_progress"
    OBTAINED = "obtained"
    PARTIAL = "partial"
    FAILED = "failed"
    # Version 2: a dropout is a result of the training, not an exit: the
    # pathway goes on (job search, another training) or exits separately.
    ABANDONED = "abandoned"

    @property
    def is_final(self) -> bool:
        return self is not TrainingResult.IN_PROGRESS


@labelled(
    {
        "end_of_cdd": "Fin de CDD",
        "trial_broken_by_employer": "Rupture de la période d'essai par l'employeur",
        "trial_broken_by_employee": "Rupture de la période d'essai par la personne",
        "resignation": "Démission",
        "dismissal": "Licenciement",
        "conventional_termination": "Rupture conventionnelle",
        "other": "Autre motif",
    }
)
class ContractEndReason(LabelledEnum):
    """Why a contract ended before the end of the six-month follow-up (``end_contract``)."""

    END_OF_CDD = "end_of_cdd"
    TRIAL_BROKEN_BY_EMPLOYER = "trial_broken_by_employer"
    TRIAL_BROKEN_BY_EMPLOYEE = "trial_broken_by_employee"
    RESIGNATION = "resignation"
    DISMISSAL = "dismissal"
    CONVENTIONAL_TERMINATION = "conventional_termination"
    OTHER = "other"


@labelled(
    {
        "orientation_week": "Diagnostic de fin de semaine du pôle orientation",
        "interview": "Entretien individuel de diagnostic",
    }
)
class DiagnosticKind(LabelledEnum):
    """Where a diagnostic was written: at the end of an orientation week, or at an interview."""

    ORIENTATION_WEEK = "orientation_week"
    INTERVIEW = "interview"


@labelled(
    {
        "present_after_all": "La personne était finalement présente à l'information collective",
        "other_way": "La personne est venue par un autre chemin (entretien, prescripteur…)",
    }
)
class AbsenceOverride(LabelledEnum):
    """The explicit choice that lets a person noted absent at the information session go on."""

    PRESENT_AFTER_ALL = "present_after_all"
    OTHER_WAY = "other_way"


@labelled({"planned": "Prévue", "confirmed": "Confirmée", "cancelled": "Annulée"})
class PlannedStepStatus(LabelledEnum):
    PLANNED = "planned"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


@labelled(
    {
        "mobility": "Mobilité",
        "childcare": "Contraintes familiales",
        "health": "Santé",
        "language": "Lecture, écriture, calcul, maîtrise du français",
        "housing": "Logement",
        "finances": "Difficultés financières",
        "administrative": "Difficultés administratives et juridiques",
        "digital": "Numérique",
        "other": "Autre",
    }
)
class BarrierCategory(LabelledEnum):
    MOBILITY = "mobility"
    CHILDCARE = "childcare"
    HEALTH = "health"
    LANGUAGE = "language"
    HOUSING = "housing"
    FINANCES = "finances"
    ADMINISTRATIVE = "administrative"
    DIGITAL = "digital"
    OTHER = "other"

    @property
    def france_travail_code(self) -> int | None:
        """The code of the matching France Travail *contrainte* (22–29)."""
        return FRANCE_TRAVAIL_CONTRAINTE_CODES.get(self)

    @property
    def is_sensitive(self) -> bool:
        """Health data (art. 9 GDPR): details restricted, never exported."""
        return self is BarrierCategory.HEALTH


FRANCE_TRAVAIL_CONTRAINTE_CODES: dict[BarrierCategory, int] = {
    BarrierCategory.DIGITAL: 22,
    BarrierCategory.MOBILITY: 23,
    BarrierCategory.CHILDCARE: 24,
    BarrierCategory.HEALTH: 25,
    BarrierCategory.LANGUAGE: 26,
    BarrierCategory.HOUSING: 27,
    BarrierCategory.FINANCES: 28,
    BarrierCategory.ADMINISTRATIVE: 29,
}


@labelled(
    {
        "identified": "Identifié",
        "in_progress": "En cours de traitement",
        "resolved": "Levé",
        "not_resolvable": "Non soluble",
    }
)
class BarrierStatus(LabelledEnum):
    IDENTIFIED = "identified"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    NOT_RESOLVABLE = "not_resolvable"

    @property
    def is_closed(self) -> bool:
        return self in (BarrierStatus.RESOLVED, BarrierStatus.NOT_RESOLVABLE)


@labelled(
    {
        "france_travail": "France Travail",
        "mission_locale": "Mission locale",
        "cap_emploi": "Cap emploi",
        "rsa_referent": "Référent RSA du département",
        "siae": "Structure de l'insertion par l'activité économique",
        "association": "Association",
        "other": "Autre",
    }
)
class ReferentOrganisation(LabelledEnum):
    FRANCE_TRAVAIL = "france_travail"
    MISSION_LOCALE = "mission_locale"
    CAP_EMPLOI = "cap_emploi"
    RSA_REFERENT = "rsa_referent"
    SIAE = "siae"
    ASSOCIATION = "association"
    OTHER = "other"


@labelled(
    {"in_person": "En présentiel", "phone": "Téléphone", "video": "Visioconférence", "email": "Courriel"}
)
class ExchangeMode(LabelledEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"
    EMAIL = "email"


@labelled(
    {
        "discover": "Découvrir un métier ou un secteur d'activité",
        "confirm": "Confirmer un projet professionnel",
        "recruit": "Initier une démarche de recrutement",
    }
)
class ImmersionObjective(LabelledEnum):
    DISCOVER = "discover"
    CONFIRM = "confirm"
    RECRUIT = "recruit"


@labelled({"completed": "Réalisée", "partial": "Partiellement réalisée", "no_show": "Non présenté·e"})
class ImmersionOutcome(LabelledEnum):
    COMPLETED = "completed"
    PARTIAL = "partial"
    NO_SHOW = "no_show"


@labelled({"hiring": "Une embauche", "training": "Une formation", "none": "Ni l'un ni l'autre"})
class ImmersionFollowOn(LabelledEnum):
    HIRING = "hiring"
    TRAINING = "training"
    NONE = "none"


@labelled(
    {
        "de": "Demandeur·euse d'emploi",
        "brsa": "Allocataire du RSA",
        "youth": "Jeune de moins de 26 ans",
        "reconversion": "Reconversion",
        "rqth": "RQTH",
        "bpi": "Bénéficiaire de la protection internationale",
        "qpv": "Résident·e QPV",
        "zrr": "Résident·e ZRR / ZFRR",
    }
)
class PublicCategory(LabelledEnum):
    """Public categories of the bilan's breakdowns; ``youth`` is computed."""

    JOB_SEEKER = "de"
    RSA = "brsa"
    YOUTH = "youth"
    RECONVERSION = "reconversion"
    RQTH = "rqth"
    BPI = "bpi"
    QPV = "qpv"
    ZRR = "zrr"


@labelled(
    {
        "queued": "En attente",
        "running": "En cours",
        "done": "Terminée",
        "failed": "Échec",
    }
)
class JobStatus(LabelledEnum):
    """Where a background job stands (``pathways.jobs``)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


# --- convocations, answers and messages (issue 11) -----------------------------------------


@labelled(
    {
        "registered": "Inscrit·e",
        "convoked": "Convoqué·e",
        "confirmed": "Confirmé·e",
        "present": "Présent·e",
        "excused": "Excusé·e",
        "absent": "Absent·e",
    }
)
class AttendanceStatus(LabelledEnum):
    """Where a person registered at an information session stands.

    ``registered`` (not convoked yet) → ``convoked`` (a convocation went out,
    by e-mail or on paper) → ``confirmed`` (the person said « je serai
    présent·e ») or ``excused`` (« je ne pourrai pas venir », or the délégué
    was told); once the session took place the délégué notes ``present``,
    ``excused`` or ``absent``. The three last ones are *noted* attendance:
    the rates are computed on them.
    """

    REGISTERED = "registered"
    CONVOKED = "convoked"
    CONFIRMED = "confirmed"
    PRESENT = "present"
    EXCUSED = "excused"
    ABSENT = "absent"

    @property
    def is_noted(self) -> bool:
        """Attendance noted after the session (what the rates count)."""
        return self in NOTED_ATTENDANCE

    @property
    def missed(self) -> bool:
        """The person did not come (excused or not)."""
        return self in (AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT)


NOTED_ATTENDANCE = frozenset({AttendanceStatus.PRESENT, AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT})
# What the délégué may note on the attendance list once the session took place.
ATTENDANCE_MARKS = (AttendanceStatus.PRESENT, AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT)


@labelled(
    {
        "attending": "Je serai présent·e",
        "not_attending": "Je ne pourrai pas venir",
        "call_back": "Je souhaite être rappelé·e",
    }
)
class InvitationAnswer(LabelledEnum):
    """The person's answer to a convocation, given once on the public answer page."""

    ATTENDING = "attending"
    NOT_ATTENDING = "not_attending"
    CALL_BACK = "call_back"


@labelled({"email": "Courriel", "sms": "SMS"})
class MessageChannel(LabelledEnum):
    EMAIL = "email"
    SMS = "sms"


@labelled(
    {
        "convocation": "Convocation",
        "reminder": "Rappel deux jours ouvrés avant",
        "first_day": "Rappel le matin du premier jour",
        "digest": "Agenda de la semaine",
        "retention": "Anonymisations à venir",
    }
)
class MessageKind(LabelledEnum):
    """What a message is (the log says this, never its text)."""

    CONVOCATION = "convocation"
    REMINDER = "reminder"
    FIRST_DAY = "first_day"
    DIGEST = "digest"
    # To a platform's managers: persons listed for anonymisation (a count and a link).
    RETENTION = "retention"

    @property
    def to_person(self) -> bool:
        return self not in (MessageKind.DIGEST, MessageKind.RETENTION)


@labelled({"queued": "À envoyer", "sent": "Envoyé", "failed": "Échec", "cancelled": "Non envoyé"})
class MessageStatus(LabelledEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    # Not sent: the person withdrew their consent (or the message lost its
    # object) between the asking and the sending.
    CANCELLED = "cancelled"


@labelled(
    {
        "verifying": "Vérification en cours",
        "verified": "Vérifié, en attente de confirmation",
        "refused": "Refusé",
        "writing": "Import en cours",
        "done": "Importé",
        "undone": "Échoué, rien n'a été enregistré",
        "stuck": "Échoué, annulation incomplète",
    }
)
class ImportStatus(LabelledEnum):
    """Where an import stands, from its verification to its last written row."""

    VERIFYING = "verifying"
    VERIFIED = "verified"
    REFUSED = "refused"
    WRITING = "writing"
    DONE = "done"
    UNDONE = "undone"
    # Undone as far as it could be: rows changed meanwhile by someone else were kept.
    STUCK = "stuck"

    @property
    def is_running(self) -> bool:
        return self in (ImportStatus.VERIFYING, ImportStatus.WRITING)
