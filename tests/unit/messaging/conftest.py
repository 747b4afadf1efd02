"""A real SMTP server (aiosmtpd) and a stub SMS provider, both on loopback, started by the tests."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy.orm import Session

from pathways.models import (
    InfoSession,
    InfoSessionAttendance,
    OrientationParticipant,
    OrientationWeek,
    Pathway,
    Person,
)
from pathways.services import sessions as session_service
from pathways.services.enrolment import join_orientation_week, register_at_info_session
from pathways.states import State
from tests.factories import World, make_pathway, make_person, make_world


@dataclass
class Mailbox:
    """What the SMTP server received."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    # Recipients the server refuses (a 550 reply at RCPT TO).
    refused: set[str] = field(default_factory=set)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.box.refused:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.box.messages.append(BytesParser(policy=policy.default).parsebytes(envelope.content))
        return "250 Message accepted"


def free_port() -> int:
    """A port nobody listens on now (aiosmtpd's controller checks its server by connecting to it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    """aiosmtpd on 127.0.0.1 (a free port), and the application sending to it."""
    box = Mailbox(port=free_port())
    controller = Controller(_Handler(box), hostname="127.0.0.1", port=box.port)
    controller.start()
    for key, value in {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": box.port,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_SENDER": "Plateforme Yvelines <ne-pas-repondre@plateforme.test>",
        "BASE_URL": "https://pathways.test",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    yield box
    controller.stop()


@dataclass
class SmsStub:
    url: str
    received: list[dict] = field(default_factory=list)
    headers: list[dict] = field(default_factory=list)
    status: int = 200


@pytest.fixture
def sms_provider(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmsStub]:
    """A stub of an SMS provider's HTTP API on loopback; the application configured to use it."""
    stub = SmsStub(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            stub.received.append(json.loads(self.rfile.read(length)))
            stub.headers.append(dict(self.headers))
            self.send_response(stub.status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"id": "stub-1"}')

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stub.url = f"http://127.0.0.1:{server.server_port}/v1/sms"
    monkeypatch.setitem(app.config, "SMS_API_URL", stub.url)
    monkeypatch.setitem(app.config, "SMS_API_KEY", "cle-de-test")
    monkeypatch.setitem(app.config, "SMS_SENDER", "Plateforme")
    yield stub
    server.shutdown()
    thread.join(timeout=5)


@dataclass
class Convocable:
    world: World
    info_session: InfoSession
    persons: list[Person]
    attendances: list[InfoSessionAttendance]


def make_upcoming_session(
    session: Session, today: date, *, people: list[dict], days_ahead: int = 10
) -> Convocable:
    """A world, an information session ``days_ahead`` days on, and ``people`` registered at it."""
    world = make_world(session)
    info_session = session_service.create_info_session(
        session,
        world.platform,
        held_on=today + timedelta(days=days_ahead),
        starts_at=time(9, 30),
        ends_at=time(12, 0),
        place="Maison de l'emploi de Mantes, salle 2",
        seats=12,
        actor=world.delegate,
        territory_id=world.territory.id,
        access="Bus 12, arrêt Mairie",
        contact_phone="01 99 00 01 78",
    )
    persons = [make_person(session, world, **fields) for fields in people]
    for person in persons:
        register_at_info_session(session, info_session, person, actor=world.delegate)
    session.flush()
    attendances = [
        next(a for a in info_session.attendances if a.person_id == person.id) for person in persons
    ]
    session.commit()
    return Convocable(world, info_session, persons, attendances)


def make_week_participant(
    session: Session, world: World, starts_on: date, referred_on: date
) -> tuple[OrientationWeek, Pathway, OrientationParticipant]:
    """An orientation week starting ``starts_on`` and one pathway (referred on ``referred_on``) taking part."""
    week = session_service.create_orientation_week(
        session,
        world.platform,
        starts_on=starts_on,
        starts_at=time(9, 0),
        ends_at=time(16, 30),
        place="Pôle orientation de Mantes",
        seats=10,
        actor=world.delegate,
        territory_id=world.territory.id,
    )
    pathway = make_pathway(session, world, State.REFERRED, start=referred_on)
    join_orientation_week(session, week, pathway, availability_confirmed=True, actor=world.delegate)
    participant = session.scalars(
        sa.select(OrientationParticipant).where(OrientationParticipant.pathway_id == pathway.id)
    ).one()
    return week, pathway, participant
