"""Issue 12 meets 11: the retention job tells the platform's managers by e-mail, with no name in it."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from pathways import clock
from pathways.models import OutgoingMessage
from pathways.privacy.retention import RetentionSettings, run_retention
from pathways.states import State
from pathways.vocabulary import MessageKind, MessageStatus
from tests.factories import make_pathway, make_world


def test_the_managers_are_told_by_e_mail_once_with_a_count_and_no_name(
    app, session, mailbox, monkeypatch
) -> None:
    monkeypatch.setattr(clock, "today", lambda: date(2024, 3, 20))
    world = make_world(session)
    listed = make_pathway(session, world, State.EXITED, start=date(2024, 3, 9))
    last_name, first_name = listed.person.last_name, listed.person.first_name
    session.commit()

    monkeypatch.setattr(clock, "today", lambda: date(2026, 2, 9))
    for _run in range(2):  # the daily job runs twice the same day: one e-mail
        run_retention(session, RetentionSettings())
        session.commit()

    assert [m["To"] for m in mailbox.messages] == [world.manager.email]
    email = mailbox.messages[0]
    text = email.get_body(preferencelist=("plain",)).get_content()
    assert "1 personne sans parcours en cours arrive au terme" in text
    assert "11 mars 2026" in text
    assert "https://pathways.test/donnees-personnelles/" in text
    for part in (text, email.get_body(preferencelist=("html",)).get_content(), email["Subject"]):
        assert last_name.lower() not in part.lower()
        assert first_name.lower() not in part.lower()
    logged = session.scalar(sa.select(OutgoingMessage).where(OutgoingMessage.kind == MessageKind.RETENTION))
    assert (logged.user_id, logged.person_id, logged.status) == (world.manager.id, None, MessageStatus.SENT)


def test_without_e_mail_configured_the_page_alone_says_it(app, session, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "off")
    monkeypatch.setattr(clock, "today", lambda: date(2024, 3, 20))
    world = make_world(session)
    make_pathway(session, world, State.EXITED, start=date(2024, 3, 9))
    session.commit()
    monkeypatch.setattr(clock, "today", lambda: date(2026, 2, 9))
    run = run_retention(session, RetentionSettings())
    session.commit()
    assert len(run.listed) == 1
    assert session.scalar(sa.select(sa.func.count()).select_from(OutgoingMessage)) == 0
