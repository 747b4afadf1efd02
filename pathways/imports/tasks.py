"""The two halves of a web import, as background work: verify a file, then confirm it.

Each runs on an ``ImportBatch``: it writes its progress on the batch's row
(rows checked, rows written — what the import page shows) from a connection
of its own, and leaves its outcome there (the report, the status). They take
a session, never a request: the job queue runs them (``jobs.py``), and so
can a test or the command line. The file is the caller's to provide; it is
deleted once it is of no more use (refused, or confirmed).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from pathways import clock
from pathways.imports.safety import FileRefused
from pathways.imports.service import (
    ImportBusy,
    StaleVerification,
    import_file,
    record_outcome,
    verify,
)
from pathways.models import ImportBatch, Platform, User
from pathways.vocabulary import ImportStatus

logger = logging.getLogger(__name__)
# The page refreshes about once a second: more writes would only cost.
PROGRESS_INTERVAL = 0.5


class BatchProgress:
    """Writes how far the batch is on its row, on a connection of its own, twice a second at most.

    Its own short transaction: the import's transaction (PostgreSQL writes in
    one) is not where others could read it. On SQLite, a write that finds the
    database busy is skipped: progress is not worth waiting for.
    """

    def __init__(self, engine: sa.Engine, batch_id: int) -> None:
        self.engine = engine
        self.batch_id = batch_id
        self.last = 0.0

    def __call__(self, done: int, total: int, label: str) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_INTERVAL and done < total:
            return
        self.last = now
        # The rows are checked (the verification, and again before writing), then written.
        column = "rows_written" if label.startswith("Écriture") else "rows_checked"
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    sa.update(ImportBatch)
                    .where(ImportBatch.id == self.batch_id)
                    .values({column: done, "rows_total": total, "updated_at": clock.now()})
                )
        except OperationalError:
            logger.warning("progress of import %s not written (database busy)", self.batch_id)


def open_batch(
    session: Session, platform: Platform, actor: User | None, filename: str, stored_as: str | None
) -> ImportBatch:
    """A file received, to be verified: its batch, committed."""
    batch = ImportBatch(
        platform_id=platform.id,
        user_id=actor.id if actor else None,
        filename=filename[:200],
        status=ImportStatus.VERIFYING,
        stored_as=stored_as,
        written={},
        updated_at=clock.now(),
    )
    session.add(batch)
    session.commit()
    return batch


def _finish(session: Session, batch_id: int, **values: object) -> None:
    session.execute(
        sa.update(ImportBatch).where(ImportBatch.id == batch_id).values(updated_at=clock.now(), **values)
    )
    session.commit()


def run_verification(session: Session, batch_id: int, path: Path) -> ImportStatus:
    """Verify the batch's file (writes nothing but the report); ``verified`` or ``refused``."""
    batch = session.get_one(ImportBatch, batch_id)
    platform = session.get_one(Platform, batch.platform_id)
    actor = session.get(User, batch.user_id) if batch.user_id else None
    filename = batch.filename
    progress = BatchProgress(session.get_bind(), batch_id)
    try:
        report = verify(session, platform, path, actor=actor, filename=filename, progress=progress).report
    except FileRefused as refused:
        session.rollback()
        path.unlink(missing_ok=True)
        _finish(session, batch_id, status=ImportStatus.REFUSED, report={"refused": refused.message})
        return ImportStatus.REFUSED
    session.rollback()  # a verification writes nothing but its audit line
    status = ImportStatus.VERIFIED if report.ok else ImportStatus.REFUSED
    if not report.ok:
        path.unlink(missing_ok=True)
    record_outcome(session, platform, report, actor=actor, action="import.verify", filename=filename)
    _finish(
        session,
        batch_id,
        status=status,
        report=report.to_json(),
        rows_total=report.rows,
        rows_checked=report.rows,
        stored_as=batch.stored_as if report.ok else None,
    )
    return status


def run_confirmation(session: Session, batch_id: int, path: Path) -> ImportStatus:
    """Import the batch's verified file: judged again (the platform may have changed), then written.

    All or nothing (``import_file``); the file is deleted whatever the outcome.
    """
    batch = session.get_one(ImportBatch, batch_id)
    platform = session.get_one(Platform, batch.platform_id)
    actor = session.get(User, batch.user_id) if batch.user_id else None
    filename = batch.filename
    session.rollback()
    progress = BatchProgress(session.get_bind(), batch_id)
    try:
        report = import_file(
            session, platform, path, actor=actor, filename=filename, progress=progress, batch_id=batch_id
        )
    except (ImportBusy, StaleVerification):
        raise  # the batch is as it was: the file waits for a later confirmation
    except FileRefused as refused:
        _finish(
            session,
            batch_id,
            status=ImportStatus.REFUSED,
            report={"refused": refused.message},
            stored_as=None,
        )
        path.unlink(missing_ok=True)
        return ImportStatus.REFUSED
    except BaseException:
        path.unlink(missing_ok=True)
        session.rollback()
        _finish(session, batch_id, stored_as=None)
        raise
    path.unlink(missing_ok=True)
    if not report.ok:
        record_outcome(session, platform, report, actor=actor, action="import.refused", filename=filename)
    _finish(session, batch_id, stored_as=None)
    return session.get_one(ImportBatch, batch_id).status
