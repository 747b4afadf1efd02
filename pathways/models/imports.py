"""A caseload import: its verification, its confirmation, its progress, and the journal of what it wrote."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pathways.models.base import Base, StrEnumType, UTCDateTime, created_at, int_pk
from pathways.vocabulary import ImportStatus


class ImportBatch(Base):
    """One file sent to the import: verified, then confirmed and written, or refused.

    ``rows_checked`` / ``rows_written`` are the progress the import page
    shows; ``report`` the verification's report (counts, every problem).
    ``written`` is the journal: per table, the ids of the rows the import
    inserted, and the previous values of the rows it changed; each chunk
    adds to it in the very transaction that writes the chunk's rows, so that
    a failure undoes the import. Only one import writes into a platform at a
    time (the partial unique index). ``stored_as`` names the file waiting for
    its confirmation (deleted once confirmed or refused).
    """

    __tablename__ = "import_batches"
    __table_args__ = (
        sa.Index(
            "uq_import_batches_platform_id_writing",
            "platform_id",
            unique=True,
            sqlite_where=sa.text("status = 'writing'"),
            postgresql_where=sa.text("status = 'writing'"),
        ),
    )

    id: Mapped[int_pk]
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platforms.id", ondelete="RESTRICT"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    filename: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[ImportStatus] = mapped_column(StrEnumType(ImportStatus, 16))
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_checked: Mapped[int] = mapped_column(default=0)
    rows_written: Mapped[int] = mapped_column(default=0)
    report: Mapped[dict | None] = mapped_column(sa.JSON)
    stored_as: Mapped[str | None] = mapped_column(sa.String(100))
    written: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
