"""Folded search names of persons, times of information sessions, first-login password change.

Revision ID: cc9fde792532
Revises: ee9f42cccbff
Create Date: 2026-12-01 15:15:28.626756
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "cc9fde792532"
down_revision = "ee9f42cccbff"
branch_labels = None
depends_on = None

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})


def _search_name(last_name: str, first_name: str) -> str:
    # A frozen copy of pathways.models.person.search_name_of as of this
    # revision: a migration must not change when the application does.
    text = f"{last_name or ''} {first_name or ''}".translate(_LIGATURES)
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    for separator in ("-", "'", "’", "‐", "‑"):
        plain = plain.replace(separator, " ")
    return " ".join(plain.lower().split())[:250]


def upgrade() -> None:
    # Plain ALTER TABLE … ADD COLUMN, not batch mode: a batch would recreate
    # these tables, which other tables reference, and SQLite refuses to drop a
    # referenced table while foreign keys are on.
    op.add_column("info_sessions", sa.Column("starts_at", sa.Time(), nullable=True))
    op.add_column("info_sessions", sa.Column("ends_at", sa.Time(), nullable=True))
    op.add_column(
        "persons", sa.Column("search_name", sa.String(length=250), server_default="", nullable=False)
    )
    persons = sa.table(
        "persons",
        sa.column("id", sa.Integer),
        sa.column("last_name", sa.String),
        sa.column("first_name", sa.String),
        sa.column("search_name", sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(persons.c.id, persons.c.last_name, persons.c.first_name)).all()
    if rows:
        connection.execute(
            persons.update().where(persons.c.id == sa.bindparam("person_id")),
            [{"person_id": r.id, "search_name": _search_name(r.last_name, r.first_name)} for r in rows],
        )

    op.add_column(
        "users", sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+), for the same reason.
    op.drop_column("users", "must_change_password")
    op.drop_column("persons", "search_name")
    op.drop_column("info_sessions", "ends_at")
    op.drop_column("info_sessions", "starts_at")
