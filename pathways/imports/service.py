"""The caseload import: read the file, judge every row in memory, write the accepted file in bulk.

``verify`` reads the file and plans every row through the pathway rules
(``planner.py``), reading the database only to know what the platform
already holds (a few queries for the whole file); it writes nothing. The
report lists every problem of every row at once, as (row, column, value,
French message); without problems it says what the import will create.
``write_planned`` then writes the planned rows with Core inserts
(``writer.py``). ``run_import`` does both inside the caller's transaction:
the caller commits only when the report has no problem (the command line,
the tests). ``import_file`` does both and commits, all or nothing, without
holding SQLite's write lock more than a chunk at a time (the web, through
``tasks.py``).

Rules, from import-format.md (the history rules are in ``planner.py``):

- Rows are planned in order of entry date (then row number), so that a
  person's earlier pathway is closed before a later one opens.
- A person is matched as duplicate detection matches (``same_person``: same
  name and birth date, or same France Travail id), else created. A row whose
  person already has a pathway entered on the same ``date_entree`` is
  already imported: skipped, which makes re-importing the same file create
  nothing.
- Employers and training organisations are found by name, or created;
  information sessions and orientation weeks by date.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pathways import audit, clock
from pathways.imports.planner import (
    Attendance,
    KnownPathway,
    NewRow,
    People,
    PersonEntry,
    PlannedPathway,
    Planner,
    References,
    RowRefused,
    Update,
)
from pathways.imports.reader import Table, read_table
from pathways.imports.rows import Lookups, Problem, RowPlan, display, read_row
from pathways.imports.writer import TABLE_ORDER, write_rows, written_ids, written_persons
from pathways.models import (
    Certification,
    Employer,
    ImportBatch,
    InfoSession,
    InfoSessionAttendance,
    Job,
    OrientationWeek,
    Pathway,
    PathwayEvent,
    Person,
    Platform,
    Territory,
    TrainingOrganisation,
    User,
)
from pathways.services import standing
from pathways.services.pathway import MISSED_SESSION
from pathways.services.person import normalise_name
from pathways.states import State
from pathways.vocabulary import AttendanceStatus, ImportStatus

# A callback told how far the work is: done, total, what is being done (French).
Progress = Callable[[int, int, str], None]
IN_CHUNK = 500
# Pathways written per transaction when an import is written in chunks (SQLite):
# well under a second of holding the write lock each.
CHUNK_ROWS = 500
PAUSE_BETWEEN_CHUNKS = 0.05
# Slices of an import written in one transaction (PostgreSQL): only for the progress bar, so a
# few — each slice costs a statement per table, and the bar needs no more than a few steps.
PROGRESS_SLICES = 4
# A batch still writing but silent this long was left by a process that died.
STALE_AFTER = timedelta(minutes=10)
UPDATES_KEY = "_updates"
T = TypeVar("T")
_collector_lock = threading.Lock()
_collector_pauses = 0
_collector_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while an import judges and writes its rows; back as it was after.

    A file of 10 000 rows becomes about a million small objects (143 000
    rows to write, their values) that all live until written: each pass of
    the collector, set off by their very allocation, walked them all again
    and freed nothing (they hold no cycles) — a third of the verification's
    time, more in a process already holding much. Reference counting frees
    as usual meanwhile. Imports running at once in one process (the job
    consumer's threads) share the pause: the last one to end restores it.
    """
    global _collector_pauses, _collector_was_enabled
    with _collector_lock:
        if _collector_pauses == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _collector_pauses += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_pauses -= 1
            if _collector_pauses == 0 and _collector_was_enabled:
                gc.enable()


@dataclass
class ImportReport:
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    persons_created: int = 0
    persons_matched: int = 0
    pathways_created: int = 0
    pathways_already_imported: int = 0
    events: int = 0
    planned_steps: int = 0
    states: Counter[str] = field(default_factory=Counter)
    employers_created: int = 0
    organisations_created: int = 0
    sessions_created: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        """The report as kept with its batch, for the import page."""
        return {
            "rows": self.rows,
            "problems": [[p.row, p.column, p.value, p.message] for p in self.problems],
            "unknown_columns": self.unknown_columns,
            "states": dict(self.states),
            "counts": {
                "persons_created": self.persons_created,
                "persons_matched": self.persons_matched,
                "pathways_created": self.pathways_created,
                "pathways_already_imported": self.pathways_already_imported,
                "events": self.events,
                "planned_steps": self.planned_steps,
                "employers_created": self.employers_created,
                "organisations_created": self.organisations_created,
                "sessions_created": self.sessions_created,
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportReport:
        return cls(
            rows=data["rows"],
            problems=[Problem(*problem) for problem in data["problems"]],
            unknown_columns=data["unknown_columns"],
            states=Counter(data["states"]),
            **data["counts"],
        )

    def counts(self) -> dict[str, int]:
        return {
            "lignes": self.rows,
            "personnes_creees": self.persons_created,
            "personnes_reconnues": self.persons_matched,
            "parcours_crees": self.pathways_created,
            "parcours_deja_importes": self.pathways_already_imported,
            "evenements": self.events,
            "etapes_prevues": self.planned_steps,
        }


@dataclass
class Verification:
    """A file judged: its report and, when the report is clean, the rows to write."""

    report: ImportReport
    pathways: list[PlannedPathway] = field(default_factory=list)
    references: list[NewRow] = field(default_factory=list)


def _chunks(values: Iterable[T], size: int = IN_CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _lookups(session: Session, platform: Platform) -> Lookups:
    return Lookups(
        territories={
            normalise_name(t.name): t
            for t in session.scalars(sa.select(Territory).where(Territory.platform_id == platform.id))
        },
        users={
            u.email.lower(): u
            for u in session.scalars(sa.select(User).where(User.platform_id == platform.id))
        },
        jobs=set(session.scalars(sa.select(Job.rome_code))),
        certifications={c.upper(): c for c in session.scalars(sa.select(Certification.code))},
    )


def _first_by(session: Session, model: Any, key: Any, platform_id: int) -> dict[Any, int]:
    """Per key (a date, a name), the platform's first row with it (the oldest)."""
    found: dict[Any, int] = {}
    for value, row_id in session.execute(
        sa.select(key, model.id).where(model.platform_id == platform_id).order_by(model.id)
    ):
        found.setdefault(value, row_id)
    return found


def _references(session: Session, platform_id: int) -> References:
    employers = _first_by(session, Employer, Employer.name, platform_id)
    organisations = _first_by(session, TrainingOrganisation, TrainingOrganisation.name, platform_id)
    return References(
        platform_id,
        info_sessions=_first_by(session, InfoSession, InfoSession.held_on, platform_id),
        weeks=_first_by(session, OrientationWeek, OrientationWeek.starts_on, platform_id),
        employers={normalise_name(name): i for name, i in reversed(employers.items())},
        organisations={normalise_name(name): i for name, i in reversed(organisations.items())},
    )


def _people(session: Session, platform_id: int, plans: list[RowPlan]) -> People:
    """The platform's persons a row may name (same birth date or France Travail id), with their pathways."""
    births = sorted({plan.birth_date for plan in plans})
    ft_ids = sorted({ft for plan in plans if (ft := plan.person_fields.get("france_travail_id"))})
    persons: dict[int, PersonEntry] = {}
    for column, values in ((Person.birth_date, births), (Person.france_travail_id, ft_ids)):
        for chunk in _chunks(values):
            for row in session.execute(
                sa.select(
                    Person.id,
                    Person.last_name,
                    Person.first_name,
                    Person.birth_date,
                    Person.france_travail_id,
                ).where(Person.platform_id == platform_id, column.in_(chunk))
            ):
                persons.setdefault(
                    row.id,
                    PersonEntry(
                        row.last_name, row.first_name, row.birth_date, row.france_travail_id, id=row.id
                    ),
                )
    ids = sorted(persons)
    for chunk in _chunks(ids):
        for person_id, state, entered_on in session.execute(
            sa.select(Pathway.person_id, Pathway.state, PathwayEvent.occurred_on)
            .join(PathwayEvent, PathwayEvent.pathway_id == Pathway.id)
            .where(Pathway.person_id.in_(chunk), PathwayEvent.sequence == 1)
        ):
            persons[person_id].pathways.append(KnownPathway(entered_on, State(state)))
        for attendance_id, person_id, session_id, status, held_on in session.execute(
            sa.select(
                InfoSessionAttendance.id,
                InfoSessionAttendance.person_id,
                InfoSessionAttendance.session_id,
                InfoSessionAttendance.status,
                InfoSession.held_on,
            )
            .join(InfoSession, InfoSession.id == InfoSessionAttendance.session_id)
            .where(InfoSessionAttendance.person_id.in_(chunk))
        ):
            # The statuses as the planner reads them: present, missed (absent or excused, as
            # the engine's guard counts them), or not noted yet.
            present = None
            if status == AttendanceStatus.PRESENT or status in MISSED_SESSION:
                present = status == AttendanceStatus.PRESENT
            persons[person_id].attendances[session_id] = Attendance(held_on, present, id=attendance_id)
    return People(persons[i] for i in ids)


@collector_paused()
def verify(
    session: Session,
    platform: Platform,
    path: Path,
    *,
    actor: User | None,
    filename: str | None = None,
    progress: Progress | None = None,
) -> Verification:
    """Read and judge ``path`` for ``platform``; writes nothing. ``FileRefused`` for a file refused whole."""
    table: Table = read_table(path, filename)
    report = ImportReport(rows=len(table.rows), unknown_columns=table.unknown)
    verification = Verification(report)
    for column in table.missing:
        report.problems.append(Problem(1, column, "", "Colonne obligatoire absente de la ligne d'en-tête."))
    for number, column, value in table.formula_cells:
        report.problems.append(Problem(number, column, value, "Les formules ne sont pas acceptées."))
    if table.missing:
        return verification
    if not table.rows:
        report.problems.append(Problem(2, "", "", "Le fichier ne contient aucune ligne de données."))
        return verification

    today = clock.today()
    lookups = _lookups(session, platform)
    total = len(table.rows)
    plans: list[RowPlan] = []
    for number, cells in table.rows:
        read = read_row(number, cells, lookups, today)
        if isinstance(read, RowPlan):
            plans.append(read)
        else:
            report.problems.extend(read)
    references = _references(session, platform.id)
    planner = Planner(
        platform_id=platform.id,
        actor=actor,
        today=today,
        references=references,
        people=_people(session, platform.id, plans),
    )
    for done, plan in enumerate(sorted(plans, key=lambda p: (p.entry_on, p.number)), 1):
        if progress is not None and done % 500 == 0:
            progress(done, total, "Vérification des lignes")
        try:
            planned = planner.plan(plan)
        except RowRefused as refused:
            value = display(plan.cells.get(refused.column))
            report.problems.extend(Problem(plan.number, refused.column, value, m) for m in refused.messages)
            continue
        if planned is None:
            report.pathways_already_imported += 1
            continue
        verification.pathways.append(planned)
        report.pathways_created += 1
        report.persons_created += planned.person_created
        report.persons_matched += not planned.person_created
        report.events += planned.events
        report.planned_steps += planned.planned_steps
        report.states[planned.state.value] += 1
    if progress is not None:
        progress(total, total, "Vérification des lignes")
    report.problems.sort(key=lambda p: (p.row, p.column))
    report.sessions_created = references.sessions_created
    report.employers_created = references.employers_created
    report.organisations_created = references.organisations_created
    verification.references = references.created
    if not report.ok:
        verification.pathways = []
    return verification


def _without_pathways(updates: list[Update]) -> list[Update]:
    """``updates``, which never touch a pathway: the import only creates pathways.

    Their summary (what the pages read: last contact, alerts' dates,
    milestones) is planned and written with their rows; a change to an
    existing pathway would need ``summary.refresh`` after it.
    """
    assert all(update.model is not Pathway for update in updates), "the import changes no pathway"
    return updates


def write_planned(session: Session, verification: Verification) -> None:
    """Write a clean verification's rows in the session's transaction."""
    assert verification.report.ok
    connection = session.connection()
    write_rows(connection, verification.references)
    rows: list[NewRow] = []
    updates = []
    for planned in verification.pathways:
        rows.extend(planned.rows)
        updates.extend(planned.updates)
    write_rows(connection, rows, _without_pathways(updates))
    standing.refresh(session, written_persons(rows))


@collector_paused()
def run_import(
    session: Session, platform: Platform, path: Path, *, actor: User | None, filename: str | None = None
) -> ImportReport:
    """Read, check and import ``path`` into ``platform`` within the caller's transaction.

    Raises ``FileRefused`` for a file refused as a whole (nothing read into
    the database). Otherwise returns the report; nothing is written unless
    the report is clean, and the caller commits only if ``report.ok``.
    """
    # Lock the platform row: two imports into one platform run one after the
    # other, so that idempotence holds even when the same file is sent twice
    # at once.
    session.execute(sa.update(Platform).where(Platform.id == platform.id).values(slug=Platform.slug))
    verification = verify(session, platform, path, actor=actor, filename=filename)
    report = verification.report
    if report.ok:
        write_planned(session, verification)
    # Kept only if the caller commits: who imported what, and how many rows.
    audit.record(
        session,
        actor,
        "import.caseload",
        object_type="platform",
        object_id=platform.id,
        platform_id=platform.id,
        details={"file": filename or path.name, "problems": len(report.problems), **report.counts()},
    )
    return report


class ImportBusy(Exception):
    """Another import is being written into the platform."""

    message = (
        "Un autre import est en cours d'écriture sur cette plateforme : réessayez quand il sera terminé."
    )


class StaleVerification(Exception):
    """The verification to confirm is no longer waiting (confirmed already, or refused)."""

    message = "Cette vérification n'est plus valable : déposez à nouveau le fichier."


def _claim(
    session: Session, platform: Platform, actor: User | None, filename: str, batch_id: int | None
) -> int:
    """The batch of this import, now writing, committed: one import writes into a platform at a time.

    ``batch_id``: a verified batch to confirm; otherwise a new batch (the command line).
    """
    now = clock.now()
    try:
        if batch_id is not None:
            claimed = session.execute(
                sa.update(ImportBatch)
                .where(
                    ImportBatch.id == batch_id,
                    ImportBatch.platform_id == platform.id,
                    ImportBatch.status == ImportStatus.VERIFIED,
                )
                .values(
                    status=ImportStatus.WRITING, updated_at=now, rows_checked=0, rows_written=0, written={}
                )
            ).rowcount
            if not claimed:
                session.rollback()
                raise StaleVerification()
        else:
            batch = ImportBatch(
                platform_id=platform.id,
                user_id=actor.id if actor else None,
                filename=filename[:200],
                status=ImportStatus.WRITING,
                written={},
                updated_at=now,
            )
            session.add(batch)
            session.flush()
            batch_id = batch.id
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ImportBusy() from None
    return batch_id


def _release(session: Session, batch_id: int, confirming: bool, report: ImportReport | None) -> None:
    """A confirmation that found problems keeps them on its batch; a command-line batch goes."""
    session.rollback()
    if confirming:
        session.execute(
            sa.update(ImportBatch)
            .where(ImportBatch.id == batch_id)
            .values(
                status=ImportStatus.REFUSED,
                updated_at=clock.now(),
                report=report.to_json() if report else None,
            )
        )
    else:
        session.execute(sa.delete(ImportBatch).where(ImportBatch.id == batch_id))
    session.commit()


def _journal(written: dict[str, Any], rows: list[NewRow], old_values: list[list[Any]]) -> dict[str, Any]:
    journal = {key: list(value) for key, value in written.items()}
    for table, ids in written_ids(rows).items():
        journal.setdefault(table, []).extend(ids)
    journal.setdefault(UPDATES_KEY, []).extend(old_values)
    return journal


def _old_values(session: Session, updates: list[Update]) -> list[list[Any]]:
    """What the rows an import changes held before, to put back if it is undone."""
    old = []
    for update in updates:
        table = update.model.__table__
        columns = [table.c[name] for name in update.values]
        row = session.execute(sa.select(*columns).where(table.c.id == update.id)).one()
        old.append([table.name, update.id, dict(zip(update.values, row, strict=True))])
    return old


@collector_paused()
def import_file(
    session: Session,
    platform: Platform,
    path: Path,
    *,
    actor: User | None,
    filename: str | None = None,
    progress: Progress | None = None,
    chunk_rows: int | None = None,
    chunked: bool | None = None,
    batch_id: int | None = None,
) -> ImportReport:
    """Verify ``path`` and, when it is clean, write it into ``platform``: all or nothing. Commits.

    PostgreSQL: one transaction (other writers are not held up by it),
    written in ``PROGRESS_SLICES`` slices (or of ``chunk_rows`` pathways) only
    to report progress between them.
    SQLite (or ``chunked``): the rows are written ``chunk_rows`` pathways at a
    time (``CHUNK_ROWS``), each chunk its own short transaction, so that the
    database's one write lock is never held long and other users keep saving; each chunk
    journals what it wrote in the same transaction (``ImportBatch``), and a
    failure undoes every chunk written (``undo``). A batch left writing by a
    process that died is undone by the next import into the platform.
    ``batch_id``: the verified batch this import confirms (the web); without
    it, a batch is opened for the import (the command line).
    Raises ``ImportBusy`` while another import writes into the platform,
    ``StaleVerification`` for a batch no longer waiting for its
    confirmation, ``FileRefused`` for a file refused whole.
    """
    filename = filename or path.name
    if chunked is None:
        chunked = session.get_bind().dialect.name == "sqlite"
    undo_stale(session, platform.id)
    confirming = batch_id is not None
    batch_id = _claim(session, platform, actor, filename, batch_id)
    try:
        verification = verify(session, platform, path, actor=actor, filename=filename, progress=progress)
    except BaseException:
        _release(session, batch_id, confirming, None)
        raise
    report = verification.report
    if not report.ok:
        _release(session, batch_id, confirming, report)
        return report
    try:
        _write_chunks(session, batch_id, verification, chunk_rows, chunked, progress)
        audit.record(
            session,
            actor,
            "import.caseload",
            object_type="platform",
            object_id=platform.id,
            platform_id=platform.id,
            details={"file": filename, "problems": 0, **report.counts()},
        )
        session.execute(
            sa.update(ImportBatch)
            .where(ImportBatch.id == batch_id)
            .values(
                status=ImportStatus.DONE,
                updated_at=clock.now(),
                written={},
                report=report.to_json(),
                rows_written=len(verification.pathways),
            )
        )
        session.commit()
    except BaseException:
        session.rollback()
        undo(session, batch_id)
        raise
    return report


def _write_chunks(
    session: Session,
    batch_id: int,
    verification: Verification,
    chunk_rows: int | None,
    chunked: bool,
    progress: Progress | None,
) -> None:
    pathways = verification.pathways
    total = len(pathways)
    if chunk_rows is None:
        chunk_rows = CHUNK_ROWS if chunked else max(CHUNK_ROWS, -(-total // PROGRESS_SLICES))
    written: dict[str, Any] = {}
    for start in range(0, total, chunk_rows):
        chunk = pathways[start : start + chunk_rows]
        if chunked:
            # The batch's row first: on SQLite this write takes the lock before ids are reserved.
            # (In one transaction, PostgreSQL, the row is left to the progress, written aside.)
            session.execute(
                sa.update(ImportBatch).where(ImportBatch.id == batch_id).values(updated_at=clock.now())
            )
        rows = (verification.references if start == 0 else []) + [r for p in chunk for r in p.rows]
        updates = [u for p in chunk for u in p.updates]
        old_values = _old_values(session, updates) if chunked else []
        write_rows(session.connection(), rows, _without_pathways(updates))
        standing.refresh(session, written_persons(rows))
        done = min(start + chunk_rows, total)
        if chunked:
            written = _journal(written, rows, old_values)
            session.execute(
                sa.update(ImportBatch)
                .where(ImportBatch.id == batch_id)
                .values(written=written, rows_written=done)
            )
            session.commit()
            # Let a save waiting for the write lock have it before the next chunk.
            time.sleep(PAUSE_BETWEEN_CHUNKS)
        if progress is not None:
            progress(done, total, "Écriture des parcours")


def _persons_of(session: Session, pathway_ids: list[int]) -> list[int]:
    return list(session.scalars(sa.select(Pathway.person_id).where(Pathway.id.in_(pathway_ids))))


def undo(session: Session, batch_id: int) -> ImportStatus:
    """Delete what the batch wrote and put back what it changed, in short transactions.

    A row someone else has meanwhile built on (an event added to an
    imported pathway) cannot go without their work: it is kept, with what it
    needs, and the batch ends ``stuck`` instead of ``undone``.
    """
    batch = session.get(ImportBatch, batch_id)
    assert batch is not None
    journal = dict(batch.written or {})
    kept = False
    for model in reversed(TABLE_ORDER):
        table = model.__table__
        for chunk in _chunks(journal.get(table.name, [])):
            # A pathway gone changes its person's standing (services.standing), in the same transaction.
            persons = _persons_of(session, chunk) if model is Pathway else []
            try:
                session.execute(sa.delete(table).where(table.c.id.in_(chunk)))
                standing.refresh(session, persons, pathways_gone=True)
                session.commit()
            except IntegrityError:
                session.rollback()
                for row_id in chunk:
                    persons = _persons_of(session, [row_id]) if model is Pathway else []
                    try:
                        session.execute(sa.delete(table).where(table.c.id == row_id))
                        standing.refresh(session, persons, pathways_gone=True)
                        session.commit()
                    except IntegrityError:
                        session.rollback()
                        kept = True
    for table_name, row_id, values in journal.get(UPDATES_KEY, []):
        table = sa.Table(table_name, ImportBatch.metadata)
        session.execute(sa.update(table).where(table.c.id == row_id).values(**values))
    status = ImportStatus.STUCK if kept else ImportStatus.UNDONE
    session.execute(
        sa.update(ImportBatch)
        .where(ImportBatch.id == batch_id)
        .values(status=status, updated_at=clock.now(), written={} if not kept else journal)
    )
    session.commit()
    return status


def undo_stale(session: Session, platform_id: int) -> None:
    """Undo the imports of the platform left writing by a process that died."""
    limit = clock.now() - STALE_AFTER
    stale = session.scalars(
        sa.select(ImportBatch.id).where(
            ImportBatch.platform_id == platform_id,
            ImportBatch.status == ImportStatus.WRITING,
            ImportBatch.updated_at < limit,
        )
    ).all()
    session.rollback()
    for batch_id in stale:
        undo(session, batch_id)


def record_outcome(
    session: Session,
    platform: Platform,
    report: ImportReport,
    *,
    actor: User | None,
    action: str,
    filename: str,
) -> None:
    """Audit a verification or a refused import (counts only, never cell values).

    Called after the rollback, so that the trail keeps the attempt.
    """
    audit.record(
        session,
        actor,
        action,
        object_type="platform",
        object_id=platform.id,
        platform_id=platform.id,
        details={"file": filename, "problems": len(report.problems), **report.counts()},
    )


def record_refused_file(
    session: Session, platform: Platform, *, actor: User | None, filename: str, reason: str
) -> None:
    """Audit a file refused as a whole (hostile or unusable), with the French reason given.

    Called after the rollback, so that the trail keeps the attempt.
    """
    audit.record(
        session,
        actor,
        "import.file_refused",
        object_type="platform",
        object_id=platform.id,
        platform_id=platform.id,
        details={"file": filename[:200], "reason": reason[:300]},
    )


__all__ = [
    "ImportReport",
    "Problem",
    "Verification",
    "record_outcome",
    "record_refused_file",
    "run_import",
    "verify",
    "write_planned",
]
