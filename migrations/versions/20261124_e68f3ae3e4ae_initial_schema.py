"""Initial schema: every table of the pathway engine, and the reference lists.

Revision ID: e68f3ae3e4ae
Revises:
Create Date: 2026-11-24 00:40:36.212119
"""

import sqlalchemy as sa
from alembic import op

from pathways import reference

revision = "e68f3ae3e4ae"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certifications",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=True),
        sa.Column("rncp_code", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_certifications")),
    )
    op.create_table(
        "jobs",
        sa.Column("rome_code", sa.String(length=5), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("is_sector_job", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("rome_code", name=op.f("pk_jobs")),
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_login_attempts_address_attempted_at", ["address", "attempted_at"], unique=False
        )
        batch_op.create_index("ix_login_attempts_email_attempted_at", ["email", "attempted_at"], unique=False)

    op.create_table(
        "platforms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platforms")),
        sa.UniqueConstraint("slug", name=op.f("uq_platforms_slug")),
    )
    op.create_table(
        "employers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("siret", sa.String(length=14), nullable=True),
        sa.Column("employer_type", sa.String(length=32), nullable=False),
        sa.Column("city", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_employers_platform_id_platforms"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employers")),
        sa.UniqueConstraint("platform_id", "name", name=op.f("uq_employers_platform_id_name")),
    )
    op.create_table(
        "persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("last_name", sa.String(length=120), nullable=False),
        sa.Column("first_name", sa.String(length=120), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("france_travail_id", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("postal_code", sa.String(length=10), nullable=True),
        sa.Column("city", sa.String(length=120), nullable=True),
        sa.Column("diploma_level", sa.String(length=8), nullable=True),
        sa.Column("is_job_seeker", sa.Boolean(), nullable=False),
        sa.Column("is_rsa_beneficiary", sa.Boolean(), nullable=False),
        sa.Column("is_reconversion", sa.Boolean(), nullable=False),
        sa.Column("is_rqth", sa.Boolean(), nullable=False),
        sa.Column("is_bpi", sa.Boolean(), nullable=False),
        sa.Column("is_qpv_resident", sa.Boolean(), nullable=False),
        sa.Column("is_zrr_resident", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_persons_platform_id_platforms"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
    )
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.create_index(
            "ix_persons_platform_id_birth_date", ["platform_id", "birth_date"], unique=False
        )
        batch_op.create_index(
            "ix_persons_platform_id_france_travail_id", ["platform_id", "france_travail_id"], unique=False
        )

    op.create_table(
        "prescribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prescriber_type", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_prescribers_platform_id_platforms"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prescribers")),
        sa.UniqueConstraint("platform_id", "name", name=op.f("uq_prescribers_platform_id_name")),
    )
    op.create_table(
        "territories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_territories_platform_id_platforms"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_territories")),
        sa.UniqueConstraint("platform_id", "name", name=op.f("uq_territories_platform_id_name")),
    )
    op.create_table(
        "training_organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_training_organisations_platform_id_platforms"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_organisations")),
        sa.UniqueConstraint("platform_id", "name", name=op.f("uq_training_organisations_platform_id_name")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("session_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "role = 'admin' OR platform_id IS NOT NULL", name=op.f("ck_users_platform_required")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_users_platform_id_platforms"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_platform_id"), ["platform_id"], unique=False)

    op.create_table(
        "adviser_replacements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("replaced_id", sa.Integer(), nullable=False),
        sa.Column("replacing_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_adviser_replacements_dates_ordered")),
        sa.ForeignKeyConstraint(
            ["granted_by_id"],
            ["users.id"],
            name=op.f("fk_adviser_replacements_granted_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_adviser_replacements_platform_id_platforms"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["replaced_id"],
            ["users.id"],
            name=op.f("fk_adviser_replacements_replaced_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["replacing_id"],
            ["users.id"],
            name=op.f("fk_adviser_replacements_replacing_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adviser_replacements")),
    )
    with op.batch_alter_table("adviser_replacements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_adviser_replacements_replaced_id"), ["replaced_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_adviser_replacements_replacing_id"), ["replacing_id"], unique=False
        )

    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=True),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_audit_entries_platform_id_platforms"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_audit_entries_user_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entries_occurred_at"), ["occurred_at"], unique=False)
        batch_op.create_index(
            "ix_audit_entries_platform_id_occurred_at", ["platform_id", "occurred_at"], unique=False
        )

    op.create_table(
        "info_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=True),
        sa.Column("delegate_id", sa.Integer(), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("seats > 0", name=op.f("ck_info_sessions_seats_positive")),
        sa.ForeignKeyConstraint(
            ["delegate_id"],
            ["users.id"],
            name=op.f("fk_info_sessions_delegate_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_info_sessions_platform_id_platforms"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_info_sessions_territory_id_territories"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_info_sessions")),
    )
    with op.batch_alter_table("info_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_info_sessions_platform_id_held_on", ["platform_id", "held_on"], unique=False
        )

    op.create_table(
        "orientation_weeks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=True),
        sa.Column("delegate_id", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("seats > 0", name=op.f("ck_orientation_weeks_seats_positive")),
        sa.ForeignKeyConstraint(
            ["delegate_id"],
            ["users.id"],
            name=op.f("fk_orientation_weeks_delegate_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_orientation_weeks_platform_id_platforms"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_orientation_weeks_territory_id_territories"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orientation_weeks")),
    )
    with op.batch_alter_table("orientation_weeks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orientation_weeks_platform_id_starts_on", ["platform_id", "starts_on"], unique=False
        )

    op.create_table(
        "pathways",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=True),
        sa.Column("prescriber_type", sa.String(length=32), nullable=True),
        sa.Column("prescriber_id", sa.Integer(), nullable=True),
        sa.Column("delegate_id", sa.Integer(), nullable=True),
        sa.Column("adviser_id", sa.Integer(), nullable=True),
        sa.Column("target_job_code", sa.String(length=5), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("last_event_on", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["adviser_id"], ["users.id"], name=op.f("fk_pathways_adviser_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["delegate_id"], ["users.id"], name=op.f("fk_pathways_delegate_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_pathways_person_id_persons"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_pathways_platform_id_platforms"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["prescriber_id"],
            ["prescribers.id"],
            name=op.f("fk_pathways_prescriber_id_prescribers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["target_job_code"],
            ["jobs.rome_code"],
            name=op.f("fk_pathways_target_job_code_jobs"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_pathways_territory_id_territories"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathways")),
    )
    with op.batch_alter_table("pathways", schema=None) as batch_op:
        batch_op.create_index(
            "ix_pathways_adviser_id_state_last_event_on",
            ["adviser_id", "state", "last_event_on"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_pathways_delegate_id"), ["delegate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pathways_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_pathways_platform_id_state", ["platform_id", "state"], unique=False)
        batch_op.create_index(batch_op.f("ix_pathways_territory_id"), ["territory_id"], unique=False)

    op.create_table(
        "user_territories",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["territory_id"],
            ["territories.id"],
            name=op.f("fk_user_territories_territory_id_territories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_territories_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "territory_id", name=op.f("pk_user_territories")),
    )
    op.create_table(
        "adviser_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.Column("adviser_id", sa.Integer(), nullable=False),
        sa.Column("assigned_on", sa.Date(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("handover_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["adviser_id"],
            ["users.id"],
            name=op.f("fk_adviser_assignments_adviser_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"],
            ["users.id"],
            name=op.f("fk_adviser_assignments_assigned_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["pathway_id"],
            ["pathways.id"],
            name=op.f("fk_adviser_assignments_pathway_id_pathways"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adviser_assignments")),
    )
    with op.batch_alter_table("adviser_assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_adviser_assignments_pathway_id"), ["pathway_id"], unique=False)

    op.create_table(
        "barriers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("identified_on", sa.Date(), nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "category <> 'other' OR details IS NOT NULL", name=op.f("ck_barriers_other_needs_details")
        ),
        sa.ForeignKeyConstraint(
            ["pathway_id"], ["pathways.id"], name=op.f("fk_barriers_pathway_id_pathways"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_barriers_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_barriers")),
    )
    with op.batch_alter_table("barriers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_barriers_pathway_id"), ["pathway_id"], unique=False)

    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("employer_type", sa.String(length=32), nullable=False),
        sa.Column("job_code", sa.String(length=5), nullable=False),
        sa.Column("contract_type", sa.String(length=24), nullable=False),
        sa.Column("cdd_months", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("hours_per_week", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(contract_type = 'cdd') = (cdd_months IS NOT NULL)",
            name=op.f("ck_contracts_cdd_states_its_length"),
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
            name=op.f("fk_contracts_employer_id_employers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["job_code"], ["jobs.rome_code"], name=op.f("fk_contracts_job_code_jobs"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["pathway_id"],
            ["pathways.id"],
            name=op.f("fk_contracts_pathway_id_pathways"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
    )
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contracts_pathway_id"), ["pathway_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contracts_starts_on"), ["starts_on"], unique=False)

    op.create_table(
        "diagnostics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.Column("week_id", sa.Integer(), nullable=True),
        sa.Column("written_on", sa.Date(), nullable=False),
        sa.Column("basic_skills", sa.Text(), nullable=True),
        sa.Column("professional_values", sa.Text(), nullable=True),
        sa.Column("barriers_and_levers", sa.Text(), nullable=True),
        sa.Column("project_validated", sa.Boolean(), nullable=False),
        sa.Column("target_job_code", sa.String(length=5), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_diagnostics_author_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["pathway_id"],
            ["pathways.id"],
            name=op.f("fk_diagnostics_pathway_id_pathways"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["target_job_code"],
            ["jobs.rome_code"],
            name=op.f("fk_diagnostics_target_job_code_jobs"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["week_id"],
            ["orientation_weeks.id"],
            name=op.f("fk_diagnostics_week_id_orientation_weeks"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnostics")),
    )
    with op.batch_alter_table("diagnostics", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_diagnostics_pathway_id"), ["pathway_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_diagnostics_written_on"), ["written_on"], unique=False)

    op.create_table(
        "immersions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("tutor_name", sa.String(length=200), nullable=True),
        sa.Column("tutor_job", sa.String(length=200), nullable=True),
        sa.Column("tutor_contact", sa.String(length=200), nullable=True),
        sa.Column("prescriber_type", sa.String(length=32), nullable=True),
        sa.Column("objective", sa.String(length=16), nullable=True),
        sa.Column("job_code", sa.String(length=5), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("employer_feedback", sa.Text(), nullable=True),
        sa.Column("leads_to", sa.String(length=16), nullable=True),
        sa.Column("assessed_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_immersions_dates_ordered")),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
            name=op.f("fk_immersions_employer_id_employers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["job_code"], ["jobs.rome_code"], name=op.f("fk_immersions_job_code_jobs"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["pathway_id"],
            ["pathways.id"],
            name=op.f("fk_immersions_pathway_id_pathways"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_immersions")),
    )
    with op.batch_alter_table("immersions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_immersions_ends_on"), ["ends_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_immersions_pathway_id"), ["pathway_id"], unique=False)

    op.create_table(
        "info_session_attendances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_info_session_attendances_person_id_persons"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["info_sessions.id"],
            name=op.f("fk_info_session_attendances_session_id_info_sessions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_info_session_attendances")),
        sa.UniqueConstraint(
            "session_id", "person_id", name=op.f("uq_info_session_attendances_session_id_person_id")
        ),
    )
    with op.batch_alter_table("info_session_attendances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_info_session_attendances_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("written_on", sa.Date(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_notes_author_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["pathway_id"], ["pathways.id"], name=op.f("fk_notes_pathway_id_pathways"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
    )
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notes_pathway_id"), ["pathway_id"], unique=False)

    op.create_table(
        "orientation_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week_id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.Column("availability_confirmed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pathway_id"],
            ["pathways.id"],
            name=op.f("fk_orientation_participants_pathway_id_pathways"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["week_id"],
            ["orientation_weeks.id"],
            name=op.f("fk_orientation_participants_week_id_orientation_weeks"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orientation_participants")),
        sa.UniqueConstraint(
            "week_id", "pathway_id", name=op.f("uq_orientation_participants_week_id_pathway_id")
        ),
    )
    with op.batch_alter_table("orientation_participants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_orientation_participants_pathway_id"), ["pathway_id"], unique=False
        )

    op.create_table(
        "pathway_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "(sequence = 1) = (from_state IS NULL)",
            name=op.f("ck_pathway_events_only_first_event_without_origin"),
        ),
        sa.CheckConstraint("sequence >= 1", name=op.f("ck_pathway_events_sequence_positive")),
        sa.ForeignKeyConstraint(
            ["pathway_id"],
            ["pathways.id"],
            name=op.f("fk_pathway_events_pathway_id_pathways"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_pathway_events_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway_events")),
        sa.UniqueConstraint("pathway_id", "sequence", name=op.f("uq_pathway_events_pathway_id_sequence")),
    )
    with op.batch_alter_table("pathway_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_pathway_events_trigger_occurred_on", ["trigger", "occurred_on"], unique=False
        )

    op.create_table(
        "referents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.Column("organisation_type", sa.String(length=16), nullable=False),
        sa.Column("organisation_name", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pathway_id"],
            ["pathways.id"],
            name=op.f("fk_referents_pathway_id_pathways"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referents")),
    )
    with op.batch_alter_table("referents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referents_pathway_id"), ["pathway_id"], unique=False)

    op.create_table(
        "trainings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("certification_code", sa.String(length=32), nullable=False),
        sa.Column("funding", sa.String(length=16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("hours", sa.Integer(), nullable=True),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on", name=op.f("ck_trainings_dates_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["certification_code"],
            ["certifications.code"],
            name=op.f("fk_trainings_certification_code_certifications"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["training_organisations.id"],
            name=op.f("fk_trainings_organisation_id_training_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["pathway_id"],
            ["pathways.id"],
            name=op.f("fk_trainings_pathway_id_pathways"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trainings")),
    )
    with op.batch_alter_table("trainings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trainings_pathway_id"), ["pathway_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_trainings_starts_on"), ["starts_on"], unique=False)

    op.create_table(
        "barrier_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("barrier_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("action_taken", sa.Text(), nullable=True),
        sa.Column("partner", sa.String(length=200), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["barrier_id"],
            ["barriers.id"],
            name=op.f("fk_barrier_status_changes_barrier_id_barriers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_barrier_status_changes_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_barrier_status_changes")),
    )
    with op.batch_alter_table("barrier_status_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_barrier_status_changes_barrier_id"), ["barrier_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_barrier_status_changes_changed_on"), ["changed_on"], unique=False
        )

    op.create_table(
        "checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=True),
        sa.Column("still_in_post", sa.Boolean(), nullable=True),
        sa.Column("difficulties", sa.Text(), nullable=True),
        sa.Column("action_taken", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(recorded_on IS NULL) = (still_in_post IS NULL)",
            name=op.f("ck_checkpoints_recorded_with_answer"),
        ),
        sa.CheckConstraint("month IN (1, 3, 6)", name=op.f("ck_checkpoints_month_known")),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_checkpoints_contract_id_contracts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["pathway_id"],
            ["pathways.id"],
            name=op.f("fk_checkpoints_pathway_id_pathways"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_checkpoints_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoints")),
        sa.UniqueConstraint("contract_id", "month", name=op.f("uq_checkpoints_contract_id_month")),
    )
    with op.batch_alter_table("checkpoints", schema=None) as batch_op:
        batch_op.create_index("ix_checkpoints_due_on_recorded_on", ["due_on", "recorded_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_checkpoints_pathway_id"), ["pathway_id"], unique=False)

    op.create_table(
        "exchanges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.Column("referent_id", sa.Integer(), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("participants", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("next_step", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pathway_id"],
            ["pathways.id"],
            name=op.f("fk_exchanges_pathway_id_pathways"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_exchanges_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["referent_id"],
            ["referents.id"],
            name=op.f("fk_exchanges_referent_id_referents"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchanges")),
    )
    with op.batch_alter_table("exchanges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exchanges_pathway_id"), ["pathway_id"], unique=False)

    op.create_table(
        "orientation_attendances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.CheckConstraint("day BETWEEN 1 AND 5", name=op.f("ck_orientation_attendances_day_in_week")),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["orientation_participants.id"],
            name=op.f("fk_orientation_attendances_participant_id_orientation_participants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orientation_attendances")),
        sa.UniqueConstraint(
            "participant_id", "day", name=op.f("uq_orientation_attendances_participant_id_day")
        ),
    )
    op.create_table(
        "road_map_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("diagnostic_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["diagnostic_id"],
            ["diagnostics.id"],
            name=op.f("fk_road_map_steps_diagnostic_id_diagnostics"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_road_map_steps")),
    )
    with op.batch_alter_table("road_map_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_road_map_steps_diagnostic_id"), ["diagnostic_id"], unique=False)

    # The jobs and certifications the forms and the import refer to.
    reference.sync(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("road_map_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_road_map_steps_diagnostic_id"))

    op.drop_table("road_map_steps")
    op.drop_table("orientation_attendances")
    with op.batch_alter_table("exchanges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchanges_pathway_id"))

    op.drop_table("exchanges")
    with op.batch_alter_table("checkpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkpoints_pathway_id"))
        batch_op.drop_index("ix_checkpoints_due_on_recorded_on")

    op.drop_table("checkpoints")
    with op.batch_alter_table("barrier_status_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_barrier_status_changes_changed_on"))
        batch_op.drop_index(batch_op.f("ix_barrier_status_changes_barrier_id"))

    op.drop_table("barrier_status_changes")
    with op.batch_alter_table("trainings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trainings_starts_on"))
        batch_op.drop_index(batch_op.f("ix_trainings_pathway_id"))

    op.drop_table("trainings")
    with op.batch_alter_table("referents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referents_pathway_id"))

    op.drop_table("referents")
    with op.batch_alter_table("pathway_events", schema=None) as batch_op:
        batch_op.drop_index("ix_pathway_events_trigger_occurred_on")

    op.drop_table("pathway_events")
    with op.batch_alter_table("orientation_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orientation_participants_pathway_id"))

    op.drop_table("orientation_participants")
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notes_pathway_id"))

    op.drop_table("notes")
    with op.batch_alter_table("info_session_attendances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_info_session_attendances_person_id"))

    op.drop_table("info_session_attendances")
    with op.batch_alter_table("immersions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_immersions_pathway_id"))
        batch_op.drop_index(batch_op.f("ix_immersions_ends_on"))

    op.drop_table("immersions")
    with op.batch_alter_table("diagnostics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_diagnostics_written_on"))
        batch_op.drop_index(batch_op.f("ix_diagnostics_pathway_id"))

    op.drop_table("diagnostics")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contracts_starts_on"))
        batch_op.drop_index(batch_op.f("ix_contracts_pathway_id"))

    op.drop_table("contracts")
    with op.batch_alter_table("barriers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_barriers_pathway_id"))

    op.drop_table("barriers")
    with op.batch_alter_table("adviser_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_adviser_assignments_pathway_id"))

    op.drop_table("adviser_assignments")
    op.drop_table("user_territories")
    with op.batch_alter_table("pathways", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pathways_territory_id"))
        batch_op.drop_index("ix_pathways_platform_id_state")
        batch_op.drop_index(batch_op.f("ix_pathways_person_id"))
        batch_op.drop_index(batch_op.f("ix_pathways_delegate_id"))
        batch_op.drop_index("ix_pathways_adviser_id_state_last_event_on")

    op.drop_table("pathways")
    with op.batch_alter_table("orientation_weeks", schema=None) as batch_op:
        batch_op.drop_index("ix_orientation_weeks_platform_id_starts_on")

    op.drop_table("orientation_weeks")
    with op.batch_alter_table("info_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_info_sessions_platform_id_held_on")

    op.drop_table("info_sessions")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_platform_id_occurred_at")
        batch_op.drop_index(batch_op.f("ix_audit_entries_occurred_at"))

    op.drop_table("audit_entries")
    with op.batch_alter_table("adviser_replacements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_adviser_replacements_replacing_id"))
        batch_op.drop_index(batch_op.f("ix_adviser_replacements_replaced_id"))

    op.drop_table("adviser_replacements")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_platform_id"))

    op.drop_table("users")
    op.drop_table("training_organisations")
    op.drop_table("territories")
    op.drop_table("prescribers")
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index("ix_persons_platform_id_france_travail_id")
        batch_op.drop_index("ix_persons_platform_id_birth_date")

    op.drop_table("persons")
    op.drop_table("employers")
    op.drop_table("platforms")
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempts_email_attempted_at")
        batch_op.drop_index("ix_login_attempts_address_attempted_at")

    op.drop_table("login_attempts")
    op.drop_table("jobs")
    op.drop_table("certifications")
