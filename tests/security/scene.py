"""Two platforms with one object of each kind, and the registry the route matrix reads.

``KINDS`` maps a URL parameter name to how the matrix builds its value on a
platform and which roles see the object built there. A route with a
parameter missing from ``KINDS`` and ``SAMPLES`` fails the matrix: declare
it here (an id: add a ``Kind``; anything else: a sample value).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pathways import clock
from pathways.models import (
    BackgroundJob,
    Barrier,
    Checkpoint,
    Immersion,
    ImportBatch,
    Note,
    Pathway,
    Person,
    PlannedStep,
    Referent,
    Training,
    User,
)
from pathways.services import barrier as barrier_service
from pathways.services import coaccompaniment
from pathways.services import pathway as pathway_service
from pathways.states import State, Trigger
from pathways.vocabulary import ImportStatus, JobStatus, Role
from tests.factories import World, full_request, make_pathway, make_world, satisfy_orientation

START = date(2025, 1, 6)
HEALTH_DETAILS = "Lombalgie chronique — secret médical 7f3a"
NOTE_BODY = "Note confidentielle du conseiller 91bc"


@dataclass
class Side:
    """One platform and its objects."""

    world: World
    pathway: Pathway
    person: Person
    barrier: Barrier
    checkpoint: Checkpoint
    referent: Referent
    note: Note
    immersion: Immersion
    training: Training
    planned: PlannedStep
    batch: ImportBatch
    # A finished export of each account of the platform, its file on disk.
    jobs: dict[Role, int] = field(default_factory=dict)

    def user(self, role: Role) -> User:
        return getattr(self.world, role.value)


@dataclass
class Scene:
    own: Side
    other: Side


def make_side(session: Session, slug: str) -> Side:
    """A platform whose pathway went through every step to the follow-up (all records exist)."""
    world = make_world(session, slug)
    pathway = make_pathway(session, world, State.REFERRED, start=START)
    day = START
    for trigger in (Trigger.START_ORIENTATION, Trigger.START_IMMERSION, Trigger.START_TRAINING):
        day = day.replace(day=day.day + 1)
        pathway_service.move(session, pathway, full_request(world, trigger, day), world.delegate)
        if trigger is Trigger.START_ORIENTATION:
            satisfy_orientation(session, world, pathway, day)
    # A PMSMP planned ahead, then a contract: the planned step stays on the file.
    ahead = clock.today() + timedelta(days=30)
    planned = pathway_service.plan_step(
        session, pathway, full_request(world, Trigger.START_IMMERSION, ahead), world.adviser
    )
    day = day.replace(day=day.day + 5)
    pathway_service.move(session, pathway, full_request(world, Trigger.SIGN_CONTRACT, day), world.delegate)
    barrier = barrier_service.identify_barrier(
        session, pathway, category="health", identified_on=day, actor=world.adviser, details=HEALTH_DETAILS
    )
    referent = coaccompaniment.add_referent(
        session, pathway, organisation_type="france_travail", name="Référente FT", actor=world.adviser
    )
    note = coaccompaniment.add_note(session, pathway, body=NOTE_BODY, actor=world.adviser, written_on=day)
    session.flush()
    checkpoint = session.query(Checkpoint).filter_by(pathway_id=pathway.id, month=1).one()
    immersion = session.query(Immersion).filter_by(pathway_id=pathway.id).one()
    training = session.query(Training).filter_by(pathway_id=pathway.id).one()
    # A caseload file verified and waiting for its confirmation.
    batch = ImportBatch(
        platform_id=world.platform.id,
        user_id=world.manager.id,
        filename="suivi.xlsx",
        status=ImportStatus.VERIFIED,
        written={},
        updated_at=clock.now(),
    )
    session.add(batch)
    session.flush()
    side = Side(
        world, pathway, pathway.person, barrier, checkpoint, referent, note, immersion, training, planned, batch
    )
    side.jobs = {role: make_finished_job(session, side.user(role)).id for role in Role}
    return side


def make_finished_job(session: Session, user: User) -> BackgroundJob:
    """A job ``user`` asked for, done, with its file in the jobs' folder."""
    folder = Path(current_app.config["JOBS_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    name = f"scene-{user.id}.xlsx"
    (folder / name).write_bytes(b"PK")
    now = clock.now()
    job = BackgroundJob(
        kind="export.cohort",
        title="Cohorte",
        params={},
        status=JobStatus.DONE,
        user_id=user.id,
        platform_id=user.platform_id,
        result_file=name,
        result_name="cohorte.xlsx",
        result_expires_at=now + timedelta(hours=1),
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    session.flush()
    return job


def make_scene(session: Session) -> Scene:
    scene = Scene(make_side(session, "yvelines"), make_side(session, "gironde"))
    session.commit()
    return scene


WORKERS = frozenset({Role.MANAGER, Role.DELEGATE, Role.ADVISER})


@dataclass(frozen=True)
class Kind:
    """How to get the id of one object of a platform, and who sees the one built on one's own."""

    value: Callable[[Side, Role], int]
    visible_to: frozenset[Role]
    # Admins work above the platforms: another platform's account is theirs to manage.
    admin_everywhere: bool = False


KINDS: dict[str, Kind] = {
    "pathway_id": Kind(lambda side, role: side.pathway.id, WORKERS),
    "person_id": Kind(lambda side, role: side.person.id, WORKERS),
    "barrier_id": Kind(lambda side, role: side.barrier.id, WORKERS),
    "checkpoint_id": Kind(lambda side, role: side.checkpoint.id, WORKERS),
    "referent_id": Kind(lambda side, role: side.referent.id, WORKERS),
    "note_id": Kind(lambda side, role: side.note.id, WORKERS),
    "planned_id": Kind(lambda side, role: side.planned.id, WORKERS),
    "session_id": Kind(
        lambda side, role: side.world.info_session.id, frozenset({Role.MANAGER, Role.DELEGATE})
    ),
    "week_id": Kind(lambda side, role: side.world.week.id, frozenset({Role.MANAGER, Role.DELEGATE})),
    # An account: a manager's own platform's; the others see only their own.
    "user_id": Kind(
        lambda side, role: side.user(Role.ADVISER if role is Role.ADMIN else role).id,
        frozenset(Role),
        admin_everywhere=True,
    ),
    "platform_id": Kind(lambda side, role: side.world.platform.id, frozenset(Role), admin_everywhere=True),
    # A platform's reference list entry (employer, training organisation, prescriber).
    "entry_id": Kind(lambda side, role: side.world.employer.id, WORKERS),
    "territory_id": Kind(lambda side, role: side.world.territory.id, frozenset(Role), admin_everywhere=True),
    # A background job: only the account that asked for it sees it, whatever its role.
    "job_id": Kind(lambda side, role: side.jobs[role], frozenset(Role)),
    # A caseload import of the platform: its managers'.
    "batch_id": Kind(lambda side, role: side.batch.id, frozenset({Role.MANAGER})),
}

# Identifiers some routes take in the query string, by endpoint: {argument: id on a side}.
QUERY_KINDS: dict[str, dict[str, Callable[[Side], int]]] = {
    "pathway_file.immersion_assessment": {"pmsmp": lambda side: side.immersion.id},
    "pathway_file.training_result": {"formation": lambda side: side.training.id},
}

# Parameters that are not identifiers: one value every route accepts.
SAMPLES: dict[str, str] = {
    "trigger": Trigger.EXIT.value,
    "filename": "pathways.css",
    "segment": "employeurs",
    # The public answer page's signed link: a token this one is not (tests/unit/messaging cover real ones).
    "token": "eyJrIjoicyIsImkiOjF9.pas-une-signature",
}


@dataclass
class Cell:
    """One expectation of the matrix."""

    endpoint: str
    method: str
    role: Role | None
    case: str
    url: str
    expected: str
    got: int = 0
    extra: dict[str, str] = field(default_factory=dict)


def login(client: FlaskClient, user: User) -> None:
    """Log ``user`` in by writing the session a real login would (no argon2, no throttling)."""
    now = clock.now().timestamp()
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["login_at"] = now
        session["seen_at"] = now


TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(client: FlaskClient, url: str = "/login") -> str:
    """The CSRF token of the form at ``url``, as a browser would send it back."""
    match = TOKEN.search(client.get(url).get_data(as_text=True))
    assert match, f"no CSRF token in {url}"
    return match.group(1) or match.group(2)
