"""The agenda lists exactly the due items of a fixture caseload; the Monday digest names nobody."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from pathways import clock
from pathways.models import Checkpoint, Exchange, Immersion, Pathway
from pathways.security.access import pathway_scope
from pathways.services import coaccompaniment
from pathways.services import pathway as pathway_service
from pathways.services.agenda import ItemKind, adviser_agenda, monday_of, queue_digests, set_next_step_done
from pathways.services.platform import create_user
from pathways.states import ImmersionInput, State, Trigger
from pathways.vocabulary import Role
from tests.factories import PASSWORD, full_request, make_pathway, make_person, make_world

TODAY = date(2026, 6, 17)  # a Wednesday
MONDAY = date(2026, 6, 15)


def _key(item) -> tuple:
    return (item.kind, item.day, item.pathway_id, item.done)


def build_caseload(session, world):
    """Pathways of the conseiller with one due item each (and some that must not show)."""
    made: dict[str, Pathway] = {}

    def person(name: str):
        return make_person(session, world, last_name=name, first_name="Yolande")

    # A contract signed on 15 May: the 1-month checkpoint is due 15 June (this week).
    follow = make_pathway(
        session, world, State.ORIENTATION, start=date(2026, 3, 1), person=person("Kowalczyk")
    )
    pathway_service.move(
        session, follow, full_request(world, Trigger.SIGN_CONTRACT, date(2026, 5, 15)), world.adviser
    )
    made["checkpoint"] = follow
    # A contract signed on 2 April: its 1-month checkpoint (2 May) is late and not recorded.
    late = make_pathway(session, world, State.ORIENTATION, start=date(2026, 2, 1), person=person("Nakamura"))
    pathway_service.move(
        session, late, full_request(world, Trigger.SIGN_CONTRACT, date(2026, 4, 2)), world.adviser
    )
    made["late_checkpoint"] = late
    # A PMSMP from 15 to 19 June: it ends this week.
    immersion = make_pathway(
        session, world, State.ORIENTATION, start=date(2026, 5, 1), person=person("Oyelaran")
    )
    request = replace(
        full_request(world, Trigger.START_IMMERSION, date(2026, 6, 15)),
        immersion=ImmersionInput(world.employer.id, date(2026, 6, 15), date(2026, 6, 19)),
    )
    pathway_service.move(session, immersion, request, world.adviser)
    made["immersion"] = immersion
    # A training planned on Friday 19 June.
    training = make_pathway(
        session, world, State.ORIENTATION, start=date(2026, 5, 2), person=person("Vasquez")
    )
    pathway_service.plan_step(
        session, training, full_request(world, Trigger.START_TRAINING, date(2026, 6, 19)), world.adviser
    )
    made["training"] = training
    # A PMSMP planned next week: not this week's.
    later = make_pathway(
        session, world, State.ORIENTATION, start=date(2026, 5, 3), person=person("Lindqvist")
    )
    pathway_service.plan_step(
        session, later, full_request(world, Trigger.START_IMMERSION, date(2026, 6, 24)), world.adviser
    )
    made["later"] = later
    # An exchange whose next step is dated Thursday, another's done, another's next week.
    exchanges = make_pathway(
        session, world, State.ORIENTATION, start=date(2026, 5, 4), person=person("Achterberg")
    )
    for day, due in (
        (date(2026, 6, 10), date(2026, 6, 18)),
        (date(2026, 6, 11), date(2026, 6, 16)),
        (date(2026, 6, 12), date(2026, 6, 25)),
    ):
        coaccompaniment.record_exchange(
            session,
            exchanges,
            occurred_on=day,
            mode="phone",
            participants="La personne, FT",
            summary="Point",
            next_step=f"Appeler le {due:%d/%m}",
            next_step_on=due,
            actor=world.adviser,
        )
    done = session.scalars(sa.select(Exchange).where(Exchange.next_step_on == date(2026, 6, 16))).one()
    set_next_step_done(session, done, True, world.adviser)
    made["exchanges"] = exchanges
    # No contact since March: the 30-day alert, listed without a date.
    silent = make_pathway(
        session, world, State.ORIENTATION, start=date(2026, 3, 20), person=person("Mbappou")
    )
    made["silent"] = silent
    # Another conseiller's pathway with a checkpoint this week: not in this agenda.
    other = create_user(
        session, email="autre@example.fr", role=Role.ADVISER, password=PASSWORD, platform=world.platform
    )
    theirs = make_pathway(session, world, State.ORIENTATION, start=date(2026, 3, 1), person=person("Quispe"))
    pathway_service.assign_adviser(session, theirs, other, actor=world.manager, on=date(2026, 3, 3))
    pathway_service.move(
        session, theirs, full_request(world, Trigger.SIGN_CONTRACT, date(2026, 5, 15)), other
    )
    # A finished pathway's late checkpoint: never.
    ended = make_pathway(
        session, world, State.ORIENTATION, start=date(2026, 1, 5), person=person("Haddouche")
    )
    pathway_service.move(
        session, ended, full_request(world, Trigger.SIGN_CONTRACT, date(2026, 3, 2)), world.adviser
    )
    pathway_service.move(session, ended, full_request(world, Trigger.EXIT, date(2026, 6, 1)), world.adviser)
    session.commit()
    return made


def test_the_agenda_lists_exactly_the_due_items(session, monkeypatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    world = make_world(session, on=date(2026, 1, 5))
    made = build_caseload(session, world)
    # Keep the others in contact, so that only « Silence » is without contact.
    for name, pathway in made.items():
        if name != "silent":
            coaccompaniment.add_note(
                session, pathway, body="Appel.", actor=world.adviser, written_on=date(2026, 6, 10)
            )
    session.commit()

    agenda = adviser_agenda(session, pathway_scope(world.adviser), MONDAY)
    checkpoint_on = session.scalar(
        sa.select(Checkpoint.due_on).where(
            Checkpoint.pathway_id == made["checkpoint"].id, Checkpoint.month == 1
        )
    )
    late_on = session.scalar(
        sa.select(Checkpoint.due_on).where(
            Checkpoint.pathway_id == made["late_checkpoint"].id, Checkpoint.month == 1
        )
    )
    expected = {
        (ItemKind.CHECKPOINT, checkpoint_on, made["checkpoint"].id, False),
        (ItemKind.CHECKPOINT, late_on, made["late_checkpoint"].id, False),
        (ItemKind.IMMERSION_END, date(2026, 6, 19), made["immersion"].id, False),
        (ItemKind.TRAINING_START, date(2026, 6, 19), made["training"].id, False),
        (ItemKind.NEXT_STEP, date(2026, 6, 18), made["exchanges"].id, False),
        (ItemKind.NEXT_STEP, date(2026, 6, 16), made["exchanges"].id, True),
        (ItemKind.NO_CONTACT, None, made["silent"].id, False),
    }
    assert checkpoint_on == date(2026, 6, 15)
    assert late_on == date(2026, 5, 2)
    assert {_key(item) for item in agenda.items} == expected
    assert len(agenda.items) == len(expected)
    assert [_key(i) for i in agenda.late] == [
        (ItemKind.CHECKPOINT, late_on, made["late_checkpoint"].id, False)
    ]
    assert agenda.to_do() == {
        ItemKind.CHECKPOINT: 2,
        ItemKind.IMMERSION_END: 1,
        ItemKind.TRAINING_START: 1,
        ItemKind.NEXT_STEP: 1,
        ItemKind.NO_CONTACT: 1,
    }
    # Next week: only what falls in it, nothing late, no « without contact » list.
    following = adviser_agenda(session, pathway_scope(world.adviser), MONDAY + timedelta(days=7))
    assert {_key(i) for i in following.items} == {
        (ItemKind.PLANNED_STEP, date(2026, 6, 24), made["later"].id, False),
        (ItemKind.NEXT_STEP, date(2026, 6, 25), made["exchanges"].id, False),
    }
    # Doing the work ticks the items: the checkpoint recorded, the PMSMP assessed.
    checkpoint = session.scalars(
        sa.select(Checkpoint).where(Checkpoint.pathway_id == made["checkpoint"].id, Checkpoint.month == 1)
    ).one()
    pathway_service.record_checkpoint(
        session, checkpoint, recorded_on=TODAY, still_in_post=True, actor=world.adviser
    )
    immersion = session.scalars(
        sa.select(Immersion).where(Immersion.pathway_id == made["immersion"].id)
    ).one()
    immersion.outcome = "completed"
    session.commit()
    again = adviser_agenda(session, pathway_scope(world.adviser), MONDAY)
    done = {(i.kind, i.pathway_id) for i in again.items if i.done}
    assert (ItemKind.CHECKPOINT, made["checkpoint"].id) in done
    assert (ItemKind.IMMERSION_END, made["immersion"].id) in done


def test_the_agenda_page_ticks_a_next_step(session, monkeypatch, app) -> None:
    from tests.security.scene import login

    monkeypatch.setattr(clock, "today", lambda: TODAY)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    world = make_world(session, on=date(2026, 1, 5))
    made = build_caseload(session, world)
    client = app.test_client()
    login(client, world.adviser)
    page = client.get("/agenda/").get_data(as_text=True)
    assert "Appeler le 18/06" in page
    assert "QUISPE" not in page  # another conseiller's person
    exchange = session.scalars(sa.select(Exchange).where(Exchange.next_step_on == date(2026, 6, 18))).one()
    response = client.post(
        f"/parcours/{made['exchanges'].id}/echanges/prochaine-etape",
        data={"exchange": exchange.id, "done": "1", "retour": "agenda", "semaine": "2026-06-15"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/agenda/?semaine=2026-06-15")
    session.expire_all()
    assert session.get(Exchange, exchange.id).next_step_done_on == TODAY
    # An exchange of another pathway through this one's address: refused.
    other = session.scalars(sa.select(Exchange)).first()
    response = client.post(
        f"/parcours/{made['silent'].id}/echanges/prochaine-etape", data={"exchange": other.id, "done": "1"}
    )
    assert response.status_code == 404
    # Hostile weeks fall back to this one.
    for week in ("9999-12-28", "x", "0001-01-01", "2026-02-30"):
        assert client.get(f"/agenda/?semaine={week}").status_code == 200
    assert monday_of(TODAY) == MONDAY


def test_the_monday_digest_names_nobody_but_its_reader(session, monkeypatch, app) -> None:
    from aiosmtpd.controller import Controller

    from tests.unit.messaging.conftest import Mailbox, _Handler, free_port

    monkeypatch.setattr(clock, "today", lambda: TODAY)
    world = make_world(session, on=date(2026, 1, 5))
    world.adviser.full_name = "Sébastien Lefèvre-Conseiller"
    made = build_caseload(session, world)
    world.adviser.weekly_digest = True
    session.commit()
    box = Mailbox(port=free_port())
    controller = Controller(_Handler(box), hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        for key, value in {
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": box.port,
            "MAIL_USE_TLS": False,
        }.items():
            monkeypatch.setitem(app.config, key, value)
        wednesday = datetime.combine(TODAY, time(9), tzinfo=clock.PLATFORM_TIMEZONE)
        assert queue_digests(session, wednesday) == 0  # not a Monday
        monday = datetime.combine(date(2026, 6, 22), time(7, 30), tzinfo=clock.PLATFORM_TIMEZONE)
        monkeypatch.setattr(clock, "today", lambda: monday.date())
        monkeypatch.setattr(clock, "now", lambda: monday)
        assert queue_digests(session, monday) == 1
        session.commit()
        assert queue_digests(session, monday + timedelta(hours=1)) == 0  # once a week
        session.commit()
    finally:
        controller.stop()
    (mail,) = box.messages
    assert mail["To"] == world.adviser.email
    assert mail["Subject"] == "Votre semaine du 22/06"
    last_names = {p.person.last_name for p in session.scalars(sa.select(Pathway))}
    assert "Mbappou" in last_names
    for part in (mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content()):
        assert "Bonjour Sébastien," in part
        for name in [*last_names, "Lefèvre", "LEFÈVRE", "Yolande"]:
            assert name.lower() not in part.lower(), name
        assert "/agenda/" in part
        assert "Prochaines étapes des échanges" in part
    assert made
