"""Convocations and answers, attendance statuses, contact preferences, the message log, dated next steps.

Revision ID: 8fda351a4c94
Revises: 5d29db8a82dd
Create Date: 2026-12-02 09:00:00.000000

Attendance at an information session becomes a status. What was recorded
is carried over with nothing lost: ``present`` true → « présent »,
false → « absent », not yet noted → « inscrit » (nobody was convoked by the
tool before this revision, so none is « convoqué »). The downgrade writes
``present`` back (« excusé » becomes false, like « absent »: version 1 had no
excuse; the statuses before the session become unknown again) and drops
the answers, the contact preferences and the message log.
"""

import sqlalchemy as sa
from alembic import op

revision = "8fda351a4c94"
down_revision = "5d29db8a82dd"
branch_labels = None
depends_on = None

attendances = sa.table(
    "info_session_attendances",
    sa.column("id", sa.Integer),
    sa.column("present", sa.Boolean),
    sa.column("status", sa.String),
)


def upgrade() -> None:
    # Plain ALTER TABLE … ADD/DROP COLUMN, never batch mode: a batch recreates
    # the table, and SQLite refuses to drop a table others reference while
    # foreign keys are on (see cc9fde792532).
    op.add_column(
        "info_session_attendances",
        sa.Column("status", sa.String(length=16), server_default="registered", nullable=False),
    )
    op.execute(attendances.update().where(attendances.c.present.is_(True)).values(status="present"))
    op.execute(attendances.update().where(attendances.c.present.is_(False)).values(status="absent"))
    op.drop_column("info_session_attendances", "present")
    for table in ("info_session_attendances", "orientation_participants"):
        op.add_column(table, sa.Column("convoked_at", sa.DateTime(timezone=True), nullable=True))
        op.add_column(table, sa.Column("answer", sa.String(length=16), nullable=True))
        op.add_column(table, sa.Column("answer_reason", sa.String(length=300), nullable=True))
        op.add_column(table, sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True))
        op.add_column(table, sa.Column("called_back_on", sa.Date(), nullable=True))

    op.add_column("orientation_weeks", sa.Column("starts_at", sa.Time(), nullable=True))
    op.add_column("orientation_weeks", sa.Column("ends_at", sa.Time(), nullable=True))
    for table in ("info_sessions", "orientation_weeks"):
        op.add_column(table, sa.Column("access", sa.String(length=500), nullable=True))
        op.add_column(table, sa.Column("contact_phone", sa.String(length=32), nullable=True))

    op.add_column(
        "persons", sa.Column("email_allowed", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.add_column(
        "persons", sa.Column("sms_allowed", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("persons", sa.Column("contact_preferences_on", sa.Date(), nullable=True))
    op.add_column(
        "users", sa.Column("weekly_digest", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("exchanges", sa.Column("next_step_on", sa.Date(), nullable=True))
    op.add_column("exchanges", sa.Column("next_step_done_on", sa.Date(), nullable=True))

    op.create_table(
        "outgoing_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("attendance_id", sa.Integer(), nullable=True),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("dedup_key", sa.String(length=128), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("asked_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "person_id IS NOT NULL OR user_id IS NOT NULL", name=op.f("ck_outgoing_messages_has_recipient")
        ),
        sa.ForeignKeyConstraint(
            ["asked_by_id"],
            ["users.id"],
            name=op.f("fk_outgoing_messages_asked_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["attendance_id"],
            ["info_session_attendances.id"],
            name=op.f("fk_outgoing_messages_attendance_id_info_session_attendances"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["orientation_participants.id"],
            name=op.f("fk_outgoing_messages_participant_id_orientation_participants"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_outgoing_messages_person_id_persons"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_outgoing_messages_platform_id_platforms"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_outgoing_messages_user_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_messages")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_outgoing_messages_dedup_key")),
    )
    op.create_index("ix_outgoing_messages_attendance_id", "outgoing_messages", ["attendance_id"])
    op.create_index("ix_outgoing_messages_participant_id", "outgoing_messages", ["participant_id"])
    op.create_index("ix_outgoing_messages_person_id", "outgoing_messages", ["person_id"])
    op.create_index("ix_outgoing_messages_user_id", "outgoing_messages", ["user_id"])
    op.create_index(
        "ix_outgoing_messages_platform_id_created_at", "outgoing_messages", ["platform_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_outgoing_messages_platform_id_created_at", table_name="outgoing_messages")
    op.drop_index("ix_outgoing_messages_user_id", table_name="outgoing_messages")
    op.drop_index("ix_outgoing_messages_person_id", table_name="outgoing_messages")
    op.drop_index("ix_outgoing_messages_participant_id", table_name="outgoing_messages")
    op.drop_index("ix_outgoing_messages_attendance_id", table_name="outgoing_messages")
    op.drop_table("outgoing_messages")

    op.drop_column("exchanges", "next_step_done_on")
    op.drop_column("exchanges", "next_step_on")
    op.drop_column("users", "weekly_digest")
    op.drop_column("persons", "contact_preferences_on")
    op.drop_column("persons", "sms_allowed")
    op.drop_column("persons", "email_allowed")
    for table in ("info_sessions", "orientation_weeks"):
        op.drop_column(table, "contact_phone")
        op.drop_column(table, "access")
    op.drop_column("orientation_weeks", "ends_at")
    op.drop_column("orientation_weeks", "starts_at")
    for table in ("info_session_attendances", "orientation_participants"):
        op.drop_column(table, "called_back_on")
        op.drop_column(table, "answered_at")
        op.drop_column(table, "answer_reason")
        op.drop_column(table, "answer")
        op.drop_column(table, "convoked_at")

    op.add_column("info_session_attendances", sa.Column("present", sa.Boolean(), nullable=True))
    op.execute(attendances.update().where(attendances.c.status == "present").values(present=True))
    op.execute(
        attendances.update().where(attendances.c.status.in_(("absent", "excused"))).values(present=False)
    )
    op.drop_column("info_session_attendances", "status")
