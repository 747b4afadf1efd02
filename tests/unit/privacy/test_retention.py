"""Retention, time frozen: listed to the manager 30 days before, anonymised on the day, not before."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from pathways import clock
from pathways.jobs.service import enqueue_periodic
from pathways.models import AuditEntry, BackgroundJob, Person
from pathways.privacy.retention import RetentionSettings, candidates, run_retention
from pathways.services import coaccompaniment
from pathways.states import State
from pathways.vocabulary import JobStatus
from tests.factories import make_pathway, make_world

SETTINGS = RetentionSettings(months=24, notice_days=30)


@pytest.fixture
def day(monkeypatch):
    """Move the platforms' today: ``day(date)``."""

    def move(to: date) -> date:
        monkeypatch.setattr(clock, "today", lambda: to)
        return to

    return move


def run_on(session, day, when: date, settings: RetentionSettings = SETTINGS):
    day(when)
    run = run_retention(session, settings)
    session.commit()
    return run


def anonymised(session, person_id: int) -> bool:
    session.expire_all()
    return session.get(Person, person_id).is_anonymised


def test_listed_thirty_days_before_then_anonymised_on_the_day(session, day) -> None:
    day(date(2024, 3, 20))
    world = make_world(session)
    # Exited on 10/03/2024: that is the last contact.
    pathway = make_pathway(session, world, State.EXITED, start=date(2024, 3, 9))
    person_id = pathway.person_id
    session.commit()
    settings_due = SETTINGS.due_on(date(2024, 3, 10))
    assert settings_due == date(2026, 3, 11)  # more than 24 months after the last contact

    assert run_on(session, day, date(2026, 2, 8)).listed == []
    run = run_on(session, day, date(2026, 2, 9))
    assert [c.person_id for c in run.listed] == [person_id]
    assert run.listed[0].anonymise_on == date(2026, 3, 11)
    assert session.get(Person, person_id).retention_notice_on == date(2026, 2, 9)
    listed = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "retention.listed"))
    assert listed.platform_id == world.platform.id
    assert listed.details == {"persons": 1, "before": "2026-03-11"}
    # The manager's list says the same.
    shown = candidates(session, SETTINGS, platform_id=world.platform.id)
    assert [(c.person_id, c.notice_on, c.anonymise_on) for c in shown] == [
        (person_id, date(2026, 2, 9), date(2026, 3, 11))
    ]
    run = run_on(session, day, date(2026, 3, 10))
    assert [c.person_id for c in run.waiting] == [person_id]
    assert not anonymised(session, person_id)
    run = run_on(session, day, date(2026, 3, 11))
    assert [c.person_id for c in run.anonymised] == [person_id]
    assert anonymised(session, person_id)
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "person.anonymise"))
    assert entry.details == {"reason": "retention", "pathways": 1}
    assert entry.user_id is None
    # Once anonymised, off every list.
    assert run_on(session, day, date(2026, 3, 12)).summary() == {
        "listed": 0,
        "waiting": 0,
        "anonymised": 0,
        "withdrawn": 0,
    }


def test_a_person_overdue_when_the_tool_starts_is_announced_first(session, day) -> None:
    day(date(2023, 2, 1))
    world = make_world(session)
    pathway = make_pathway(session, world, State.EXITED, start=date(2023, 1, 2))
    session.commit()
    run = run_on(session, day, date(2026, 5, 1))
    assert [(c.person_id, c.anonymise_on) for c in run.listed] == [(pathway.person_id, date(2026, 5, 31))]
    assert run.anonymised == []
    run_on(session, day, date(2026, 5, 30))
    assert not anonymised(session, pathway.person_id)
    run_on(session, day, date(2026, 5, 31))
    assert anonymised(session, pathway.person_id)


def test_the_last_contact_is_the_caseloads_and_a_pathway_in_progress_protects(session, day) -> None:
    day(date(2024, 3, 20))
    world = make_world(session)
    noted = make_pathway(session, world, State.EXITED, start=date(2024, 3, 9))
    # A note written after the exit is a contact: it moves the dates.
    coaccompaniment.add_note(
        session, noted, body="Appel de suivi", actor=world.adviser, written_on=date(2024, 3, 18)
    )
    ongoing = make_pathway(session, world, State.TRAINING, start=date(2024, 3, 1))
    session.commit()
    run = run_on(session, day, date(2026, 2, 9))
    assert run.listed == []
    run = run_on(session, day, date(2026, 2, 17))
    assert [(c.person_id, c.last_contact, c.anonymise_on) for c in run.listed] == [
        (noted.person_id, date(2024, 3, 18), date(2026, 3, 19))
    ]
    # The pathway in progress, silent for two years, is never listed.
    later = run_on(session, day, date(2027, 1, 1))
    assert ongoing.person_id not in {c.person_id for c in later.listed + later.waiting + later.anonymised}
    assert not anonymised(session, ongoing.person_id)


def test_a_person_who_comes_back_leaves_the_list(session, day) -> None:
    day(date(2024, 3, 20))
    world = make_world(session)
    old = make_pathway(session, world, State.EXITED, start=date(2024, 3, 9))
    session.commit()
    run_on(session, day, date(2026, 2, 20))
    assert session.get(Person, old.person_id).retention_notice_on == date(2026, 2, 20)
    # She comes back: a new pathway opens.
    day(date(2026, 3, 1))
    make_pathway(
        session, world, State.REFERRED, start=date(2026, 3, 1), person=session.get(Person, old.person_id)
    )
    session.commit()
    run = run_on(session, day, date(2026, 3, 2))
    assert run.withdrawn == [old.person_id]
    assert session.get(Person, old.person_id).retention_notice_on is None
    run_on(session, day, date(2026, 3, 20))
    assert not anonymised(session, old.person_id)


def test_the_durations_are_settings(session, day) -> None:
    day(date(2024, 3, 20))
    world = make_world(session)
    pathway = make_pathway(session, world, State.EXITED, start=date(2024, 3, 9))
    session.commit()
    shorter = RetentionSettings(months=12, notice_days=10)
    run = run_on(session, day, date(2025, 3, 1), shorter)
    assert [(c.person_id, c.anonymise_on) for c in run.listed] == [(pathway.person_id, date(2025, 3, 11))]
    run_on(session, day, date(2025, 3, 11), shorter)
    assert anonymised(session, pathway.person_id)


def test_a_dry_run_changes_nothing(session, day, app) -> None:
    day(date(2023, 2, 1))
    world = make_world(session)
    overdue = make_pathway(session, world, State.EXITED, start=date(2023, 1, 2))
    session.commit()
    day(date(2026, 5, 1))
    result = app.test_cli_runner().invoke(args=["retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "simulation (--dry-run) : rien n'est modifié" in result.output
    assert "1 personne serait annoncée au responsable :" in result.output
    assert f"personne n° {overdue.person_id} · Awa MARTIN" in result.output
    assert "anonymisation le 31/05/2026" in result.output
    session.expire_all()
    assert session.get(Person, overdue.person_id).retention_notice_on is None
    assert (
        session.scalar(
            sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == "retention.listed")
        )
        == 0
    )
    # Without --dry-run: what the daily job does.
    result = app.test_cli_runner().invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert "1 personne est annoncée au responsable :" in result.output
    session.expire_all()
    assert session.get(Person, overdue.person_id).retention_notice_on == date(2026, 5, 1)


def test_the_daily_job(session, day, app, monkeypatch) -> None:
    day(date(2023, 2, 1))
    world = make_world(session)
    overdue = make_pathway(session, world, State.EXITED, start=date(2023, 1, 2))
    session.commit()
    day(date(2026, 5, 1))
    enqueue_periodic("privacy.retention")
    job = session.scalar(sa.select(BackgroundJob).where(BackgroundJob.kind == "privacy.retention"))
    assert job.status is JobStatus.DONE
    assert job.summary == {"listed": 1, "waiting": 0, "anonymised": 0, "withdrawn": 0}
    day(date(2026, 5, 31))
    moment = clock.now() + timedelta(days=1)
    monkeypatch.setattr(clock, "now", lambda: moment)  # another minute, another run
    enqueue_periodic("privacy.retention")
    assert anonymised(session, overdue.person_id)
