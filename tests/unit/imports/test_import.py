"""The caseload import: verification, all or nothing, idempotence, matching, history through the machine."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from exports.indicators import compute_bilan
from pathways.imports.service import run_import
from pathways.imports.template import write_template
from pathways.models import (
    AuditEntry,
    Checkpoint,
    Contract,
    Employer,
    InfoSession,
    InfoSessionAttendance,
    OrientationWeek,
    Pathway,
    PathwayEvent,
    Person,
    Training,
)
from pathways.services.pathway import replay
from pathways.states import State, Trigger
from pathways.vocabulary import AttendanceStatus, ContractType, TrainingResult
from tests.factories import make_person, make_world
from tests.unit.exports.scenario import oracle
from tests.unit.imports.files import write_csv, write_xlsx


def full_row(world: Any, **overrides: Any) -> dict[str, Any]:
    """A pathway from entry to completed follow-up, every data guard met by its columns."""
    row: dict[str, Any] = {
        "nom": "Durand",
        "prenom": "Léa",
        "date_naissance": date(1990, 5, 17),
        "date_entree": date(2025, 1, 6),
        "sexe": "F",
        "publics": "DE, BRSA",
        "niveau_diplome": "4",
        "prescripteur": "france_travail",
        "territoire": world.territory.name,
        "delegue": world.delegate.email,
        "conseiller": world.adviser.email,
        "metier_vise": "K1311",
        "date_information_collective": date(2025, 1, 10),
        "date_pole_orientation": date(2025, 1, 20),
        "projet_valide": "oui",
        "date_pmsmp": date(2025, 2, 3),
        "date_fin_pmsmp": date(2025, 2, 5),
        "employeur_pmsmp": "EHPAD Les Tilleuls",
        "date_formation": date(2025, 3, 3),
        "certification": "TP_ADVF",
        "organisme_formation": "GRETA Yvelines",
        "financement_formation": "prf",
        "resultat_formation": "obtenue",
        "date_fin_formation": date(2025, 6, 27),
        "date_contrat": date(2025, 7, 7),
        "type_contrat": "cdd",
        "duree_cdd_mois": 12,
        "employeur": "SAAD Domicile Plus",
        "type_employeur": "saad",
        "metier_emploi": "K1311",
        "en_poste_1_mois": "oui",
        "en_poste_3_mois": "oui",
        "en_poste_6_mois": "oui",
    }
    row.update(overrides)
    return {k: v for k, v in row.items() if v is not None}


def short_row(**overrides: Any) -> dict[str, Any]:
    row = {
        "nom": "Petit",
        "prenom": "Jules",
        "date_naissance": date(2004, 2, 2),
        "date_entree": date(2025, 9, 1),
        "date_information_collective": date(2025, 9, 8),
        "date_sortie": date(2025, 10, 1),
        "motif_sortie": "autre_emploi",
    }
    row.update(overrides)
    return {k: v for k, v in row.items() if v is not None}


def count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_import_rebuilds_history_through_the_machine(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    path = write_csv(tmp_path / "parcours.csv", [full_row(world), short_row()])
    report = run_import(session, world.platform, path, actor=world.manager)
    assert report.problems == []
    assert report.pathways_created == 2
    assert report.persons_created == 2
    assert report.states == {"completed": 1, "exited": 1}

    person = session.scalar(sa.select(Person).where(Person.last_name == "Durand"))
    assert person.is_job_seeker
    assert person.is_rsa_beneficiary
    pathway = session.scalar(sa.select(Pathway).where(Pathway.person_id == person.id))
    events = session.scalars(
        sa.select(PathwayEvent).where(PathwayEvent.pathway_id == pathway.id).order_by(PathwayEvent.sequence)
    ).all()
    assert [e.trigger for e in events] == [
        Trigger.REFER,
        Trigger.REGISTER_INFO_SESSION,
        Trigger.START_ORIENTATION,
        Trigger.START_IMMERSION,
        Trigger.START_TRAINING,
        Trigger.SIGN_CONTRACT,
        Trigger.COMPLETE,
    ]
    assert events[-1].occurred_on == date(2026, 1, 7)  # contract start + 6 months
    assert replay(events) is State.COMPLETED
    assert pathway.adviser_id == world.adviser.id
    contract = session.scalar(sa.select(Contract).where(Contract.pathway_id == pathway.id))
    assert contract.contract_type is ContractType.CDD
    assert contract.cdd_months == 12
    assert (
        session.scalar(sa.select(Employer).where(Employer.id == contract.employer_id)).name
        == "SAAD Domicile Plus"
    )
    training = session.scalar(sa.select(Training).where(Training.pathway_id == pathway.id))
    assert training.result is TrainingResult.OBTAINED
    assert training.ends_on == date(2025, 6, 27)
    recorded = session.scalars(
        sa.select(Checkpoint.month).where(
            Checkpoint.pathway_id == pathway.id, Checkpoint.recorded_on.is_not(None)
        )
    ).all()
    assert sorted(recorded) == [1, 3, 6]
    # Planning guards taken as met: sessions per date, presence recorded.
    assert session.scalar(sa.select(InfoSession).where(InfoSession.held_on == date(2025, 1, 10))) is not None
    assert session.scalar(sa.select(OrientationWeek).where(OrientationWeek.starts_on == date(2025, 1, 20)))
    assert (
        session.scalar(
            sa.select(InfoSessionAttendance.status).where(InfoSessionAttendance.person_id == person.id)
        )
        is AttendanceStatus.PRESENT
    )


def test_reimport_creates_nothing_and_known_persons_are_matched(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    known = make_person(session, world, last_name="PETIT", first_name="jules", birth_date=date(2004, 2, 2))
    path = write_xlsx(tmp_path / "parcours.xlsx", [full_row(world), short_row()])
    first = run_import(session, world.platform, path, actor=world.manager)
    assert first.problems == []
    assert first.persons_matched == 1
    assert first.persons_created == 1
    session.commit()
    persons, pathways, events = count(session, Person), count(session, Pathway), count(session, PathwayEvent)
    assert session.scalar(sa.select(Pathway.person_id).where(Pathway.person_id == known.id)) == known.id

    again = run_import(session, world.platform, path, actor=world.manager)
    assert again.problems == []
    assert again.pathways_created == 0
    assert again.pathways_already_imported == 2
    assert (count(session, Person), count(session, Pathway), count(session, PathwayEvent)) == (
        persons,
        pathways,
        events,
    )


def test_every_problem_is_reported_and_nothing_written(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    rows = [
        full_row(world),  # valid: must not be written either
        short_row(date_entree="31/02/2025", sexe="Z"),
        short_row(nom="Bernard", publics="DE, MARTIEN", metier_vise="Z9999"),
        # The machine refuses: training without a validated project.
        full_row(world, nom="Moreau", projet_valide="non"),
        # Two steps on one date.
        short_row(nom="Roux", date_sortie=date(2025, 9, 8)),
        # Leaving orientation without a conseiller.
        full_row(world, nom="Faure", conseiller=None),
    ]
    path = write_csv(tmp_path / "parcours.csv", rows)
    report = run_import(session, world.platform, path, actor=world.manager)
    session.rollback()
    by_row = {}
    for problem in report.problems:
        by_row.setdefault(problem.row, []).append(problem)
    assert set(by_row) == {3, 4, 5, 6, 7}
    assert {(p.column, p.value) for p in by_row[3]} == {("date_entree", "31/02/2025"), ("sexe", "Z")}
    assert {p.column for p in by_row[4]} == {"publics", "metier_vise"}
    assert any("projet professionnel" in p.message for p in by_row[5])
    assert by_row[5][0].column == "date_formation"
    assert {p.column for p in by_row[6]} <= {"date_sortie", "date_information_collective"}
    assert "Même date" in by_row[6][0].message
    assert any("conseiller" in p.message for p in by_row[7])
    assert count(session, Person) == 0
    assert count(session, Pathway) == 0


def test_headers_matched_without_case_accents_or_spaces_and_unknown_reported(
    session, today, tmp_path: Path
) -> None:
    world = make_world(session)
    path = tmp_path / "parcours.csv"
    path.write_text(
        "\ufeff NOM ,Prénom,Date Naissance,DATE_ENTRÉE,Couleur préférée\n"
        "Lambert,Zoé,1988-03-04,2025-02-03,bleu\n",
        encoding="utf-8",
    )
    report = run_import(session, world.platform, path, actor=world.manager)
    assert report.problems == []
    assert report.unknown_columns == ["Couleur préférée"]
    assert report.pathways_created == 1


def test_comma_separated_csv_and_missing_required_column(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    path = tmp_path / "parcours.csv"
    path.write_text("nom,prenom,date_entree\nLambert,Zoé,2025-02-03\n", encoding="utf-8")
    report = run_import(session, world.platform, path, actor=world.manager)
    assert [(p.row, p.column) for p in report.problems] == [(1, "date_naissance")]


def test_formula_in_a_csv_cell_is_reported(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    path = write_csv(tmp_path / "parcours.csv", [short_row(nom='=HYPERLINK("http://x","y")')])
    report = run_import(session, world.platform, path, actor=world.manager)
    assert any(p.column == "nom" and "formules" in p.message for p in report.problems)


def test_template_imports_as_it_is(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    path = tmp_path / "modele.xlsx"
    write_template(path, session, world.platform)
    report = run_import(session, world.platform, path, actor=world.manager)
    assert report.problems == []
    # The Yvelines method, an early exit, Lyon's path, a broken CDD then a CDI.
    assert report.pathways_created == 4
    assert report.states == {"completed": 2, "exited": 1, "training": 1}
    events = session.scalars(sa.select(PathwayEvent.trigger).order_by(PathwayEvent.pathway_id, PathwayEvent.sequence))
    assert list(events).count(Trigger.END_CONTRACT) == 1


def test_import_then_bilan_round_trip(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    rows = [
        full_row(world),
        full_row(
            world,
            nom="Girard",
            date_naissance=date(2001, 1, 1),
            type_contrat="cdi",
            duree_cdd_mois=None,
            type_employeur="ehpad",
            metier_emploi="J1501",
            en_poste_6_mois="non",
        ),
        short_row(),
        short_row(nom="Blanc", motif_sortie="abandon", date_sortie=date(2025, 11, 3)),
        full_row(
            world,
            nom="Henry",
            date_pmsmp=None,
            date_fin_pmsmp=None,
            employeur_pmsmp=None,
            date_formation=None,
            certification=None,
            organisme_formation=None,
            financement_formation=None,
            resultat_formation=None,
            date_fin_formation=None,
            date_contrat=None,
            type_contrat=None,
            duree_cdd_mois=None,
            employeur=None,
            type_employeur=None,
            metier_emploi=None,
            en_poste_1_mois=None,
            en_poste_3_mois=None,
            en_poste_6_mois=None,
        ),
    ]
    path = write_csv(tmp_path / "parcours.csv", rows)
    report = run_import(session, world.platform, path, actor=world.manager)
    assert report.problems == []
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    bilan = compute_bilan(session, world.platform, start, end)
    values = bilan.by_code()
    # Straight from the file: 5 entries, 3 entered orientation, 2 contracts (one CDD 12 months, one CDI).
    assert values["entries"].value == 5
    assert values["accompanied"].value == 3
    assert values["orientation_entrants"].value == 3
    assert values["contracts_signed"].value == 2
    assert values["contracts.cdd_12m_plus"].value == 1
    assert values["contracts.cdi"].value == 1
    assert values["contracts_share_home_care"].value == pytest.approx(0.5)
    assert values["exits.other_job"].value == 1
    assert values["exits.dropped_out"].value == 1
    assert values["positive_exits"].value == 3
    assert values["access_rate"].value == pytest.approx(2 / 3)
    assert values["training_certified"].value == 2
    # And the whole Synthèse agrees with the independent computation.
    expected = oracle(session, [world.platform.id], start, end)
    for code, wanted in expected.items():
        if code.startswith("_"):
            continue
        got = values[code]
        if isinstance(wanted, tuple):
            assert (got.value, got.denominator) == (
                pytest.approx(wanted[0]) if wanted[0] is not None else None,
                wanted[1],
            )
        else:
            assert got.value == wanted, code


def test_import_is_audited(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    path = write_csv(tmp_path / "parcours.csv", [short_row()])
    run_import(session, world.platform, path, actor=world.manager)
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "import.caseload"))
    assert entry.user_id == world.manager.id
    assert entry.details["parcours_crees"] == 1
    assert entry.details["lignes"] == 1
