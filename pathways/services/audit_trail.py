"""The audit trail as a manager reads it: in French, objects by name, values by label.

The trail stores codes (``pathway.assign_adviser``, ``adviser_id: 3 → 4``):
this module is the one place that turns them into words — the action labels
and their families (the page's filter), the object names, the fields and the
values before and after. An action recorded somewhere without a label here
is a defect (a test checks every action the code records).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways.clock import PLATFORM_TIMEZONE
from pathways.models import (
    AdviserReplacement,
    AuditEntry,
    Barrier,
    Checkpoint,
    Diagnostic,
    Employer,
    Exchange,
    Immersion,
    InfoSession,
    InfoSessionAttendance,
    Note,
    OrientationParticipant,
    OrientationWeek,
    Pathway,
    Person,
    Platform,
    Prescriber,
    Referent,
    Territory,
    Training,
    TrainingOrganisation,
    User,
)
from pathways.paging import Paged, Window
from pathways.services.caseload import name_search
from pathways.states import State, Trigger
from pathways.vocabulary import (
    BarrierCategory,
    BarrierStatus,
    DiplomaLevel,
    ImmersionOutcome,
    PrescriberType,
    Role,
    Sex,
    TrainingResult,
)
from pathways.wording import de

PAGE_SIZE = 100

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
        {"person.create": "Création d'une personne", "person.view": "Consultation d'une personne"},
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
            "import": "Import",
            "import.verify": "Vérification d'un fichier à importer",
            "import.refused": "Import refusé",
            "import.caseload": "Import d'un fichier de suivi",
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
# Each action's family: the part before the dot is not always the family's key.
ACTION_FAMILY: dict[str, str] = {code: key for key, (_, actions) in FAMILIES.items() for code in actions}


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

# Records of a pathway: the « personne concernée » filter finds them through it.
PATHWAY_RECORDS: dict[str, Any] = {
    "barrier": Barrier,
    "checkpoint": Checkpoint,
    "diagnostic": Diagnostic,
    "exchange": Exchange,
    "note": Note,
    "referent": Referent,
    "immersion": Immersion,
    "training": Training,
    "orientation_participant": OrientationParticipant,
}


@dataclass(frozen=True)
class AuditFilters:
    user_id: int | None = None
    action: str | None = None  # a family key or an action code
    object_type: str | None = None
    person: str = ""  # the name (or France Travail id) of the person concerned
    since: date | None = None
    until: date | None = None
    page: int = 1


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditRow:
    occurred_at: datetime
    user: str
    action: str
    object_kind: str | None
    object_name: str | None
    pathway_id: int | None  # the file the object belongs to, for a link
    changes: list[Change]
    details: list[tuple[str, str]]
    address: str | None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=PLATFORM_TIMEZONE).astimezone(UTC)


def _person_conditions(session: Session, platform_id: int, query: str) -> sa.ColumnElement[bool] | None:
    """Entries about the persons matching ``query``: them, their pathways and their pathways' records."""
    search = name_search(query)
    if search is None:
        return None
    person_ids = sa.select(Person.id).where(Person.platform_id == platform_id, search)
    pathway_ids = sa.select(Pathway.id).where(Pathway.person_id.in_(person_ids))
    about = [
        sa.and_(AuditEntry.object_type == "person", AuditEntry.object_id.in_(person_ids)),
        sa.and_(AuditEntry.object_type == "pathway", AuditEntry.object_id.in_(pathway_ids)),
        sa.and_(
            AuditEntry.object_type == "info_session_attendance",
            AuditEntry.object_id.in_(
                sa.select(InfoSessionAttendance.id).where(InfoSessionAttendance.person_id.in_(person_ids))
            ),
        ),
    ]
    for kind, model in PATHWAY_RECORDS.items():
        records = sa.select(model.id).where(model.pathway_id.in_(pathway_ids))
        about.append(sa.and_(AuditEntry.object_type == kind, AuditEntry.object_id.in_(records)))
    return sa.or_(*about)


def _filtered(session: Session, platform_id: int, filters: AuditFilters) -> sa.Select:
    query = sa.select(AuditEntry).where(AuditEntry.platform_id == platform_id)
    if filters.user_id is not None:
        query = query.where(AuditEntry.user_id == filters.user_id)
    codes = action_codes(filters.action)
    if codes is not None:
        query = query.where(AuditEntry.action.in_(codes))
    if filters.object_type in OBJECT_LABELS:
        query = query.where(AuditEntry.object_type == filters.object_type)
    about = _person_conditions(session, platform_id, filters.person)
    if about is not None:
        query = query.where(about)
    if filters.since:
        query = query.where(AuditEntry.occurred_at >= _start_of(filters.since))
    if filters.until:
        query = query.where(AuditEntry.occurred_at < _start_of(filters.until + timedelta(days=1)))
    return query


def audit_page(session: Session, platform_id: int, filters: AuditFilters) -> Paged[AuditRow]:
    """One page of the platform's trail, most recent first, in words."""
    query = _filtered(session, platform_id, filters)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    window = Window.of(total, filters.page, PAGE_SIZE)
    entries = session.scalars(
        query.order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc())
        .offset(window.offset)
        .limit(window.size)
    ).all()
    return Paged.of(describe(session, entries), window)


# --- words for what the trail stores -------------------------------------------------------


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
    "project_validated": ("Projet validé", _yes_no),
    "still_in_post": ("En poste", _yes_no),
    "platform_id": ("Plateforme", "platform"),
    "territories": ("Territoires", "territories"),
    "full_name": ("Nom", str),
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
        }.get(v, str(v)),
    ),
    "path": ("Adresse demandée", str),
    "report": ("Fichier", lambda v: {"caseload": "portefeuille"}.get(v, str(v))),
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
}
# Never shown: how the request came, or what says nothing to a reader.
HIDDEN_DETAILS = frozenset({"method", "has_comment"})


class Names:
    """The names of the ids a page of entries mentions, each kind loaded in one query."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.wanted: dict[str, set[int]] = defaultdict(set)
        self.names: dict[str, dict[int, str]] = {}
        self.pathway_of: dict[tuple[str, int], int] = {}

    def want(self, kind: str, value: Any) -> None:
        if kind == "territories":
            for part in str(value or "").split(","):
                if part.strip().isdigit():
                    self.wanted["territory"].add(int(part))
        elif isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            self.wanted[kind].add(int(value))

    def load(self) -> None:
        for kind, ids in self.wanted.items():
            loader = getattr(self, f"_load_{kind}", None)
            self.names[kind] = loader(list(ids)) if loader and ids else {}

    def name(self, kind: str, value: Any) -> str:
        if value is None or value == "":
            return "—"
        if kind == "territories":
            parts = [p for p in str(value).split(",") if p.strip().isdigit()]
            return ", ".join(self.name("territory", p) for p in parts) or "—"
        found = self.names.get(kind, {}).get(int(value)) if str(value).isdigit() else None
        return found or f"{OBJECT_LABELS.get(kind, 'objet').lower()} supprimé·e"

    # One loader per kind: a query by ids, returning {id: name}.
    def _rows(self, query: sa.Select) -> list[sa.Row]:
        return list(self.session.execute(query))

    def _load_user(self, ids: list[int]) -> dict[int, str]:
        rows = self._rows(sa.select(User.id, User.full_name, User.email).where(User.id.in_(ids)))
        return {i: name or email for i, name, email in rows}

    def _load_platform(self, ids: list[int]) -> dict[int, str]:
        return dict(self._rows(sa.select(Platform.id, Platform.name).where(Platform.id.in_(ids))))

    def _load_territory(self, ids: list[int]) -> dict[int, str]:
        return dict(self._rows(sa.select(Territory.id, Territory.name).where(Territory.id.in_(ids))))

    def _load_person(self, ids: list[int]) -> dict[int, str]:
        rows = self._rows(sa.select(Person.id, Person.first_name, Person.last_name).where(Person.id.in_(ids)))
        return {i: f"{first} {last.upper()}" for i, first, last in rows}

    def _load_pathway(self, ids: list[int]) -> dict[int, str]:
        rows = self._rows(
            sa.select(Pathway.id, Person.first_name, Person.last_name)
            .join(Person, Person.id == Pathway.person_id)
            .where(Pathway.id.in_(ids))
        )
        for pathway_id, *_ in rows:
            self.pathway_of[("pathway", pathway_id)] = pathway_id
        return {i: f"Parcours {de(f'{first} {last.upper()}')}" for i, first, last in rows}

    def _record_names(
        self, kind: str, ids: list[int], model: Any, describe: Callable[[sa.Row], str], *columns: Any
    ) -> dict[int, str]:
        rows = self._rows(
            sa.select(model.id, model.pathway_id, Person.first_name, Person.last_name, *columns)
            .join(Pathway, Pathway.id == model.pathway_id)
            .join(Person, Person.id == Pathway.person_id)
            .where(model.id.in_(ids))
        )
        names = {}
        for row in rows:
            self.pathway_of[(kind, row[0])] = row[1]
            names[row[0]] = f"{describe(row)} — {row[2]} {row[3].upper()}"
        return names

    def _load_barrier(self, ids: list[int]) -> dict[int, str]:
        return self._record_names(
            "barrier", ids, Barrier, lambda r: f"Frein « {BarrierCategory(r[4]).label} »", Barrier.category
        )

    def _load_checkpoint(self, ids: list[int]) -> dict[int, str]:
        return self._record_names(
            "checkpoint", ids, Checkpoint, lambda r: f"Point de suivi à {r[4]} mois", Checkpoint.month
        )

    def _load_diagnostic(self, ids: list[int]) -> dict[int, str]:
        return self._record_names(
            "diagnostic", ids, Diagnostic, lambda r: f"Diagnostic du {r[4]:%d/%m/%Y}", Diagnostic.written_on
        )

    def _load_exchange(self, ids: list[int]) -> dict[int, str]:
        return self._record_names(
            "exchange", ids, Exchange, lambda r: f"Échange du {r[4]:%d/%m/%Y}", Exchange.occurred_on
        )

    def _load_note(self, ids: list[int]) -> dict[int, str]:
        return self._record_names("note", ids, Note, lambda r: f"Note du {r[4]:%d/%m/%Y}", Note.written_on)

    def _load_referent(self, ids: list[int]) -> dict[int, str]:
        return self._record_names("referent", ids, Referent, lambda r: f"Référent·e {r[4]}", Referent.name)

    def _load_immersion(self, ids: list[int]) -> dict[int, str]:
        return self._record_names(
            "immersion", ids, Immersion, lambda r: f"PMSMP du {r[4]:%d/%m/%Y}", Immersion.starts_on
        )

    def _load_training(self, ids: list[int]) -> dict[int, str]:
        return self._record_names(
            "training", ids, Training, lambda r: f"Formation du {r[4]:%d/%m/%Y}", Training.starts_on
        )

    def _load_orientation_participant(self, ids: list[int]) -> dict[int, str]:
        return self._record_names(
            "orientation_participant",
            ids,
            OrientationParticipant,
            lambda r: f"Semaine du {r[4]:%d/%m/%Y}",
            sa.select(OrientationWeek.starts_on)
            .where(OrientationWeek.id == OrientationParticipant.week_id)
            .scalar_subquery(),
        )

    def _load_info_session(self, ids: list[int]) -> dict[int, str]:
        rows = self._rows(sa.select(InfoSession.id, InfoSession.held_on).where(InfoSession.id.in_(ids)))
        return {i: f"Information collective du {day:%d/%m/%Y}" for i, day in rows}

    def _load_info_session_attendance(self, ids: list[int]) -> dict[int, str]:
        rows = self._rows(
            sa.select(InfoSessionAttendance.id, InfoSession.held_on, Person.first_name, Person.last_name)
            .join(InfoSession, InfoSession.id == InfoSessionAttendance.session_id)
            .join(Person, Person.id == InfoSessionAttendance.person_id)
            .where(InfoSessionAttendance.id.in_(ids))
        )
        return {
            i: f"{first} {last.upper()}, information collective du {day:%d/%m/%Y}"
            for i, day, first, last in rows
        }

    def _load_orientation_week(self, ids: list[int]) -> dict[int, str]:
        rows = self._rows(
            sa.select(OrientationWeek.id, OrientationWeek.starts_on).where(OrientationWeek.id.in_(ids))
        )
        return {i: f"Semaine du {day:%d/%m/%Y}" for i, day in rows}

    def _load_adviser_replacement(self, ids: list[int]) -> dict[int, str]:
        replaced, replacing = User.__table__.alias("replaced"), User.__table__.alias("replacing")
        rows = self._rows(
            sa.select(
                AdviserReplacement.id,
                sa.func.coalesce(sa.func.nullif(replaced.c.full_name, ""), replaced.c.email),
                sa.func.coalesce(sa.func.nullif(replacing.c.full_name, ""), replacing.c.email),
            )
            .join(replaced, replaced.c.id == AdviserReplacement.replaced_id)
            .join(replacing, replacing.c.id == AdviserReplacement.replacing_id)
            .where(AdviserReplacement.id.in_(ids))
        )
        return {i: f"Remplacement {de(a)} par {b}" for i, a, b in rows}

    def _named(self, model: Any, ids: list[int]) -> dict[int, str]:
        return dict(self._rows(sa.select(model.id, model.name).where(model.id.in_(ids))))

    def _load_employer(self, ids: list[int]) -> dict[int, str]:
        return self._named(Employer, ids)

    def _load_organisation(self, ids: list[int]) -> dict[int, str]:
        return self._named(TrainingOrganisation, ids)

    def _load_prescriber(self, ids: list[int]) -> dict[int, str]:
        return self._named(Prescriber, ids)


def _shown(names: Names, how: Callable[[Any], str] | str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    return names.name(how, value) if isinstance(how, str) else how(value)


def describe(session: Session, entries: Iterable[AuditEntry]) -> list[AuditRow]:
    """The entries in words, every id they mention named in a few grouped queries."""
    entries = list(entries)
    names = Names(session)
    for entry in entries:
        if entry.user_id is not None:
            names.want("user", entry.user_id)
        if entry.object_type and entry.object_id is not None and entry.object_type != "audit":
            names.want(entry.object_type, entry.object_id)
        for field, values in (entry.changes or {}).items():
            how = FIELDS.get(field, ("", str))[1]
            if isinstance(how, str):
                for value in values:
                    names.want(how, value)
        for key, value in (entry.details or {}).items():
            how = DETAILS.get(key, ("", str))[1]
            if isinstance(how, str):
                names.want(how, value)
    names.load()
    return [_row(entry, names) for entry in entries]


def _field_label(field: str) -> tuple[str, Callable[[Any], str] | str]:
    if field.startswith("day_") and field[4:].isdigit():
        return f"Présence le jour {field[4:]}", _presence
    return FIELDS.get(field, (field.replace("_", " ").capitalize(), str))


def _row(entry: AuditEntry, names: Names) -> AuditRow:
    changes = []
    for field, (before, after) in (entry.changes or {}).items():
        label, how = _field_label(field)
        changes.append(Change(label, _shown(names, how, before), _shown(names, how, after)))
    details = []
    for key, value in (entry.details or {}).items():
        if key in HIDDEN_DETAILS or value is None:
            continue
        label, how = DETAILS.get(key, (key.replace("_", " ").capitalize(), str))
        details.append((label, _shown(names, how, value)))
    kind = entry.object_type
    object_name = None
    if kind == "audit":
        object_name = OBJECT_LABELS["audit"]
    elif kind and entry.object_id is not None:
        object_name = names.name(kind, entry.object_id)
    return AuditRow(
        occurred_at=entry.occurred_at.astimezone(PLATFORM_TIMEZONE),
        user=names.name("user", entry.user_id) if entry.user_id is not None else "—",
        action=action_label(entry.action),
        object_kind=OBJECT_LABELS.get(kind) if kind else None,
        object_name=object_name,
        pathway_id=names.pathway_of.get((kind, entry.object_id)) if kind and entry.object_id else None,
        changes=changes,
        details=details,
        address=entry.address,
    )
