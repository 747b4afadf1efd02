"""Anonymising a person: nothing of their name, contact or free texts anywhere afterwards; the rest kept."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from exports.breakdowns import age_at
from pathways import clock
from pathways.models import (
    AuditEntry,
    BackgroundJob,
    Barrier,
    Base,
    Checkpoint,
    Contract,
    FormSubmission,
    Immersion,
    ImportBatch,
    Pathway,
    PathwayEvent,
    Person,
    PlannedStep,
    Training,
)
from pathways.privacy.anonymise import (
    ANONYMISED_JOB_TITLE,
    OpenPathway,
    Reason,
    anonymise_person,
    generalised_birth_date,
)
from pathways.services.pathway import InvalidInput
from pathways.states import State
from pathways.vocabulary import BarrierCategory, ImportStatus, TrainingResult
from tests.factories import make_pathway, make_world
from tests.unit.privacy.scene import make_full_person, make_record_export


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@given(
    born=st.dates(date(1940, 1, 1), date(2010, 12, 31)),
    entries=st.lists(st.dates(date(1995, 1, 1), date(2030, 12, 31)), min_size=0, max_size=5),
)
def test_the_generalised_birth_date_keeps_the_year_and_every_age_at_entry(born, entries) -> None:
    kept = generalised_birth_date(born, entries)
    assert kept.year == born.year
    assert kept <= born
    for entry in entries:
        assert _age(kept, entry) == _age(born, entry)


def test_the_generalised_birth_date_says_no_more_than_the_ages() -> None:
    # With one entry on 3 May: born before it in the year → 1 January; after it → 4 May.
    assert generalised_birth_date(date(1990, 2, 11), [date(2025, 5, 3)]) == date(1990, 1, 1)
    assert generalised_birth_date(date(1990, 9, 30), [date(2025, 5, 3)]) == date(1990, 5, 4)
    assert generalised_birth_date(date(1990, 5, 3), [date(2025, 5, 3)]) == date(1990, 1, 1)
    # An entry on 29 February, a birth year without it.
    assert generalised_birth_date(date(1991, 3, 20), [date(2024, 2, 29)]) == date(1991, 3, 1)


def test_the_sql_age_agrees_with_the_generalised_date(session, today) -> None:
    born, entry = date(1988, 11, 2), date(2025, 3, 1)
    kept = generalised_birth_date(born, [entry])
    ages = session.execute(
        sa.select(
            age_at(sa.literal(entry, sa.Date), sa.literal(born, sa.Date)),
            age_at(sa.literal(entry, sa.Date), sa.literal(kept, sa.Date)),
        )
    ).one()
    assert ages[0] == ages[1] == 36


# Random values (hashes, tokens) that may hold a three-letter tag by chance, never a person's text.
RANDOM_COLUMNS = {"users.password_hash", "users.session_token"}


def text_columns() -> list[sa.Column]:
    """Every column of every table that can hold text (JSON included)."""
    return [
        column
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if (
            isinstance(column.type, sa.String | sa.Text | sa.JSON)
            or isinstance(getattr(column.type, "impl", None), sa.String | sa.Text)
        )
        and f"{table.name}.{column.name}" not in RANDOM_COLUMNS
    ]


def places_holding(session, needle: str) -> list[str]:
    """``table.column`` of every value that contains ``needle`` (case ignored), encrypted ones opened."""
    found = []
    needle = needle.lower()
    for column in text_columns():
        for value in session.execute(sa.select(column).where(column.is_not(None))).scalars():
            text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
            if needle in text.lower():
                found.append(f"{column.table.name}.{column.name}")
                break
    return found


def waiting_import(session, world, folder: Path, name: str, report: dict | None = None) -> Path:
    """A file of ``world``'s platform waiting for its confirmation, and its batch."""
    path = folder / name
    path.write_bytes(b"sealed")
    now = clock.now()
    session.add(
        ImportBatch(
            platform_id=world.platform.id,
            user_id=world.manager.id,
            filename="suivi.xlsx",
            status=ImportStatus.VERIFIED if report is None else ImportStatus.REFUSED,
            stored_as=name if report is None else None,
            report=report,
            created_at=now,
            updated_at=now,
        )
    )
    return path


@pytest.fixture
def two_persons(session, today, app, tmp_path):
    saved = app.config.get("PATHWAYS_IMPORT_FOLDER")
    folder = tmp_path / "imports"
    folder.mkdir()
    app.config["PATHWAYS_IMPORT_FOLDER"] = str(folder)
    world = make_world(session)
    elsewhere = make_world(session, "gironde")
    gone = make_full_person(session, world, "QZX")
    kept = make_full_person(session, world, "KWV")
    job, job_file = make_record_export(session, world, gone.person)
    other_job, other_file = make_record_export(session, world, kept.person)
    waiting = waiting_import(session, world, folder, "waiting-upload.bin")
    other_platform = waiting_import(session, elsewhere, folder, "other-platform.bin")
    # A refused row of an earlier import quoted her name: « ZarkovQZX » is not a valid sex.
    problems = [[2, "sexe", "ZarkovQZX", "Valeur inconnue."], [3, "sexe", "Q", "Valeur inconnue."]]
    waiting_import(session, world, folder, "refused.bin", {"rows": 2, "problems": problems})
    session.commit()
    yield world, gone, kept, (job, job_file, other_job, other_file, waiting, other_platform)
    app.config["PATHWAYS_IMPORT_FOLDER"] = saved


def test_no_name_contact_or_free_text_left_anywhere(session, two_persons) -> None:
    _world, gone, kept, (job, job_file, other_job, other_file, waiting, other_platform) = two_persons
    # Before: the tag is everywhere a person's data can be.
    before = set(places_holding(session, gone.tag))
    assert {
        "persons.last_name",
        "persons.email",
        "notes.body",
        "barriers.details",
        "barrier_status_changes.partner",
        "referents.name",
        "exchanges.summary",
        "immersions.tutor_name",
        "planned_steps.request",
        "pathway_events.comment",
        "pathway_events.details",
        "audit_entries.changes",
        "background_jobs.title",
        "road_map_steps.label",
        "trainings.abandon_reason",
        "checkpoints.difficulties",
        "diagnostics.basic_skills",
        "adviser_assignments.handover_note",
        "import_batches.report",
    } <= before

    done = anonymise_person(session, gone.person, reason=Reason.RETENTION, actor=None)
    session.commit()

    assert places_holding(session, gone.tag) == []
    assert done.pathways == 1
    # The other person is untouched.
    assert set(places_holding(session, kept.tag)) == before - {"import_batches.report"}
    for text in kept.texts:
        assert places_holding(session, text), text
    # Files that named the person are gone, the other person's stay; the platform's waiting
    # imports are gone (nobody can read whether they name her), another platform's stay.
    assert not job_file.exists()
    assert other_file.exists()
    assert not waiting.exists()
    assert other_platform.exists()
    problems = session.scalar(
        sa.select(ImportBatch.report).where(ImportBatch.status == ImportStatus.REFUSED)
    )["problems"]
    assert problems == [[2, "sexe", None, "Valeur inconnue."], [3, "sexe", "Q", "Valeur inconnue."]]
    session.expire_all()
    assert session.get(BackgroundJob, job.id).title == ANONYMISED_JOB_TITLE
    assert session.get(BackgroundJob, job.id).result_file is None
    assert session.get(BackgroundJob, other_job.id).result_file == other_file.name
    # Form tokens that led to the person's pages are gone.
    targets = session.scalars(sa.select(FormSubmission.target)).all()
    assert targets == [f"/parcours/{kept.pathway.id}#notes"]


def test_what_the_indicators_need_is_kept(session, two_persons) -> None:
    _world, gone, _kept, _files = two_persons
    person_id, pathway_id = gone.person.id, gone.pathway.id

    def snapshot() -> dict[str, object]:
        person = session.get(Person, person_id)
        return {
            "sex": person.sex,
            "diploma": person.diploma_level,
            "publics": (person.is_rsa_beneficiary, person.is_rqth, person.is_job_seeker),
            "year": person.birth_date.year,
            "pathway": session.execute(
                sa.select(
                    Pathway.state, Pathway.territory_id, Pathway.prescriber_type, Pathway.last_event_on
                ).where(Pathway.id == pathway_id)
            ).one(),
            "events": session.execute(
                sa.select(PathwayEvent.trigger, PathwayEvent.occurred_on, PathwayEvent.from_state)
                .where(PathwayEvent.pathway_id == pathway_id)
                .order_by(PathwayEvent.sequence)
            ).all(),
            "exit_reason": session.scalar(
                sa.select(PathwayEvent.details).where(
                    PathwayEvent.pathway_id == pathway_id, PathwayEvent.to_state == State.EXITED
                )
            )["reason"],
            "records": [
                session.scalar(sa.select(sa.func.count()).select_from(m).where(m.pathway_id == pathway_id))
                for m in (Immersion, Training, Contract, Checkpoint, Barrier, PlannedStep)
            ],
            "training": session.scalar(sa.select(Training.result).where(Training.pathway_id == pathway_id)),
            "barrier": session.scalar(sa.select(Barrier.category).where(Barrier.pathway_id == pathway_id)),
        }

    before = snapshot()
    anonymise_person(session, gone.person, reason=Reason.REQUEST, actor=None)
    session.commit()
    session.expire_all()
    after = snapshot()
    assert after == before
    assert before["training"] is TrainingResult.ABANDONED
    assert before["barrier"] is BarrierCategory.HEALTH
    person = session.get(Person, person_id)
    assert person.full_name == "Personne ANONYMISÉE"
    assert person.is_anonymised
    # Born 14/07/1990, entered 06/01/2025: any day after 6 January gives the same age at entry.
    assert person.birth_date == date(1990, 1, 7)
    # A suspension's reason (words) is gone from the history; the exit's code stayed (above).
    suspension = session.scalar(
        sa.select(PathwayEvent.details).where(
            PathwayEvent.pathway_id == pathway_id, PathwayEvent.to_state == State.ON_HOLD
        )
    )
    assert suspension["reason"] == ""
    planned = session.scalar(sa.select(PlannedStep.request).where(PlannedStep.pathway_id == pathway_id))
    assert planned["comment"] is None
    assert planned["extra"] == {"hours": 35}


def test_the_anonymisation_is_in_the_audit_trail_without_what_it_removed(session, two_persons) -> None:
    world, gone, _kept, _files = two_persons
    anonymise_person(session, gone.person, reason=Reason.REQUEST, actor=world.manager)
    session.commit()
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "person.anonymise"))
    assert entry.object_id == gone.person.id
    assert entry.user_id == world.manager.id
    assert entry.details == {"reason": "request", "pathways": 1}
    assert entry.changes is None
    # The correction of the first name is still there, without its values.
    correction = session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "person.update", AuditEntry.object_id == gone.person.id
        )
    )
    assert correction.changes == {"first_name": [None, None]}


def test_refused_while_a_pathway_is_in_progress(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.TRAINING, start=date(2025, 1, 6))
    session.commit()
    with pytest.raises(OpenPathway) as refused:
        anonymise_person(session, pathway.person, reason=Reason.REQUEST, actor=world.manager)
    assert "parcours en cours" in refused.value.messages[0]
    session.rollback()
    assert not session.get(Person, pathway.person_id).is_anonymised
    done = make_pathway(session, world, State.EXITED, start=date(2025, 1, 6))
    anonymise_person(session, done.person, reason=Reason.REQUEST, actor=None)
    with pytest.raises(InvalidInput, match="déjà été anonymisées"):
        anonymise_person(session, done.person, reason=Reason.REQUEST, actor=None)
