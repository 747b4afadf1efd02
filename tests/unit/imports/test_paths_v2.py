"""Version-2 paths from a spreadsheet: the history the import writes is the one the service records.

Each field path is imported from a file, then recorded again through the
services for another person of the same platform, move by move as a
conseiller would type it; the two pathways must hold the same history and
the same records (ids aside), and the same facts for the guards.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways.imports.planner import ABANDON_REASON
from pathways.imports.service import run_import
from pathways.models import (
    AdviserAssignment,
    Checkpoint,
    Contract,
    Diagnostic,
    Employer,
    Immersion,
    InfoSession,
    InfoSessionAttendance,
    OrientationParticipant,
    OrientationWeek,
    Pathway,
    PathwayEvent,
    Person,
    PlannedStep,
    Training,
    TrainingOrganisation,
)
from pathways.services import pathway as pathway_service
from pathways.services.enrolment import record_training_result
from pathways.services.person import create_person
from pathways.states import ContractInput, ImmersionInput, MoveRequest, State, TrainingInput, Trigger
from pathways.vocabulary import (
    AttendanceStatus,
    ContractEndReason,
    ContractType,
    DiagnosticKind,
    EmployerType,
    FundingScheme,
    PlannedStepStatus,
    PrescriberType,
    TrainingResult,
)
from tests.factories import World, make_world
from tests.unit.imports.files import write_xlsx


def identity(world: World, last_name: str, **row: Any) -> dict[str, Any]:
    return {
        "nom": last_name,
        "prenom": "Awa",
        "date_naissance": date(1988, 4, 2),
        "prescripteur": "france_travail",
        "territoire": world.territory.name,
        "delegue": world.delegate.email,
        "conseiller": world.adviser.email,
        "metier_vise": "K1311",
        **row,
    }


LYON = {
    "date_entree": date(2025, 3, 3),
    "date_information_collective": date(2025, 3, 6),
    "date_entretien_diagnostic": date(2025, 3, 10),
    "projet_valide": "oui",
    "date_pmsmp": date(2025, 3, 17),
    "date_fin_pmsmp": date(2025, 3, 19),
    "employeur_pmsmp": "EHPAD Les Glycines",
    "date_formation": date(2025, 4, 7),
    "certification": "DEAS",
    "organisme_formation": "IFAS Lyon Sud",
    "financement_formation": "prf",
    "resultat_formation": "en_cours",
    "date_fin_formation": date(2026, 9, 30),
}
BROKEN_CDD = {
    "date_entree": date(2025, 1, 13),
    "date_information_collective": date(2025, 1, 16),
    "date_pole_orientation": date(2025, 1, 20),
    "projet_valide": "oui",
    "date_recherche_emploi": date(2025, 2, 3),
    "date_contrat": date(2025, 2, 17),
    "type_contrat": "cdd",
    "duree_cdd_mois": 6,
    "employeur": "SAAD Domicile Plus",
    "type_employeur": "saad",
    "metier_emploi": "K1311",
    "date_fin_contrat": date(2025, 4, 10),
    "motif_fin_contrat": "rupture_periode_essai_employeur",
    "date_contrat_2": date(2025, 5, 5),
    "type_contrat_2": "cdi",
    "employeur_2": "EHPAD Les Tilleuls",
    "type_employeur_2": "ehpad",
    "metier_emploi_2": "J1501",
    "en_poste_1_mois": "oui",
    "en_poste_3_mois": "oui",
    "en_poste_6_mois": "oui",
}
DROPOUT = {
    "date_entree": date(2025, 1, 13),
    "date_pole_orientation": date(2025, 1, 27),
    "projet_valide": "oui",
    "date_formation": date(2025, 2, 10),
    "certification": "TP_ADVF",
    "organisme_formation": "GRETA des Yvelines",
    "financement_formation": "cpf",
    "resultat_formation": "abandon",
    "date_fin_formation": date(2025, 3, 14),
    "date_recherche_emploi": date(2025, 3, 17),
    "date_formation_2": date(2025, 4, 7),
    "certification_2": "TP_ASMS",
    "organisme_formation_2": "AFPA Trappes",
    "financement_formation_2": "poei",
    "resultat_formation_2": "partielle",
    "date_fin_formation_2": date(2025, 7, 4),
    "date_contrat": date(2025, 7, 15),
    "type_contrat": "cdi",
    "employeur": "SAAD Domicile Plus",
    "type_employeur": "saad",
    "metier_emploi": "K1311",
    "en_poste_1_mois": "oui",
}


# --- the same path, typed through the services ------------------------------------------------


class Conseiller:
    """Records a path through the services, as the pathway file does, for a new person."""

    def __init__(self, session: Session, world: World, last_name: str, entry: date) -> None:
        self.session = session
        self.world = world
        person = create_person(
            session,
            world.platform.id,
            last_name=last_name,
            first_name="Awa",
            birth_date=date(1988, 4, 2),
            actor=world.manager,
        )
        self.pathway = pathway_service.open_pathway(
            session,
            person,
            referred_on=entry,
            actor=world.manager,
            territory_id=world.territory.id,
            prescriber_type=PrescriberType.FRANCE_TRAVAIL,
            delegate=world.delegate,
            target_job_code="K1311",
        )

    def move(self, request: MoveRequest) -> None:
        pathway_service.move(self.session, self.pathway, request, self.world.manager)

    def info_session(self, day: date) -> None:
        info_session = self.session.scalar(sa.select(InfoSession).where(InfoSession.held_on == day))
        self.move(MoveRequest(Trigger.REGISTER_INFO_SESSION, day, info_session_id=info_session.id))
        attendance = self.session.scalar(
            sa.select(InfoSessionAttendance).where(
                InfoSessionAttendance.session_id == info_session.id,
                InfoSessionAttendance.person_id == self.pathway.person_id,
            )
        )
        attendance.status = AttendanceStatus.PRESENT

    def week(self, day: date) -> None:
        week = self.session.scalar(sa.select(OrientationWeek).where(OrientationWeek.starts_on == day))
        self.move(
            MoveRequest(
                Trigger.START_ORIENTATION, day, orientation_week_id=week.id, availability_confirmed=True
            )
        )

    def diagnostic(self, day: date, kind: DiagnosticKind) -> None:
        pathway_service.record_diagnostic(
            self.session,
            self.pathway,
            written_on=day,
            project_validated=True,
            target_job_code="K1311",
            kind=kind,
            actor=self.world.manager,
        )

    def assign(self, day: date) -> None:
        pathway_service.assign_adviser(
            self.session, self.pathway, self.world.adviser, actor=self.world.manager, on=day
        )

    def employer(self, name: str) -> int:
        return self.session.scalar(sa.select(Employer.id).where(Employer.name == name))

    def organisation(self, name: str) -> int:
        return self.session.scalar(
            sa.select(TrainingOrganisation.id).where(TrainingOrganisation.name == name)
        )

    def contract(
        self,
        day: date,
        employer: str,
        kind: EmployerType,
        job: str,
        contract_type: ContractType,
        months: int | None = None,
    ) -> None:
        self.move(
            MoveRequest(
                Trigger.SIGN_CONTRACT,
                day,
                contract=ContractInput(self.employer(employer), kind, job, contract_type, day, months),
            )
        )

    def training(
        self, day: date, certification: str, organisation: str, funding: FundingScheme, ends_on: date | None
    ) -> Training:
        self.move(
            MoveRequest(
                Trigger.START_TRAINING,
                day,
                training=TrainingInput(self.organisation(organisation), certification, funding, day),
                extra={"ends_on": ends_on} if ends_on else {},
            )
        )
        return self.session.scalar(
            sa.select(Training).where(Training.pathway_id == self.pathway.id, Training.starts_on == day)
        )

    def checkpoints(self, contract_on: date, answers: dict[int, bool]) -> None:
        contract = self.session.scalar(
            sa.select(Contract).where(
                Contract.pathway_id == self.pathway.id, Contract.starts_on == contract_on
            )
        )
        for checkpoint in sorted(contract.checkpoints, key=lambda c: c.month):
            if checkpoint.month in answers:
                pathway_service.record_checkpoint(
                    self.session,
                    checkpoint,
                    recorded_on=checkpoint.due_on,
                    still_in_post=answers[checkpoint.month],
                    actor=self.world.manager,
                )


# --- comparing two pathways -------------------------------------------------------------------


def history(session: Session, pathway: Pathway) -> dict[str, Any]:
    """Everything the pathway holds, ids replaced by what they name (dates, names)."""
    records: dict[str, dict[int, Any]] = {
        "contract_id": {
            c.id: ("contract", c.starts_on)
            for c in session.scalars(sa.select(Contract).where(Contract.pathway_id == pathway.id))
        },
        "training_id": {
            t.id: ("training", t.starts_on)
            for t in session.scalars(sa.select(Training).where(Training.pathway_id == pathway.id))
        },
        "immersion_id": {
            i.id: ("immersion", i.starts_on)
            for i in session.scalars(sa.select(Immersion).where(Immersion.pathway_id == pathway.id))
        },
    }

    def plain(details: dict[str, Any]) -> dict[str, Any]:
        return {k: records[k][v] if k in records and v is not None else v for k, v in details.items()}

    def rows(model: Any, *columns: str, **where: Any) -> list[tuple]:
        found = session.scalars(sa.select(model).filter_by(**where).order_by(model.id)).all()
        return [tuple(getattr(row, c) for c in columns) for row in found]

    return {
        "pathway": (
            pathway.state,
            pathway.last_event_on,
            pathway.adviser_id,
            pathway.delegate_id,
            pathway.territory_id,
            pathway.target_job_code,
            pathway.prescriber_type,
        ),
        "events": [
            (
                e.sequence,
                e.trigger,
                e.from_state,
                e.to_state,
                e.occurred_on,
                e.comment,
                plain(e.details),
                e.recorded_by_id,
            )
            for e in session.scalars(
                sa.select(PathwayEvent)
                .where(PathwayEvent.pathway_id == pathway.id)
                .order_by(PathwayEvent.sequence)
            )
        ],
        "contracts": rows(
            Contract,
            "contract_type",
            "starts_on",
            "cdd_months",
            "employer_id",
            "employer_type",
            "job_code",
            "ended_on",
            "end_reason",
            pathway_id=pathway.id,
        ),
        "checkpoints": sorted(
            (c.contract.starts_on, c.month, c.due_on, c.recorded_on, c.still_in_post, c.cancelled_on)
            for c in session.scalars(sa.select(Checkpoint).where(Checkpoint.pathway_id == pathway.id))
        ),
        "trainings": rows(
            Training,
            "starts_on",
            "organisation_id",
            "certification_code",
            "funding",
            "result",
            "ends_on",
            "abandon_reason",
            "blocks_obtained",
            "in_employment",
            "contract_id",
            pathway_id=pathway.id,
        ),
        "immersions": rows(Immersion, "employer_id", "starts_on", "ends_on", pathway_id=pathway.id),
        "diagnostics": rows(
            Diagnostic,
            "kind",
            "week_id",
            "written_on",
            "project_validated",
            "target_job_code",
            "author_id",
            pathway_id=pathway.id,
        ),
        "assignments": rows(
            AdviserAssignment,
            "adviser_id",
            "assigned_on",
            "assigned_by_id",
            "ended_on",
            pathway_id=pathway.id,
        ),
        "participants": rows(
            OrientationParticipant, "week_id", "availability_confirmed", pathway_id=pathway.id
        ),
        "attendances": rows(InfoSessionAttendance, "session_id", "status", person_id=pathway.person_id),
        "facts": pathway_service.pathway_facts(session, pathway),
    }


def imported(session: Session, world: World, tmp_path: Path, *rows: dict[str, Any]) -> None:
    path = write_xlsx(tmp_path / "parcours.xlsx", list(rows))
    report = run_import(session, world.platform, path, actor=world.manager)
    assert report.problems == []
    assert report.pathways_created == len(rows)


def pathway_of(session: Session, last_name: str) -> Pathway:
    return session.scalar(sa.select(Pathway).join(Person).where(Person.last_name == last_name))


def test_lyon_path_without_orientation_week(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    imported(session, world, tmp_path, identity(world, "Lyon", **LYON))

    typed = Conseiller(session, world, "Service", LYON["date_entree"])
    typed.assign(LYON["date_entree"])  # a guichet-unique entry: a conseiller from the start
    typed.info_session(date(2025, 3, 6))
    typed.diagnostic(date(2025, 3, 10), DiagnosticKind.INTERVIEW)
    employer = typed.employer("EHPAD Les Glycines")
    typed.move(
        MoveRequest(
            Trigger.START_IMMERSION,
            None,
            immersion=ImmersionInput(employer, date(2025, 3, 17), date(2025, 3, 19)),
        )
    )
    typed.training(date(2025, 4, 7), "DEAS", "IFAS Lyon Sud", FundingScheme.PRF, date(2026, 9, 30))
    session.flush()

    lyon = history(session, pathway_of(session, "Lyon"))
    assert lyon == history(session, typed.pathway)
    assert [e[1] for e in lyon["events"]] == [
        Trigger.REFER,
        Trigger.REGISTER_INFO_SESSION,
        Trigger.START_IMMERSION,
        Trigger.START_TRAINING,
    ]
    assert lyon["diagnostics"][0][0] is DiagnosticKind.INTERVIEW
    assert lyon["pathway"][0] is State.TRAINING


def test_cdd_broken_in_month_two_then_a_cdi_completed(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    imported(session, world, tmp_path, identity(world, "Rupture", **BROKEN_CDD))

    typed = Conseiller(session, world, "Service", BROKEN_CDD["date_entree"])
    typed.info_session(date(2025, 1, 16))
    typed.week(date(2025, 1, 20))
    typed.diagnostic(date(2025, 1, 24), DiagnosticKind.ORIENTATION_WEEK)
    typed.assign(date(2025, 1, 24))
    typed.move(MoveRequest(Trigger.SEEK_EMPLOYMENT, date(2025, 2, 3)))
    typed.contract(date(2025, 2, 17), "SAAD Domicile Plus", EmployerType.SAAD, "K1311", ContractType.CDD, 6)
    typed.move(
        MoveRequest(
            Trigger.END_CONTRACT,
            date(2025, 4, 10),
            contract_end_reason=ContractEndReason.TRIAL_BROKEN_BY_EMPLOYER,
        )
    )
    typed.contract(date(2025, 5, 5), "EHPAD Les Tilleuls", EmployerType.EHPAD, "J1501", ContractType.CDI)
    typed.checkpoints(date(2025, 5, 5), {1: True, 3: True, 6: True})
    typed.move(MoveRequest(Trigger.COMPLETE, date(2025, 11, 5)))
    session.flush()

    broken = history(session, pathway_of(session, "Rupture"))
    assert broken == history(session, typed.pathway)
    assert broken["pathway"][0] is State.COMPLETED
    assert [e[1] for e in broken["events"]][-4:] == [
        Trigger.SIGN_CONTRACT,
        Trigger.END_CONTRACT,
        Trigger.SIGN_CONTRACT,
        Trigger.COMPLETE,
    ]
    first_contract = [c for c in broken["checkpoints"] if c[0] == date(2025, 2, 17)]
    # The first contract's checkpoints not yet due at its end are cancelled, and kept.
    assert [(c[1], c[5]) for c in first_contract] == [
        (1, None),
        (3, date(2025, 4, 10)),
        (6, date(2025, 4, 10)),
    ]
    assert broken["contracts"][0][-2:] == (date(2025, 4, 10), ContractEndReason.TRIAL_BROKEN_BY_EMPLOYER)


def test_training_abandoned_then_another_training_then_a_contract(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    imported(session, world, tmp_path, identity(world, "Abandon", **DROPOUT))

    typed = Conseiller(session, world, "Service", DROPOUT["date_entree"])
    typed.week(date(2025, 1, 27))
    typed.diagnostic(date(2025, 1, 31), DiagnosticKind.ORIENTATION_WEEK)
    typed.assign(date(2025, 1, 31))
    first = typed.training(
        date(2025, 2, 10), "TP_ADVF", "GRETA des Yvelines", FundingScheme.CPF, date(2025, 3, 14)
    )
    record_training_result(
        session,
        first,
        result=TrainingResult.ABANDONED,
        ends_on=date(2025, 3, 14),
        abandon_reason=ABANDON_REASON,
        actor=world.manager,
    )
    typed.move(MoveRequest(Trigger.SEEK_EMPLOYMENT, date(2025, 3, 17)))
    second = typed.training(date(2025, 4, 7), "TP_ASMS", "AFPA Trappes", FundingScheme.POEI, date(2025, 7, 4))
    record_training_result(
        session,
        second,
        result=TrainingResult.PARTIAL,
        ends_on=date(2025, 7, 4),
        blocks_obtained="Non précisés dans le fichier repris",
        actor=world.manager,
    )
    typed.contract(date(2025, 7, 15), "SAAD Domicile Plus", EmployerType.SAAD, "K1311", ContractType.CDI)
    typed.checkpoints(date(2025, 7, 15), {1: True})
    session.flush()

    dropout = history(session, pathway_of(session, "Abandon"))
    assert dropout == history(session, typed.pathway)
    assert [(t[0], t[4]) for t in dropout["trainings"]] == [
        (date(2025, 2, 10), TrainingResult.ABANDONED),
        (date(2025, 4, 7), TrainingResult.PARTIAL),
    ]
    assert dropout["pathway"][0] is State.FOLLOW_UP


def test_a_step_still_to_come_is_planned_as_the_file_plans_it(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    row = {
        "date_entree": date(2026, 5, 4),
        "date_pole_orientation": date(2026, 5, 11),
        "projet_valide": "oui",
        "date_formation": date(2026, 7, 6),
        "certification": "TP_ADVF",
        "organisme_formation": "GRETA des Yvelines",
        "financement_formation": "poec",
    }
    imported(session, world, tmp_path, identity(world, "Prevue", **row))

    typed = Conseiller(session, world, "Service", row["date_entree"])
    typed.week(date(2026, 5, 11))
    typed.diagnostic(date(2026, 5, 15), DiagnosticKind.ORIENTATION_WEEK)
    typed.assign(date(2026, 5, 15))
    organisation = typed.organisation("GRETA des Yvelines")
    pathway_service.record_step(
        session,
        typed.pathway,
        MoveRequest(
            Trigger.START_TRAINING,
            training=TrainingInput(organisation, "TP_ADVF", FundingScheme.POEC, date(2026, 7, 6)),
        ),
        world.manager,
    )
    session.flush()

    planned = pathway_of(session, "Prevue")
    assert history(session, planned) == history(session, typed.pathway)
    steps = [
        session.scalars(sa.select(PlannedStep).where(PlannedStep.pathway_id == p.id)).one()
        for p in (planned, typed.pathway)
    ]
    first = steps[0]
    assert (first.trigger, first.planned_on, first.status, first.request, first.created_by_id) == (
        Trigger.START_TRAINING,
        date(2026, 7, 6),
        PlannedStepStatus.PLANNED,
        steps[1].request,
        world.manager.id,
    )
    assert planned.state is State.ORIENTATION


def test_reimporting_version_two_paths_creates_nothing(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    rows = [
        identity(world, "Lyon", **LYON),
        identity(world, "Rupture", **BROKEN_CDD),
        identity(world, "Abandon", **DROPOUT),
    ]
    imported(session, world, tmp_path, *rows)
    session.commit()

    def counts() -> list[int]:
        return [
            session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Person, Pathway, PathwayEvent, Contract, Checkpoint, Training, Diagnostic, Employer)
        ]

    before = counts()
    again = run_import(
        session, world.platform, write_xlsx(tmp_path / "encore.xlsx", rows), actor=world.manager
    )
    assert again.problems == []
    assert (again.pathways_created, again.pathways_already_imported) == (0, 3)
    assert counts() == before
