"""Background jobs: what was asked, by whom, and how far it went (``pathways.jobs``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pathways.models.base import Base, StrEnumType, UTCDateTime, created_at, int_pk, timestamp
from pathways.vocabulary import JobStatus


class BackgroundJob(Base):
    """One piece of work that outlasts a request, run by the job queue's consumer.

    The row is written by the request that asks for the work (``queued``),
    then by the job as it runs: its progress in a short transaction of its
    own, its end (``done`` with the result file, or ``failed`` with a French
    message for the user) with the work's own commit. The table is named
    ``background_jobs``: ``jobs`` is the ROME reference list.
    """

    __tablename__ = "background_jobs"
    __table_args__ = (
        # The same request twice gives the same job; a failed job or one
        # whose file was deleted gives its key up (set to NULL).
        sa.UniqueConstraint("kind", "idempotency_key"),
        sa.Index("ix_background_jobs_user_id_created_at", "user_id", "created_at"),
        sa.Index("ix_background_jobs_status_updated_at", "status", "updated_at"),
        sa.CheckConstraint("progress_done >= 0", name="progress_not_negative"),
    )

    id: Mapped[int_pk]
    kind: Mapped[str] = mapped_column(sa.String(64))
    # What the user asked for, in French (« Cohorte pseudonymisée, 2025 »).
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(128))
    status: Mapped[JobStatus] = mapped_column(StrEnumType(JobStatus, 16), default=JobStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int | None]
    progress_label: Mapped[str] = mapped_column(sa.String(200), default="")
    error_message: Mapped[str | None] = mapped_column(sa.String(500))
    # Small structured outcome (counts) for the page and for callers.
    summary: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    # The result file: its name inside the jobs' folder, the name it is
    # downloaded under, and when the retention job deletes it.
    result_file: Mapped[str | None] = mapped_column(sa.String(200))
    result_name: Mapped[str | None] = mapped_column(sa.String(200))
    result_expires_at: Mapped[timestamp | None]
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    platform_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("platforms.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[created_at]
    # Touched by every change, progress included: a running job whose row
    # has not moved for long was interrupted (see pathways.jobs.maintenance).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[timestamp | None]
    finished_at: Mapped[timestamp | None]

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def percent(self) -> int | None:
        """Progress in whole percent, when the total is known."""
        if not self.progress_total:
            return None
        return min(100, self.progress_done * 100 // self.progress_total)
