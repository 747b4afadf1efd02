"""Anonymise a person: the one rule the retention job, the erasure on request and the tests use.

What goes and what stays is read from ``pathways.privacy.declaration``: on
every row that belongs to the person (the person, their pathways and
everything under them, found through each table's ``owner``), ``CLEAR``
columns lose their value (a text becomes "", so every "is there a text"
constraint keeps its shape; anything else becomes NULL) and ``REPLACE``
columns take their placeholder (« Personne ANONYMISÉE »). What the
indicators need stays: the year of birth, the sex, the publics, the
diploma, the territory and prescriber, every dated event and record without
its free text. The bilan of any past period is therefore the same before
and after (tested on every period).

The birth date keeps its year, and within it the earliest day that gives
the same age on each pathway's entry day: the bilan counts ages at entry,
so its age bands do not move, and the day kept says no more than the year
and those ages already say.

Beyond the person's own rows: the audit trail's before/after values of
their corrections, their form tokens, the exports that name them (their
record's export, nominative cohorts of their platform), the refused cells
of their platform's import reports that quote them, and their platform's
import files waiting for verification or confirmation (encrypted under a
key only the uploader holds, so nobody can tell whether one names the
person: all are deleted; the uploader drops the file again).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways import audit, clock
from pathways.models import (
    BackgroundJob,
    Base,
    FormSubmission,
    ImportBatch,
    Pathway,
    PathwayEvent,
    Person,
    PlannedStep,
    User,
)
from pathways.privacy.declaration import TABLES, Action
from pathways.services import standing, summary
from pathways.services.enrolment import open_pathway_of
from pathways.services.pathway import InvalidInput
from pathways.states import ExitReason, Trigger
from pathways.text import fold
from pathways.vocabulary import ContractEndReason, ImportStatus

logger = logging.getLogger(__name__)

ACCESS_EXPORT_KIND = "privacy.access_export"
ANONYMISED_JOB_TITLE = "Dossier d'une personne anonymisée"
# Codes a pathway event's "reason" may hold; anything else there is words (a suspension's reason).
REASON_CODES = frozenset(r.value for r in ExitReason) | frozenset(r.value for r in ContractEndReason)
# What a planned step's request keeps: ids, codes, dates, numbers — never words typed by a user.
PLANNED_REQUEST_TEXTS = ("comment", "suspend_reason")
PLANNED_EXTRA_KEPT = frozenset(
    {"objective", "job_code", "prescriber_type", "hours", "ends_on", "hours_per_week"}
)


# The columns declared GENERALISE or SCRUB, each handled by its own code below (a test checks the list).
HANDLED_BY_NAME = frozenset(
    {
        ("persons", "birth_date"),
        ("pathway_events", "details"),
        ("planned_steps", "request"),
        ("audit_entries", "changes"),
        ("background_jobs", "title"),
        ("background_jobs", "params"),
        ("form_submissions", "target"),
        ("import_batches", "report"),
    }
)


class Reason(StrEnum):
    RETENTION = "retention"
    REQUEST = "request"

    @property
    def label(self) -> str:
        return {
            Reason.RETENTION: "durée de conservation écoulée",
            Reason.REQUEST: "demande d'effacement de la personne",
        }[self]


class OpenPathway(InvalidInput):
    """The person has a pathway in progress: it must be closed (an exit, with its reason) first."""


@dataclass(frozen=True)
class Anonymised:
    person_id: int
    pathways: int
    rows: int
    files: int


def generalised_birth_date(born: date, entries: Iterable[date]) -> date:
    """The earliest day of ``born``'s year that gives the same age as ``born`` on each of ``entries``.

    The age on a day compares (month, day) pairs (``exports.breakdowns.age_at``):
    the birthday may move back to the day after the latest entry day-of-year
    that comes before it, or to 1 January, without any age changing.
    """
    birthday = (born.month, born.day)
    before = [(e.month, e.day) for e in entries if (e.month, e.day) < birthday]
    if not before:
        return date(born.year, 1, 1)
    month, day = max(before)
    try:
        return date(born.year, month, day) + timedelta(days=1)
    except ValueError:  # 29 February in a year without it: the next day is 1 March
        return date(born.year, 3, 1)


def _table(name: str) -> sa.Table:
    return Base.metadata.tables[name]


def rows_of_person(table_name: str, person_id: int) -> sa.ColumnElement[bool]:
    """The condition selecting the rows of ``table_name`` that belong to person ``person_id``."""
    owner = TABLES[table_name].owner
    if owner is None:
        raise ValueError(f"{table_name} has no owner")
    table = _table(table_name)
    if owner.parent is None:
        return table.c[owner.column] == person_id
    parent = _table(owner.parent)
    return table.c[owner.column].in_(sa.select(parent.c.id).where(rows_of_person(owner.parent, person_id)))


def _is_text(column: sa.Column) -> bool:
    return isinstance(column.type, sa.String | sa.Text) or isinstance(
        getattr(column.type, "impl", None), sa.String | sa.Text
    )


def _clear_owned_rows(session: Session, person_id: int) -> int:
    """``CLEAR`` and ``REPLACE`` every declared column of the person's rows; returns rows changed."""
    changed = 0
    for table_name, declaration in TABLES.items():
        if declaration.owner is None:
            continue
        table = _table(table_name)
        where = rows_of_person(table_name, person_id)
        touched = 0
        for column_name, field in declaration.columns.items():
            if field is None or field.on_anonymise not in (Action.CLEAR, Action.REPLACE):
                continue
            column = table.c[column_name]
            if field.on_anonymise is Action.REPLACE:
                value: Any = field.replacement
                condition = where
            elif _is_text(column):
                value, condition = "", sa.and_(where, column.is_not(None), column != "")
            else:
                value, condition = None, sa.and_(where, column.is_not(None))
            touched = max(
                touched,
                session.execute(sa.update(table).where(condition).values({column_name: value})).rowcount,
            )
        if touched and "version" in table.c:
            # An editing form opened before would otherwise write its text back.
            session.execute(sa.update(table).where(where).values(version=table.c.version + 1))
        changed += touched
    return changed


def _generalise_birth_date(session: Session, person_id: int) -> None:
    entries = session.scalars(
        sa.select(sa.func.min(PathwayEvent.occurred_on))
        .join(Pathway, Pathway.id == PathwayEvent.pathway_id)
        .where(Pathway.person_id == person_id, PathwayEvent.trigger == Trigger.REFER)
        .group_by(PathwayEvent.pathway_id)
    ).all()
    born = session.scalar(sa.select(Person.birth_date).where(Person.id == person_id))
    if born is not None:
        session.execute(
            sa.update(Person)
            .where(Person.id == person_id)
            .values(birth_date=generalised_birth_date(born, [e for e in entries if e is not None]))
        )


def _scrub_events(session: Session, person_id: int) -> int:
    """A suspension's reason is words; exit and contract-end reasons are codes the bilan counts."""
    changed = 0
    for event_id, details in session.execute(
        sa.select(PathwayEvent.id, PathwayEvent.details).where(rows_of_person("pathway_events", person_id))
    ):
        reason = (details or {}).get("reason")
        if reason is not None and reason not in REASON_CODES:
            session.execute(
                sa.update(PathwayEvent)
                .where(PathwayEvent.id == event_id)
                .values(details={**details, "reason": ""})
            )
            changed += 1
    return changed


def scrubbed_request(request: dict[str, Any]) -> dict[str, Any]:
    """A planned step's request without the words typed (comment, tutor…), its ids, codes and dates kept."""
    kept = {**request, **{key: None for key in PLANNED_REQUEST_TEXTS if key in request}}
    kept["extra"] = {k: v for k, v in (request.get("extra") or {}).items() if k in PLANNED_EXTRA_KEPT}
    return kept


def _scrub_planned_steps(session: Session, person_id: int) -> int:
    changed = 0
    for step_id, request in session.execute(
        sa.select(PlannedStep.id, PlannedStep.request).where(rows_of_person("planned_steps", person_id))
    ):
        scrubbed = scrubbed_request(request or {})
        if scrubbed != request:
            session.execute(sa.update(PlannedStep).where(PlannedStep.id == step_id).values(request=scrubbed))
            changed += 1
    return changed


def _scrub_import_reports(session: Session, platform_id: int, identity: list[str]) -> int:
    """The refused cells of the platform's import reports that quote the person (name, id, contact)."""
    needles = [fold(value) for value in identity if value and len(fold(value)) >= 3]
    changed = 0
    for batch_id, report in session.execute(
        sa.select(ImportBatch.id, ImportBatch.report).where(
            ImportBatch.platform_id == platform_id, ImportBatch.report.is_not(None)
        )
    ):
        problems = (report or {}).get("problems") or []
        kept = [
            [*problem[:2], None, *problem[3:]]
            if len(problem) > 2 and any(needle in fold(str(problem[2] or "")) for needle in needles)
            else problem
            for problem in problems
        ]
        if kept != problems:
            session.execute(
                sa.update(ImportBatch)
                .where(ImportBatch.id == batch_id)
                .values(report={**report, "problems": kept})
            )
            changed += 1
    return changed


def _forget_form_tokens(session: Session, person_id: int, pathway_ids: list[int]) -> int:
    """Tokens whose target is one of the person's pages (« /parcours/12/… », « …/personnes/7… »)."""
    prefixes = [f"/parcours/{pathway_id}" for pathway_id in pathway_ids]
    prefixes.append(f"/donnees-personnelles/personnes/{person_id}")
    conditions = []
    for prefix in prefixes:
        conditions.append(FormSubmission.target == prefix)
        for separator in "/?#":
            conditions.append(FormSubmission.target.startswith(prefix + separator, autoescape=True))
    return session.execute(sa.delete(FormSubmission).where(sa.or_(*conditions))).rowcount


@dataclass(frozen=True)
class Folders:
    """Where files that may name a person are: the jobs' results, the imports waiting."""

    jobs: Path | None
    imports: Path | None

    @classmethod
    def of_current_app(cls) -> Folders:
        from flask import current_app, has_app_context

        if not has_app_context():
            return cls(None, None)
        config = current_app.config
        imports = config.get("PATHWAYS_IMPORT_FOLDER") or Path(current_app.instance_path) / "imports"
        return cls(Path(config["JOBS_FOLDER"]), Path(imports))


def _forget_files(session: Session, person: Person, folders: Folders) -> int:
    """The exports that name the person, and every import file waiting (see the module's docstring)."""
    deleted = 0
    naming = session.execute(
        sa.select(
            BackgroundJob.id, BackgroundJob.kind, BackgroundJob.result_file, BackgroundJob.params
        ).where(
            BackgroundJob.platform_id == person.platform_id,
            BackgroundJob.kind.in_([ACCESS_EXPORT_KIND, "export.cohort"]),
        )
    ).all()
    for job_id, kind, result_file, params in naming:
        params = params or {}
        if kind == ACCESS_EXPORT_KIND and params.get("person_id") == person.id:
            values: dict[str, Any] = {
                "title": ANONYMISED_JOB_TITLE,
                "params": {k: v for k, v in params.items() if k != "person_id"},
            }
        elif kind == "export.cohort" and params.get("identified") and result_file:
            values = {}
        else:
            continue
        if result_file and folders.jobs is not None:
            (folders.jobs / result_file).unlink(missing_ok=True)
            values.update(result_file=None, idempotency_key=None)
            deleted += 1
        session.execute(sa.update(BackgroundJob).where(BackgroundJob.id == job_id).values(values))
    if folders.imports is not None:
        # The platform's files waiting for their verification or confirmation (encrypted under a
        # key only the uploader holds: nobody can tell whether they name the person). One being
        # written right now is left to finish; a deleted one makes its batch say « déposez-le à
        # nouveau ».
        for stored_as in session.scalars(
            sa.select(ImportBatch.stored_as).where(
                ImportBatch.platform_id == person.platform_id,
                ImportBatch.stored_as.is_not(None),
                ImportBatch.status != ImportStatus.WRITING,
            )
        ):
            waiting = folders.imports / Path(str(stored_as)).name
            if waiting.is_file():
                waiting.unlink(missing_ok=True)
                deleted += 1
    return deleted


def open_pathway_refusal(session: Session, person: Person) -> str | None:
    """Why ``person`` cannot be anonymised now (a pathway in progress), or ``None``."""
    if open_pathway_of(session, person) is not None:
        return (
            "Cette personne a un parcours en cours : ses données ne peuvent pas être effacées tant "
            "qu'il n'est pas clos. Enregistrez d'abord sa sortie du parcours, avec son motif."
        )
    return None


def anonymise_person(
    session: Session,
    person: Person,
    *,
    reason: Reason,
    actor: User | None,
    today: date | None = None,
    folders: Folders | None = None,
) -> Anonymised:
    """Remove ``person``'s identity, contact, free texts, health details and partners' contacts.

    Refused (``OpenPathway``) while one of their pathways is in progress.
    Recorded in the audit trail, without what was removed. The objects of
    ``session`` are expired afterwards: they are read again as they now are.
    """
    if person.is_anonymised:
        raise InvalidInput(["Les données de cette personne ont déjà été anonymisées."])
    refusal = open_pathway_refusal(session, person)
    if refusal:
        raise OpenPathway([refusal])
    today = today or clock.today()
    session.flush()  # the rows below are changed in SQL: what the session holds goes first
    person_id, platform_id = person.id, person.platform_id
    identity = [person.last_name, person.france_travail_id, person.email, person.phone]
    pathway_ids = list(session.scalars(sa.select(Pathway.id).where(Pathway.person_id == person_id)))
    _generalise_birth_date(session, person_id)
    rows = _clear_owned_rows(session, person_id)
    rows += _scrub_events(session, person_id)
    rows += _scrub_planned_steps(session, person_id)
    rows += audit.forget_person_values(session, person_id)
    rows += _forget_form_tokens(session, person_id, pathway_ids)
    rows += _scrub_import_reports(session, platform_id, [v for v in identity if v])
    files = _forget_files(session, person, folders or Folders.of_current_app())
    # The pathways' summary keeps no word the scrub removed (an exit's reason).
    summary.rebuild(session, pathway_ids=pathway_ids)
    standing.refresh(session, [person_id])
    session.execute(sa.update(Person).where(Person.id == person_id).values(anonymised_on=today))
    audit.record(
        session,
        actor,
        "person.anonymise",
        object_type="person",
        object_id=person_id,
        platform_id=platform_id,
        details={"reason": reason.value, "pathways": len(pathway_ids)},
    )
    session.flush()
    session.expire_all()
    logger.info("person %s anonymised (%s): %s rows, %s files", person_id, reason.value, rows, files)
    return Anonymised(person_id, len(pathway_ids), rows, files)
