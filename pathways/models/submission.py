"""One-time tokens of the forms that create something: a replayed POST creates nothing twice."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pathways.models.base import Base, UTCDateTime


class FormSubmission(Base):
    """A rendered form's token, claimed in the transaction of what the form created.

    ``target`` is where the first submission led (its redirect), so that a
    second submission lands there too.
    """

    __tablename__ = "form_submissions"

    token: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    target: Mapped[str | None] = mapped_column(sa.String(500))
