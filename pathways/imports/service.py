"""The caseload import: verify every row, then rebuild each pathway through the services.

``run_import`` does the whole import inside the caller's transaction and
returns a report; the caller commits only when the report has no problem and
the user confirmed, and rolls back otherwise. The verification *is* the
import rolled back: the preview shows exactly what the import will create,
and a row the state machine refuses is reported with the machine's message.

Rules, from import-format.md, and the choices made where it leaves room:

- Rows are processed in order of entry date (then row number), so that a
  person's earlier pathway is closed before a later one opens.
- A person is matched by ``find_duplicates`` (same name and birth date, or
  same France Travail id), else created. A row whose person already has a
  pathway entered on the same ``date_entree`` is already imported: skipped,
  which makes re-importing the same file create nothing.
- History is rebuilt with ``open_pathway`` and ``move`` in date order; two
  steps of a row on the same date are an error. Planning guards are taken as
  met: an information session / orientation week is found or created per
  date (``Reprise de l'existant``), availability is confirmed, and a person
  with a ``date_information_collective`` is marked present. Data guards
  must be met by the row: the diagnostic (``projet_valide``) is dated at the
  end of the orientation week (its Friday, or the day of the next step if
  earlier); the ``conseiller`` is assigned on that date (on the entry date
  when there is no orientation).
- The follow-up checkpoints are recorded at contract start + 1, 3, 6 months;
  a filled ``en_poste_6_mois`` completes the pathway on its 6-month date.
- ``motif_sortie = autre`` needs a comment for the machine; the file has no
  comment column, so the event says the file gave no detail.
- Employers and training organisations are found by name, or created
  (an employer only seen as a PMSMP host gets the type ``other``).
- Each row runs in a savepoint: a refused row is rolled back alone and the
  next rows are still checked, so the report lists every problem at once.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways import audit, clock
from pathways.imports.reader import Table, read_table
from pathways.models import (
    Certification,
    Checkpoint,
    Employer,
    InfoSession,
    InfoSessionAttendance,
    Job,
    OrientationWeek,
    Pathway,
    PathwayEvent,
    Platform,
    Territory,
    Training,
    TrainingOrganisation,
    User,
)
from pathways.security.ids import parse_int
from pathways.services import pathway as pathway_service
from pathways.services.person import create_person, find_duplicates, normalise_name
from pathways.states import (
    ContractInput,
    ExitReason,
    ImmersionInput,
    MoveRefused,
    MoveRequest,
    State,
    TrainingInput,
    Trigger,
    add_months,
)
from pathways.vocabulary import (
    AttendanceStatus,
    ContractType,
    DiplomaLevel,
    EmployerType,
    FundingScheme,
    PrescriberType,
    Role,
    Sex,
    TrainingResult,
)

IMPORT_PLACE = "Reprise de l'existant"
OTHER_EXIT_COMMENT = "Reprise de l'existant : motif « autre » sans précision dans le fichier."

PUBLICS = {
    "DE": "is_job_seeker",
    "BRSA": "is_rsa_beneficiary",
    "RECONVERSION": "is_reconversion",
    "RQTH": "is_rqth",
    "BPI": "is_bpi",
    "QPV": "is_qpv_resident",
    "ZRR": "is_zrr_resident",
}
FUNDING = {f.value: f for f in FundingScheme} | {"autre": FundingScheme.OTHER}
TRAINING_RESULTS = {
    "en_cours": TrainingResult.IN_PROGRESS,
    "obtenue": TrainingResult.OBTAINED,
    "partielle": TrainingResult.PARTIAL,
    "echec": TrainingResult.FAILED,
}
CONTRACT_TYPES = {
    "cdi": ContractType.CDI,
    "cdd": ContractType.CDD,
    "interim": ContractType.INTERIM,
    "apprentissage": ContractType.APPRENTICESHIP,
    "professionnalisation": ContractType.PROFESSIONALISATION,
    "autre": ContractType.OTHER,
}
EMPLOYER_TYPES = {
    "saad": EmployerType.SAAD,
    "ehpad": EmployerType.EHPAD,
    "esms_ph": EmployerType.ESMS_PH,
    "etablissement_sante": EmployerType.HEALTH_FACILITY,
    "particulier_employeur": EmployerType.PRIVATE_EMPLOYER,
    "autre": EmployerType.OTHER,
}
EXIT_REASONS = {
    "reorientation": ExitReason.REORIENTATION,
    "autre_formation": ExitReason.OTHER_TRAINING,
    "autre_emploi": ExitReason.OTHER_JOB,
    "abandon": ExitReason.DROPPED_OUT,
    "sante": ExitReason.HEALTH,
    "demenagement": ExitReason.MOVED,
    "autre": ExitReason.OTHER,
}
YES_NO = {"oui": True, "o": True, "non": False, "n": False}
DATE_PATTERNS = (
    (re.compile(r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$"), ("d", "m", "y")),
    (re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$"), ("y", "m", "d")),
)
STEP_COLUMNS: dict[str, Trigger] = {
    "date_information_collective": Trigger.REGISTER_INFO_SESSION,
    "date_pole_orientation": Trigger.START_ORIENTATION,
    "date_renforcement": Trigger.START_REINFORCEMENT,
    "date_pmsmp": Trigger.START_IMMERSION,
    "date_formation": Trigger.START_TRAINING,
    "date_recherche_emploi": Trigger.SEEK_EMPLOYMENT,
    "date_contrat": Trigger.SIGN_CONTRACT,
    "date_sortie": Trigger.EXIT,
}
COMPLETION_COLUMN = "en_poste_6_mois"


@dataclass(frozen=True)
class Problem:
    """One problem of the file: spreadsheet row, column, the value found, what is wrong (French)."""

    row: int
    column: str
    value: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    persons_created: int = 0
    persons_matched: int = 0
    pathways_created: int = 0
    pathways_already_imported: int = 0
    events: int = 0
    states: Counter[str] = field(default_factory=Counter)
    employers_created: int = 0
    organisations_created: int = 0
    sessions_created: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        return {
            "lignes": self.rows,
            "personnes_creees": self.persons_created,
            "personnes_reconnues": self.persons_matched,
            "parcours_crees": self.pathways_created,
            "parcours_deja_importes": self.pathways_already_imported,
            "evenements": self.events,
        }


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _code(value: Any) -> str:
    """A closed-list value as a comparable code: lower case, no accents, ``_`` for separators."""
    text = unicodedata.normalize("NFKD", _display(value))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower().strip()
    return re.sub(r"[\s\-']+", "_", text)


class RowReader:
    """Typed access to one row's cells, collecting a Problem for every bad value."""

    def __init__(self, number: int, cells: dict[str, Any]) -> None:
        self.number = number
        self.cells = cells
        self.problems: list[Problem] = []

    def problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.number, column, _display(self.cells.get(column)), message))

    def text(self, column: str, max_length: int | None = None) -> str | None:
        value = self.cells.get(column)
        if value is None:
            return None
        text = _display(value).strip()
        if max_length is not None and len(text) > max_length:
            self.problem(column, f"Valeur trop longue ({len(text)} caractères, {max_length} au plus).")
            return None
        return text or None

    def date(self, column: str, required: bool = False) -> date | None:
        value = self.cells.get(column)
        if value is None:
            if required:
                self.problem(column, "Cette colonne est obligatoire.")
            return None
        found = self._parse_date(value)
        if found is None:
            self.problem(column, "Date invalide : attendu JJ/MM/AAAA ou AAAA-MM-JJ.")
        elif not clock.plausible(found):
            self.problem(column, clock.DATE_RANGE_MESSAGE)
            return None
        return found

    @staticmethod
    def _parse_date(value: Any) -> date | None:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = _display(value).strip()
        for pattern, order in DATE_PATTERNS:
            match = pattern.match(text)
            if match:
                parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
                try:
                    return date(parts["y"], parts["m"], parts["d"])
                except ValueError:
                    return None
        return None

    def choice(self, column: str, choices: dict[str, Any], expected: str) -> Any:
        value = self.cells.get(column)
        if value is None:
            return None
        found = choices.get(_code(value))
        if found is None:
            self.problem(column, f"Valeur inconnue : attendu {expected}.")
        return found

    def yes_no(self, column: str) -> bool | None:
        return self.choice(column, YES_NO, "oui ou non")

    def integer(self, column: str) -> int | None:
        value = self.cells.get(column)
        if value is None:
            return None
        number = parse_int(_display(value).strip(), low=0)
        if number is None:
            self.problem(column, "Nombre entier attendu (en chiffres de 0 à 9).")
        return number


@dataclass
class RowPlan:
    """What one valid-looking row asks for, before the machine judges it."""

    number: int
    cells: dict[str, Any]
    person_fields: dict[str, Any]
    last_name: str
    first_name: str
    birth_date: date
    entry_on: date
    territory: Territory | None
    prescriber: PrescriberType | None
    delegate: User | None
    adviser: User | None
    target_job: str | None
    project_validated: bool | None
    steps: list[tuple[date, Trigger, str]]
    values: dict[str, Any]


class Importer:
    """One import run over a platform: caches of the references found or created."""

    def __init__(self, session: Session, platform: Platform, actor: User | None) -> None:
        self.session = session
        self.platform = platform
        self.actor = actor
        self.report = ImportReport()
        self.today = clock.today()
        self._territories = {
            normalise_name(t.name): t
            for t in session.scalars(sa.select(Territory).where(Territory.platform_id == platform.id))
        }
        self._users = {
            u.email.lower(): u
            for u in session.scalars(sa.select(User).where(User.platform_id == platform.id))
        }
        self._jobs = set(session.scalars(sa.select(Job.rome_code)))
        self._certifications = {c.upper(): c for c in session.scalars(sa.select(Certification.code))}
        self._info_sessions: dict[date, InfoSession] = {}
        self._weeks: dict[date, OrientationWeek] = {}
        self._employers: dict[str, Employer] = {}
        self._organisations: dict[str, TrainingOrganisation] = {}

    # --- reading a row ---------------------------------------------------

    def plan(self, number: int, cells: dict[str, Any]) -> tuple[RowPlan | None, list[Problem]]:
        row = RowReader(number, cells)
        last_name = row.text("nom", 120)
        first_name = row.text("prenom", 120)
        if last_name is None and "nom" not in cells:
            row.problem("nom", "Cette colonne est obligatoire.")
        if first_name is None and "prenom" not in cells:
            row.problem("prenom", "Cette colonne est obligatoire.")
        birth_date = row.date("date_naissance", required=True)
        entry_on = row.date("date_entree", required=True)
        fields: dict[str, Any] = {
            "sex": row.choice("sexe", {s.value.lower(): s for s in Sex}, "F, M ou X"),
            "email": row.text("email", 254),
            "phone": row.text("telephone", 32),
            "postal_code": row.text("code_postal", 10),
            "city": row.text("commune", 120),
            "france_travail_id": row.text("identifiant_france_travail", 20),
            "diploma_level": row.choice(
                "niveau_diplome", {d.value: d for d in DiplomaLevel}, "infra3, 3, 4, 5, 6, 7 ou 8"
            ),
        }
        publics = row.text("publics")
        if publics:
            for token in re.split(r"[,;/\s]+", publics.upper()):
                if not token:
                    continue
                if token in PUBLICS:
                    fields[PUBLICS[token]] = True
                else:
                    row.problem("publics", f"Public inconnu « {token} » : attendu {', '.join(PUBLICS)}.")
        prescriber = row.choice(
            "prescripteur", {p.value: p for p in PrescriberType}, ", ".join(p.value for p in PrescriberType)
        )
        territory = None
        if (name := row.text("territoire")) is not None:
            territory = self._territories.get(normalise_name(name))
            if territory is None:
                row.problem("territoire", "Territoire inconnu sur la plateforme.")
        delegate = self._user(row, "delegue", Role.DELEGATE, "délégué·e")
        adviser = self._user(row, "conseiller", Role.ADVISER, "conseiller·ère")
        target_job = self._job(row, "metier_vise")
        project_validated = row.yes_no("projet_valide")

        values: dict[str, Any] = {
            "date_fin_pmsmp": row.date("date_fin_pmsmp"),
            "employeur_pmsmp": row.text("employeur_pmsmp", 200),
            "certification": self._certification(row),
            "organisme_formation": row.text("organisme_formation", 200),
            "financement_formation": row.choice(
                "financement_formation", FUNDING, "prf, poei, poec, cpf, opco ou autre"
            ),
            "resultat_formation": row.choice(
                "resultat_formation", TRAINING_RESULTS, "en_cours, obtenue, partielle ou echec"
            ),
            "date_fin_formation": row.date("date_fin_formation"),
            "type_contrat": row.choice(
                "type_contrat",
                CONTRACT_TYPES,
                "cdi, cdd, interim, apprentissage, professionnalisation ou autre",
            ),
            "duree_cdd_mois": row.integer("duree_cdd_mois"),
            "employeur": row.text("employeur", 200),
            "type_employeur": row.choice(
                "type_employeur",
                EMPLOYER_TYPES,
                "saad, ehpad, esms_ph, etablissement_sante, particulier_employeur ou autre",
            ),
            "metier_emploi": self._job(row, "metier_emploi"),
            "motif_sortie": row.choice(
                "motif_sortie",
                EXIT_REASONS,
                "reorientation, autre_formation, autre_emploi, abandon, sante, demenagement ou autre",
            ),
        }
        checkpoints = {month: row.yes_no(f"en_poste_{month}_mois") for month in (1, 3, 6)}
        values["checkpoints"] = checkpoints

        steps: list[tuple[date, Trigger, str]] = []
        for column, trigger in STEP_COLUMNS.items():
            day = row.date(column)
            if day is not None:
                steps.append((day, trigger, column))
        contract_on = next((d for d, t, _ in steps if t is Trigger.SIGN_CONTRACT), None)
        if contract_on is not None:
            for month, answer in checkpoints.items():
                if answer is not None and add_months(contract_on, month) > self.today:
                    row.problem(
                        f"en_poste_{month}_mois",
                        f"Le point à {month} mois tombe le {add_months(contract_on, month):%d/%m/%Y}, "
                        "dans le futur.",
                    )
            if checkpoints[6] is not None:
                steps.append((add_months(contract_on, 6), Trigger.COMPLETE, COMPLETION_COLUMN))
        elif any(answer is not None for answer in checkpoints.values()):
            for month, answer in checkpoints.items():
                if answer is not None:
                    row.problem(f"en_poste_{month}_mois", "Un point de suivi demande une date_contrat.")
        if project_validated is not None and not any(t is Trigger.START_ORIENTATION for _, t, _ in steps):
            row.problem(
                "projet_valide", "Le projet se valide à l'issue du pôle orientation : date_pole_orientation."
            )
        if values["motif_sortie"] is not None and not any(t is Trigger.EXIT for _, t, _ in steps):
            row.problem("motif_sortie", "Un motif de sortie demande une date_sortie.")
        seen: dict[date, str] = {}
        if entry_on is not None:
            seen[entry_on] = "date_entree"
        for day, _trigger, column in sorted(steps):
            if day in seen:
                row.problem(
                    column,
                    f"Même date que {seen[day]} : deux étapes d'un parcours ne partagent pas une date.",
                )
            seen[day] = column
        if birth_date is not None and entry_on is not None and birth_date >= entry_on:
            row.problem("date_naissance", "La date de naissance doit précéder la date d'entrée.")
        if row.problems or last_name is None or first_name is None or birth_date is None or entry_on is None:
            return None, row.problems
        return (
            RowPlan(
                number,
                cells,
                {k: v for k, v in fields.items() if v is not None},
                last_name,
                first_name,
                birth_date,
                entry_on,
                territory,
                prescriber,
                delegate,
                adviser,
                target_job,
                project_validated,
                sorted(steps),
                values,
            ),
            [],
        )

    def _user(self, row: RowReader, column: str, role: Role, label: str) -> User | None:
        email = row.text(column)
        if email is None:
            return None
        user = self._users.get(email.lower())
        if user is None:
            row.problem(column, "Aucun compte de la plateforme avec cette adresse.")
        elif user.role is not role or not user.is_active:
            row.problem(column, f"Ce compte n'est pas un·e {label} actif·ve de la plateforme.")
            return None
        return user

    def _job(self, row: RowReader, column: str) -> str | None:
        code = row.text(column)
        if code is None:
            return None
        code = code.upper()
        if code not in self._jobs:
            row.problem(column, "Code ROME inconnu.")
            return None
        return code

    def _certification(self, row: RowReader) -> str | None:
        code = row.text("certification")
        if code is None:
            return None
        found = self._certifications.get(code.upper().replace(" ", "_"))
        if found is None:
            row.problem(
                "certification", "Certification inconnue : indiquez son code (DEAS, DEAES, TP_ADVF…)."
            )
        return found

    # --- references found or created ---------------------------------------

    def info_session(self, day: date) -> InfoSession:
        if day not in self._info_sessions:
            found = self.session.scalar(
                sa.select(InfoSession)
                .where(InfoSession.platform_id == self.platform.id, InfoSession.held_on == day)
                .order_by(InfoSession.id)
                .limit(1)
            )
            if found is None:
                found = InfoSession(platform_id=self.platform.id, held_on=day, place=IMPORT_PLACE, seats=12)
                self.session.add(found)
                self.session.flush()
                self.report.sessions_created += 1
            self._info_sessions[day] = found
        return self._info_sessions[day]

    def week(self, day: date) -> OrientationWeek:
        if day not in self._weeks:
            found = self.session.scalar(
                sa.select(OrientationWeek)
                .where(OrientationWeek.platform_id == self.platform.id, OrientationWeek.starts_on == day)
                .order_by(OrientationWeek.id)
                .limit(1)
            )
            if found is None:
                found = OrientationWeek(
                    platform_id=self.platform.id, starts_on=day, place=IMPORT_PLACE, seats=10
                )
                self.session.add(found)
                self.session.flush()
                self.report.sessions_created += 1
            self._weeks[day] = found
        return self._weeks[day]

    def employer(self, name: str, employer_type: EmployerType | None) -> Employer:
        key = normalise_name(name)
        if key not in self._employers:
            found = next(
                (
                    e
                    for e in self.session.scalars(
                        sa.select(Employer).where(Employer.platform_id == self.platform.id)
                    )
                    if normalise_name(e.name) == key
                ),
                None,
            )
            if found is None:
                found = Employer(
                    platform_id=self.platform.id, name=name, employer_type=employer_type or EmployerType.OTHER
                )
                self.session.add(found)
                self.session.flush()
                self.report.employers_created += 1
            self._employers[key] = found
        return self._employers[key]

    def organisation(self, name: str) -> TrainingOrganisation:
        key = normalise_name(name)
        if key not in self._organisations:
            found = next(
                (
                    o
                    for o in self.session.scalars(
                        sa.select(TrainingOrganisation).where(
                            TrainingOrganisation.platform_id == self.platform.id
                        )
                    )
                    if normalise_name(o.name) == key
                ),
                None,
            )
            if found is None:
                found = TrainingOrganisation(platform_id=self.platform.id, name=name)
                self.session.add(found)
                self.session.flush()
                self.report.organisations_created += 1
            self._organisations[key] = found
        return self._organisations[key]

    # --- writing a row ------------------------------------------------------

    def apply(self, plan: RowPlan) -> None:
        """Create the person (or match them) and rebuild the pathway; raises MoveRefused."""
        session = self.session
        matches = find_duplicates(
            session,
            self.platform.id,
            last_name=plan.last_name,
            first_name=plan.first_name,
            birth_date=plan.birth_date,
            france_travail_id=plan.person_fields.get("france_travail_id"),
        )
        person = matches[0] if matches else None
        if person is not None:
            already = session.scalar(
                sa.select(sa.func.count())
                .select_from(PathwayEvent)
                .join(Pathway, Pathway.id == PathwayEvent.pathway_id)
                .where(
                    Pathway.person_id == person.id,
                    PathwayEvent.sequence == 1,
                    PathwayEvent.occurred_on == plan.entry_on,
                )
            )
            if already:
                self.report.pathways_already_imported += 1
                return
        current = "date_entree"
        try:
            if person is None:
                current = "nom"
                person = create_person(
                    session,
                    self.platform.id,
                    last_name=plan.last_name,
                    first_name=plan.first_name,
                    birth_date=plan.birth_date,
                    actor=self.actor,
                    **plan.person_fields,
                )
                self.report.persons_created += 1
            else:
                self.report.persons_matched += 1
            current = "date_entree"
            pathway = pathway_service.open_pathway(
                session,
                person,
                referred_on=plan.entry_on,
                actor=self.actor,
                territory_id=plan.territory.id if plan.territory else None,
                prescriber_type=plan.prescriber,
                delegate=plan.delegate,
                target_job_code=plan.target_job,
            )
            events = 1
            has_orientation = any(t is Trigger.START_ORIENTATION for _, t, _ in plan.steps)
            if plan.adviser is not None and not has_orientation:
                current = "conseiller"
                pathway_service.assign_adviser(
                    session, pathway, plan.adviser, actor=self.actor, on=plan.entry_on
                )
            for index, (day, trigger, column) in enumerate(plan.steps):
                current = column
                self._move(pathway, plan, trigger, day)
                events += 1
                if trigger is Trigger.START_ORIENTATION:
                    next_day = plan.steps[index + 1][0] if index + 1 < len(plan.steps) else None
                    self._after_orientation(pathway, plan, day, next_day)
                elif trigger is Trigger.SIGN_CONTRACT:
                    current = "en_poste_1_mois"
                    self._checkpoints(pathway, plan, day)
            self.report.pathways_created += 1
            self.report.events += events
            self.report.states[State(pathway.state).value] += 1
        except MoveRefused as refused:
            raise RowRefused(current, refused.messages) from refused

    def _move(self, pathway: Pathway, plan: RowPlan, trigger: Trigger, day: date) -> None:
        values = plan.values
        request: dict[str, Any] = {"trigger": trigger, "occurred_on": day}
        if trigger is Trigger.REGISTER_INFO_SESSION:
            request["info_session_id"] = self.info_session(day).id
        elif trigger is Trigger.START_ORIENTATION:
            request["orientation_week_id"] = self.week(day).id
            request["availability_confirmed"] = True
        elif trigger is Trigger.START_IMMERSION:
            host = values["employeur_pmsmp"]
            request["immersion"] = ImmersionInput(
                self.employer(host, None).id if host else None, day, values["date_fin_pmsmp"]
            )
        elif trigger is Trigger.START_TRAINING:
            organisation = values["organisme_formation"]
            request["training"] = TrainingInput(
                self.organisation(organisation).id if organisation else None,
                values["certification"],
                values["financement_formation"],
                day,
            )
            if values["date_fin_formation"] is not None:
                request["extra"] = {"ends_on": values["date_fin_formation"]}
        elif trigger is Trigger.SIGN_CONTRACT:
            name = values["employeur"]
            request["contract"] = ContractInput(
                self.employer(name, values["type_employeur"]).id if name else None,
                values["type_employeur"],
                values["metier_emploi"],
                values["type_contrat"],
                day,
                values["duree_cdd_mois"],
            )
        elif trigger is Trigger.EXIT:
            request["exit_reason"] = values["motif_sortie"]
            if values["motif_sortie"] is ExitReason.OTHER:
                request["comment"] = OTHER_EXIT_COMMENT
        event = pathway_service.move(self.session, pathway, MoveRequest(**request), self.actor)
        if trigger is Trigger.REGISTER_INFO_SESSION:
            attendance = self.session.scalar(
                sa.select(InfoSessionAttendance).where(
                    InfoSessionAttendance.session_id == request["info_session_id"],
                    InfoSessionAttendance.person_id == pathway.person_id,
                )
            )
            if attendance is not None:
                attendance.status = AttendanceStatus.PRESENT  # a date in the file is a fact: the person came
        elif trigger is Trigger.START_TRAINING and values["resultat_formation"] is not None:
            training = self.session.get(Training, event.details["training_id"])
            if training is not None:
                training.result = values["resultat_formation"]

    def _after_orientation(self, pathway: Pathway, plan: RowPlan, day: date, next_day: date | None) -> None:
        written_on = day + timedelta(days=4)
        if next_day is not None:
            written_on = min(written_on, next_day)
        written_on = min(written_on, self.today)
        if plan.project_validated is not None:
            pathway_service.record_diagnostic(
                self.session,
                pathway,
                written_on=written_on,
                project_validated=plan.project_validated,
                target_job_code=plan.target_job if plan.project_validated else None,
                actor=self.actor,
            )
        if plan.adviser is not None:
            pathway_service.assign_adviser(
                self.session, pathway, plan.adviser, actor=self.actor, on=written_on
            )

    def _checkpoints(self, pathway: Pathway, plan: RowPlan, contract_on: date) -> None:
        answers = plan.values["checkpoints"]
        contract_id = self.session.scalar(
            sa.select(PathwayEvent.details)
            .where(PathwayEvent.pathway_id == pathway.id, PathwayEvent.trigger == Trigger.SIGN_CONTRACT)
            .order_by(PathwayEvent.sequence.desc())
            .limit(1)
        )["contract_id"]
        for checkpoint in self.session.scalars(
            sa.select(Checkpoint).where(Checkpoint.contract_id == contract_id).order_by(Checkpoint.month)
        ):
            answer = answers.get(checkpoint.month)
            if answer is not None:
                pathway_service.record_checkpoint(
                    self.session,
                    checkpoint,
                    recorded_on=add_months(contract_on, checkpoint.month),
                    still_in_post=answer,
                    actor=self.actor,
                )


class RowRefused(Exception):
    def __init__(self, column: str, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.column = column
        self.messages = messages


def run_import(
    session: Session, platform: Platform, path: Path, *, actor: User | None, filename: str | None = None
) -> ImportReport:
    """Read, check and import ``path`` into ``platform`` within the caller's transaction.

    Raises ``FileRefused`` for a file refused as a whole (nothing read into
    the database). Otherwise returns the report; the caller commits only if
    ``report.ok`` (and the user confirmed), else rolls back.
    """
    table: Table = read_table(path, filename)
    importer = Importer(session, platform, actor)
    report = importer.report
    report.unknown_columns = table.unknown
    report.rows = len(table.rows)
    for column in table.missing:
        report.problems.append(Problem(1, column, "", "Colonne obligatoire absente de la ligne d'en-tête."))
    for number, column, value in table.formula_cells:
        report.problems.append(Problem(number, column, value, "Les formules ne sont pas acceptées."))
    if table.missing:
        return report
    if not table.rows:
        report.problems.append(Problem(2, "", "", "Le fichier ne contient aucune ligne de données."))
        return report

    plans: list[RowPlan] = []
    for number, cells in table.rows:
        plan, problems = importer.plan(number, cells)
        report.problems.extend(problems)
        if plan is not None:
            plans.append(plan)
    # Lock the platform row: two imports into one platform run one after the
    # other, so that idempotence holds even when the same file is sent twice
    # at once. On SQLite this first write also opens the transaction before
    # any savepoint (the driver would otherwise let the outermost RELEASE commit).
    session.execute(sa.update(Platform).where(Platform.id == platform.id).values(slug=Platform.slug))
    for plan in sorted(plans, key=lambda p: (p.entry_on, p.number)):
        savepoint = session.begin_nested()
        try:
            importer.apply(plan)
        except RowRefused as refused:
            savepoint.rollback()
            for message in refused.messages:
                report.problems.append(
                    Problem(plan.number, refused.column, _display(plan.cells.get(refused.column)), message)
                )
            continue
        except pathway_service.PathwayConflict as conflict:
            savepoint.rollback()
            report.problems.append(Problem(plan.number, "", "", conflict.message))
            continue
        savepoint.commit()
    report.problems.sort(key=lambda p: (p.row, p.column))
    # Kept only if the caller commits: who imported what, and how many rows.
    audit.record(
        session,
        actor,
        "import.caseload",
        object_type="platform",
        object_id=platform.id,
        platform_id=platform.id,
        details={"file": filename or path.name, "problems": len(report.problems), **report.counts()},
    )
    return report


def record_outcome(
    session: Session,
    platform: Platform,
    report: ImportReport,
    *,
    actor: User | None,
    action: str,
    filename: str,
) -> None:
    """Audit a verification or a refused import (counts only, never cell values).

    Called after the rollback, so that the trail keeps the attempt.
    """
    audit.record(
        session,
        actor,
        action,
        object_type="platform",
        object_id=platform.id,
        platform_id=platform.id,
        details={"file": filename, "problems": len(report.problems), **report.counts()},
    )


def record_refused_file(
    session: Session, platform: Platform, *, actor: User | None, filename: str, reason: str
) -> None:
    """Audit a file refused as a whole (hostile or unusable), with the French reason given.

    Called after the rollback, so that the trail keeps the attempt.
    """
    audit.record(
        session,
        actor,
        "import.file_refused",
        object_type="platform",
        object_id=platform.id,
        platform_id=platform.id,
        details={"file": filename[:200], "reason": reason[:300]},
    )


__all__ = ["ImportReport", "Problem", "record_outcome", "record_refused_file", "run_import"]
