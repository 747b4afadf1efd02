"""The audit trail: append-only, views recorded, the managers' page, purge-audit."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from pathways import audit, clock
from pathways.models import AuditEntry
from tests.security.scene import Scene, login


def entry_at(session: Session, when: datetime, action: str = "test.old") -> None:
    session.add(AuditEntry(occurred_at=when, action=action))


def test_entries_cannot_be_edited_or_deleted(session: Session, scene: Scene) -> None:
    entry = session.scalars(sa.select(AuditEntry)).first()
    assert entry is not None
    entry.action = "forged"
    with pytest.raises(PermissionError):
        session.flush()
    session.rollback()
    session.delete(session.scalars(sa.select(AuditEntry)).first())
    with pytest.raises(PermissionError):
        session.flush()
    session.rollback()


def test_audit_view_is_committed_even_on_a_get(session: Session, scene: Scene) -> None:
    from flask import current_app

    with current_app.test_request_context():
        audit.audit_view(session, scene.own.world.adviser, scene.own.pathway, tab="freins")
    # The view's own after_request commits; here, simulate the end of the request.
    assert session.info.get(audit.PENDING_VIEWS)
    session.commit()
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "pathway.view")).one()
    assert entry.object_id == scene.own.pathway.id
    assert entry.details == {"tab": "freins"}


def test_viewing_a_file_leaves_a_trace(app: Flask, scene: Scene, session: Session) -> None:
    client = app.test_client()
    login(client, scene.own.world.adviser)
    assert client.get(f"/parcours/{scene.own.pathway.id}").status_code == 200
    session.rollback()
    viewed = session.scalars(sa.select(AuditEntry).where(AuditEntry.action.like("%.view"))).all()
    assert [(e.user_id, e.object_id) for e in viewed] == [(scene.own.world.adviser.id, scene.own.pathway.id)]


@pytest.mark.parametrize(("months", "kept"), [(12, 2), (6, 1)])
def test_purge_keeps_the_retention_period(
    app: Flask, session: Session, months: int, kept: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clock, "today", lambda: date(2026, 6, 15))
    entry_at(session, datetime(2025, 6, 14, 23, 0, tzinfo=UTC))  # older than 12 months
    entry_at(session, datetime(2025, 6, 15, 1, 0, tzinfo=UTC))  # 12 months to the day: kept
    entry_at(session, datetime(2026, 1, 1, tzinfo=UTC))  # five and a half months
    session.commit()
    result = app.test_cli_runner().invoke(args=["purge-audit", "--older-than-months", str(months)])
    assert result.exit_code == 0, result.output
    remaining = session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action == "test.old")).all()
    assert len(remaining) == kept
    assert session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "audit.purge")).one()


def test_purge_refuses_under_six_months(app: Flask, session: Session) -> None:
    entry_at(session, datetime(2020, 1, 1, tzinfo=UTC))
    session.commit()
    result = app.test_cli_runner().invoke(args=["purge-audit", "--older-than-months", "5"])
    assert result.exit_code == 2
    assert "au moins 6 mois" in result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1


def test_months_before_clamps_to_the_month_end() -> None:
    assert audit.months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert audit.months_before(date(2026, 1, 15), 12) == date(2025, 1, 15)


def test_managers_see_and_filter_their_platform_trail_only(
    app: Flask, scene: Scene, session: Session
) -> None:
    client = app.test_client()
    login(client, scene.own.world.manager)
    page = client.get("/journal/").get_data(as_text=True)
    assert "Journal d'audit" in page
    own_entries = session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.platform_id == scene.own.world.platform.id)
    )
    assert page.count("<tr>") - 1 == min(own_entries, 100)
    filtered = client.get("/journal/", query_string={"action": "note", "user_id": scene.own.world.adviser.id})
    assert filtered.get_data(as_text=True).count("<tr>") - 1 == 1
    # Another platform's manager sees only their own platform's note entry; nobody else sees the page.
    other = app.test_client()
    login(other, scene.other.world.manager)
    theirs = other.get("/journal/", query_string={"action": "note"}).get_data(as_text=True)
    assert theirs.count("<tr>") - 1 == 1
    assert f"Note du {scene.other.note.written_on:%d/%m/%Y}" in theirs  # the object by name, not by id
    login(other, scene.own.world.adviser)
    assert other.get("/journal/").status_code == 404
