"""Reading one row of the caseload file into typed values, every bad cell reported in French.

What is checked here is the file's own format (dates, closed lists, known
codes and accounts, columns that only make sense together); what the
pathway rules say about the history is judged by the planner
(``planner.py``), through the state machine.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pathways import clock
from pathways.models import Territory, User
from pathways.security.ids import parse_int
from pathways.services.person import normalise_name
from pathways.states import ExitReason, Trigger, add_months
from pathways.vocabulary import (
    ContractEndReason,
    ContractType,
    DiplomaLevel,
    EmployerType,
    FundingScheme,
    PrescriberType,
    Role,
    Sex,
    TrainingResult,
)

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
    "abandon": TrainingResult.ABANDONED,
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
CONTRACT_END_REASONS = {
    "fin_cdd": ContractEndReason.END_OF_CDD,
    "rupture_periode_essai_employeur": ContractEndReason.TRIAL_BROKEN_BY_EMPLOYER,
    "rupture_periode_essai_salarie": ContractEndReason.TRIAL_BROKEN_BY_EMPLOYEE,
    "demission": ContractEndReason.RESIGNATION,
    "licenciement": ContractEndReason.DISMISSAL,
    "rupture_conventionnelle": ContractEndReason.CONVENTIONAL_TERMINATION,
    "autre": ContractEndReason.OTHER,
}
YES_NO = {"oui": True, "o": True, "non": False, "n": False}
SEXES = {s.value.lower(): s for s in Sex}
DIPLOMA_LEVELS = {d.value: d for d in DiplomaLevel}
PRESCRIBERS = {p.value: p for p in PrescriberType}
PRESCRIBERS_LISTED = ", ".join(PRESCRIBERS)
# ASCII digits only: "\d" would take "٣" or "²" (parse strictly, issue 9).
DATE_PATTERNS = (
    (re.compile(r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$"), ("d", "m", "y")),
    (re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$"), ("y", "m", "d")),
)
CHECKPOINT_COLUMNS = {1: "en_poste_1_mois", 3: "en_poste_3_mois", 6: "en_poste_6_mois"}
COMPLETION_COLUMN = "en_poste_6_mois"


def _listing(codes: dict[str, Any]) -> str:
    names = list(codes)
    return ", ".join(names[:-1]) + " ou " + names[-1]


@dataclass(frozen=True)
class Problem:
    """One problem of the file: spreadsheet row, column, the value found, what is wrong (French)."""

    row: int
    column: str
    value: str
    message: str


def display(value: Any) -> str:
    """A cell as the user typed it (dates as JJ/MM/AAAA)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@functools.lru_cache(maxsize=4096)
def _code(value: Any) -> str:
    """A closed-list value as a comparable code: lower case, no accents, ``_`` for separators."""
    text = unicodedata.normalize("NFKD", display(value))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower().strip()
    return re.sub(r"[\s\-']+", "_", text)


class RowReader:
    """Typed access to one row's cells, collecting a Problem for every bad value."""

    def __init__(self, number: int, cells: dict[str, Any]) -> None:
        self.number = number
        self.cells = cells
        self.problems: list[Problem] = []

    def problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.number, column, display(self.cells.get(column)), message))

    def text(self, column: str, max_length: int | None = None) -> str | None:
        value = self.cells.get(column)
        if value is None:
            return None
        text = display(value).strip()
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
        text = display(value).strip()
        for pattern, order in DATE_PATTERNS:
            match = pattern.match(text)
            if match:
                parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
                try:
                    return date(parts["y"], parts["m"], parts["d"])
                except ValueError:
                    return None
        return None

    def choice(self, column: str, choices: dict[str, Any], expected: str | None = None) -> Any:
        value = self.cells.get(column)
        if value is None:
            return None
        found = choices.get(_code(value))
        if found is None:
            self.problem(column, f"Valeur inconnue : attendu {expected or _listing(choices)}.")
        return found

    def yes_no(self, column: str) -> bool | None:
        return self.choice(column, YES_NO, "oui ou non")

    def integer(self, column: str) -> int | None:
        value = self.cells.get(column)
        if value is None:
            return None
        number = parse_int(display(value).strip(), low=0)
        if number is None:
            self.problem(column, "Nombre entier attendu (en chiffres de 0 à 9).")
        return number


@dataclass(frozen=True)
class TrainingColumns:
    """One training of the row: ``date_formation`` and its columns, or the ``_2`` ones."""

    column: str
    starts_on: date
    certification: str | None
    organisation: str | None
    funding: FundingScheme | None
    result: TrainingResult | None
    ends_on: date | None
    suffix: str

    def column_of(self, name: str) -> str:
        return f"{name}{self.suffix}"


@dataclass(frozen=True)
class ContractColumns:
    """One contract of the row: ``date_contrat`` and its columns, or the ``_2`` ones.

    ``training_organisation`` / ``training_certification`` name the training of
    a work-study contract (the row's training columns, see ``read_row``).
    """

    column: str
    starts_on: date
    contract_type: ContractType | None
    cdd_months: int | None
    employer: str | None
    employer_type: EmployerType | None
    job_code: str | None
    training_organisation: str | None
    training_certification: str | None
    suffix: str

    def column_of(self, name: str) -> str:
        return f"{name}{self.suffix}"


@dataclass(frozen=True)
class Step:
    """A move asked for by a dated column of the row."""

    day: date
    trigger: Trigger
    column: str
    training: TrainingColumns | None = None
    contract: ContractColumns | None = None


@dataclass
class RowPlan:
    """What one well-formed row asks for, before the pathway rules judge it."""

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
    interview_on: date | None
    steps: list[Step]
    immersion_ends_on: date | None
    immersion_host: str | None
    trainings: list[TrainingColumns]
    contracts: list[ContractColumns]
    contract_end_reason: ContractEndReason | None
    exit_reason: ExitReason | None
    # The follow-up checkpoints' answers, for the current (latest) contract.
    checkpoints: dict[int, bool] = field(default_factory=dict)

    @property
    def current_contract(self) -> ContractColumns | None:
        return self.contracts[-1] if self.contracts else None


@dataclass
class Lookups:
    """What the rows are checked against: the platform's territories, accounts, codes."""

    territories: dict[str, Territory]
    users: dict[str, User]
    jobs: set[str]
    certifications: dict[str, str]


def read_row(number: int, cells: dict[str, Any], lookups: Lookups, today: date) -> RowPlan | list[Problem]:
    """The typed row, or every problem of its cells."""
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
        "sex": row.choice("sexe", SEXES, "F, M ou X"),
        "email": row.text("email", 254),
        "phone": row.text("telephone", 32),
        "postal_code": row.text("code_postal", 10),
        "city": row.text("commune", 120),
        "france_travail_id": row.text("identifiant_france_travail", 20),
        "diploma_level": row.choice("niveau_diplome", DIPLOMA_LEVELS, "infra3, 3, 4, 5, 6, 7 ou 8"),
    }
    if fields["france_travail_id"]:
        fields["france_travail_id"] = fields["france_travail_id"].upper()
    publics = row.text("publics")
    if publics:
        for token in re.split(r"[,;/\s]+", publics.upper()):
            if not token:
                continue
            if token in PUBLICS:
                fields[PUBLICS[token]] = True
            else:
                row.problem("publics", f"Public inconnu « {token} » : attendu {', '.join(PUBLICS)}.")
    prescriber = row.choice("prescripteur", PRESCRIBERS, PRESCRIBERS_LISTED)
    territory = None
    if (name := row.text("territoire")) is not None:
        territory = lookups.territories.get(normalised(name))
        if territory is None:
            row.problem("territoire", "Territoire inconnu sur la plateforme.")
    delegate = _user(row, lookups, "delegue", Role.DELEGATE, "délégué·e")
    adviser = _user(row, lookups, "conseiller", Role.ADVISER, "conseiller·ère")
    target_job = _job(row, lookups, "metier_vise")
    project_validated = row.yes_no("projet_valide")
    interview_on = row.date("date_entretien_diagnostic")

    steps: list[Step] = []
    for column, trigger in (
        ("date_information_collective", Trigger.REGISTER_INFO_SESSION),
        ("date_pole_orientation", Trigger.START_ORIENTATION),
        ("date_renforcement", Trigger.START_REINFORCEMENT),
        ("date_pmsmp", Trigger.START_IMMERSION),
        ("date_recherche_emploi", Trigger.SEEK_EMPLOYMENT),
        ("date_fin_contrat", Trigger.END_CONTRACT),
        ("date_sortie", Trigger.EXIT),
    ):
        if (day := row.date(column)) is not None:
            steps.append(Step(day, trigger, column))
    immersion_ends_on = row.date("date_fin_pmsmp")
    immersion_host = row.text("employeur_pmsmp", 200)

    # Organisation and certification, per rank: a training's, and a work-study contract's.
    named = {
        suffix: (
            row.text(f"organisme_formation{suffix}", 200),
            _certification(row, lookups, f"certification{suffix}"),
        )
        for suffix in ("", "_2")
    }
    trainings: list[TrainingColumns] = []
    for suffix in ("", "_2"):
        training = _training(row, suffix, *named[suffix])
        if training is not None:
            trainings.append(training)
            steps.append(Step(training.starts_on, Trigger.START_TRAINING, training.column, training=training))
    if len(trainings) == 1 and trainings[0].suffix == "_2":
        row.problem(
            "date_formation_2", "Une deuxième formation suit une première : renseignez date_formation."
        )

    contracts: list[ContractColumns] = []
    for suffix in ("", "_2"):
        # A work-study contract names its training: the row's training columns
        # of the same rank (``_2`` for the second contract), else the first ones.
        organisation, certification = named[suffix]
        if suffix and organisation is None and certification is None:
            organisation, certification = named[""]
        contract = _contract(row, lookups, suffix, organisation, certification)
        if contract is not None:
            contracts.append(contract)
            steps.append(Step(contract.starts_on, Trigger.SIGN_CONTRACT, contract.column, contract=contract))
    contract_end_reason = row.choice("motif_fin_contrat", CONTRACT_END_REASONS)
    exit_reason = row.choice("motif_sortie", EXIT_REASONS)
    has = {step.column for step in steps}
    if "date_contrat_2" in has and not {"date_contrat", "date_fin_contrat"} <= has:
        row.problem(
            "date_contrat_2",
            "Un deuxième contrat suit la fin du premier : renseignez date_contrat, date_fin_contrat et "
            "motif_fin_contrat.",
        )
    if "date_fin_contrat" in has and "date_contrat" not in has:
        row.problem("date_fin_contrat", "Une fin de contrat demande une date_contrat.")
    if contract_end_reason is not None and "date_fin_contrat" not in has:
        row.problem("motif_fin_contrat", "Un motif de fin de contrat demande une date_fin_contrat.")
    if exit_reason is not None and "date_sortie" not in has:
        row.problem("motif_sortie", "Un motif de sortie demande une date_sortie.")
    if project_validated is not None and "date_pole_orientation" not in has and interview_on is None:
        row.problem(
            "projet_valide",
            "Le projet se valide à l'issue du pôle orientation ou d'un entretien de diagnostic : "
            "date_pole_orientation ou date_entretien_diagnostic.",
        )
    if interview_on is not None and project_validated is None:
        row.problem(
            "date_entretien_diagnostic",
            "Un entretien de diagnostic conclut : renseignez projet_valide (oui ou non).",
        )

    checkpoints: dict[int, bool] = {}
    for month, column in CHECKPOINT_COLUMNS.items():
        answer = row.yes_no(column)
        if answer is not None:
            checkpoints[month] = answer
    current = contracts[-1] if contracts else None
    if current is not None:
        for month in checkpoints:
            due_on = add_months(current.starts_on, month)
            if due_on > today:
                row.problem(
                    CHECKPOINT_COLUMNS[month],
                    f"Le point à {month} mois tombe le {due_on:%d/%m/%Y}, dans le futur.",
                )
        if 6 in checkpoints:
            steps.append(Step(add_months(current.starts_on, 6), Trigger.COMPLETE, COMPLETION_COLUMN))
    else:
        for month in checkpoints:
            row.problem(CHECKPOINT_COLUMNS[month], "Un point de suivi demande une date_contrat.")

    seen: dict[date, str] = {}
    if entry_on is not None:
        seen[entry_on] = "date_entree"
    steps.sort(key=lambda step: step.day)
    for step in steps:
        if step.day in seen:
            row.problem(
                step.column,
                f"Même date que {seen[step.day]} : deux étapes d'un parcours ne partagent pas une date.",
            )
        seen[step.day] = step.column
    if birth_date is not None and entry_on is not None and birth_date >= entry_on:
        row.problem("date_naissance", "La date de naissance doit précéder la date d'entrée.")
    if row.problems or last_name is None or first_name is None or birth_date is None or entry_on is None:
        return row.problems
    return RowPlan(
        number=number,
        cells=cells,
        person_fields={k: v for k, v in fields.items() if v is not None},
        last_name=last_name,
        first_name=first_name,
        birth_date=birth_date,
        entry_on=entry_on,
        territory=territory,
        prescriber=prescriber,
        delegate=delegate,
        adviser=adviser,
        target_job=target_job,
        project_validated=project_validated,
        interview_on=interview_on,
        steps=steps,
        immersion_ends_on=immersion_ends_on,
        immersion_host=immersion_host,
        trainings=trainings,
        contracts=contracts,
        contract_end_reason=contract_end_reason,
        exit_reason=exit_reason,
        checkpoints=checkpoints,
    )


def _training(
    row: RowReader, suffix: str, organisation: str | None, certification: str | None
) -> TrainingColumns | None:
    column = f"date_formation{suffix}"
    starts_on = row.date(column)
    funding = row.choice(f"financement_formation{suffix}", FUNDING, "prf, poei, poec, cpf, opco ou autre")
    result = row.choice(f"resultat_formation{suffix}", TRAINING_RESULTS)
    ends_on = row.date(f"date_fin_formation{suffix}")
    if starts_on is None:
        return None
    return TrainingColumns(column, starts_on, certification, organisation, funding, result, ends_on, suffix)


def _contract(
    row: RowReader,
    lookups: Lookups,
    suffix: str,
    training_organisation: str | None,
    training_certification: str | None,
) -> ContractColumns | None:
    column = f"date_contrat{suffix}"
    starts_on = row.date(column)
    contract_type = row.choice(f"type_contrat{suffix}", CONTRACT_TYPES)
    cdd_months = row.integer(f"duree_cdd_mois{suffix}")
    employer = row.text(f"employeur{suffix}", 200)
    employer_type = row.choice(f"type_employeur{suffix}", EMPLOYER_TYPES)
    job_code = _job(row, lookups, f"metier_emploi{suffix}")
    if starts_on is None:
        return None
    return ContractColumns(
        column,
        starts_on,
        contract_type,
        cdd_months,
        employer,
        employer_type,
        job_code,
        training_organisation,
        training_certification,
        suffix,
    )


@functools.lru_cache(maxsize=4096)
def normalised(name: str) -> str:
    """``normalise_name``, remembered: a file names the same territories and employers again and again."""
    return normalise_name(name)


def _user(row: RowReader, lookups: Lookups, column: str, role: Role, label: str) -> User | None:
    email = row.text(column)
    if email is None:
        return None
    user = lookups.users.get(email.lower())
    if user is None:
        row.problem(column, "Aucun compte de la plateforme avec cette adresse.")
    elif user.role is not role or not user.is_active:
        row.problem(column, f"Ce compte n'est pas un·e {label} actif·ve de la plateforme.")
        return None
    return user


def _job(row: RowReader, lookups: Lookups, column: str) -> str | None:
    code = row.text(column)
    if code is None:
        return None
    code = code.upper()
    if code not in lookups.jobs:
        row.problem(column, "Code ROME inconnu.")
        return None
    return code


def _certification(row: RowReader, lookups: Lookups, column: str) -> str | None:
    code = row.text(column)
    if code is None:
        return None
    found = lookups.certifications.get(code.upper().replace(" ", "_"))
    if found is None:
        row.problem(column, "Certification inconnue : indiquez son code (DEAS, DEAES, TP_ADVF…).")
    return found
