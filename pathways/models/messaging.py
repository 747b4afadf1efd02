"""Messages sent to persons and accounts: one row per message, never its text."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pathways.models.base import Base, StrEnumType, UTCDateTime, created_at, int_pk
from pathways.vocabulary import MessageChannel, MessageKind, MessageStatus

ERROR_LENGTH = 200


class OutgoingMessage(Base):
    """One message: to whom, what kind, on which channel, when, delivered or failed.

    The text is never stored: the sending job writes it from the current
    data when it runs (``pathways.messaging.jobs``). ``dedup_key`` makes the
    same reminder impossible to ask for twice (a unique constraint, inserted
    with ``ON CONFLICT DO NOTHING``). ``error`` is a short technical reason
    (the SMTP reply code, "timeout"), never the message.
    """

    __tablename__ = "outgoing_messages"
    __table_args__ = (
        sa.UniqueConstraint("dedup_key"),
        sa.Index("ix_outgoing_messages_platform_id_created_at", "platform_id", "created_at"),
        sa.CheckConstraint("person_id IS NOT NULL OR user_id IS NOT NULL", name="has_recipient"),
    )

    id: Mapped[int_pk]
    platform_id: Mapped[int | None] = mapped_column(sa.ForeignKey("platforms.id", ondelete="RESTRICT"))
    kind: Mapped[MessageKind] = mapped_column(StrEnumType(MessageKind, 16))
    channel: Mapped[MessageChannel] = mapped_column(StrEnumType(MessageChannel, 8))
    status: Mapped[MessageStatus] = mapped_column(
        StrEnumType(MessageStatus, 16), default=MessageStatus.QUEUED
    )
    # The recipient: a person (convocations, reminders) or an account (the digest).
    person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("persons.id", ondelete="RESTRICT"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    # What the message is about.
    attendance_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("info_session_attendances.id", ondelete="RESTRICT"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("orientation_participants.id", ondelete="RESTRICT"), index=True
    )
    # The address or number it went to, as it was then.
    recipient: Mapped[str] = mapped_column(sa.String(254))
    dedup_key: Mapped[str | None] = mapped_column(sa.String(128))
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.String(ERROR_LENGTH))
    asked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[created_at]
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
