"""Personal data (issue 12): notes and freins encrypted at rest; notice, opposition and retention on persons.

Existing notes' bodies, freins' details and their status changes' actions
and partners are encrypted with the first key of ``ENCRYPTION_KEYS`` (the
application's configuration: ``PATHWAYS_ENCRYPTION_KEYS`` or the key kept in
``instance/``); the downgrade decrypts them. A frein status change's partner
becomes ``Text`` (a token is longer than the 200 characters it encrypts).

The downgrade refuses to run once the tool recorded what version 1 cannot
hold — an information notice given, an opposition, an anonymisation —
rather than losing it silently.

Revision ID: 67ad18facb7e
Revises: 8fda351a4c94
Create Date: 2026-12-01 17:33:16.367659
"""

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

from pathways import crypto

revision = "67ad18facb7e"
down_revision = "8fda351a4c94"
branch_labels = None
depends_on = None

# (table, column): every column this migration encrypts.
ENCRYPTED = (
    ("notes", "body"),
    ("barriers", "details"),
    ("barrier_status_changes", "action_taken"),
    ("barrier_status_changes", "partner"),
)
BATCH = 500


def _opens(value: str) -> bool:
    try:
        crypto.decrypt(value)
    except crypto.KeyMissing:
        return False
    return True


def _rewrite(table: str, column: str, change: Callable[[str], str | None]) -> None:
    """Apply ``change`` to every non-empty value of ``table.column`` (``None``: leave it), by batches of ids."""
    connection = op.get_bind()
    rows = sa.table(table, sa.column("id", sa.Integer), sa.column(column, sa.Text))
    last = 0
    while True:
        batch = connection.execute(
            sa.select(rows.c.id, rows.c[column])
            .where(rows.c.id > last, rows.c[column].is_not(None), rows.c[column] != "")
            .order_by(rows.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        for row_id, value in batch:
            changed = change(value)
            if changed is not None:
                connection.execute(sa.update(rows).where(rows.c.id == row_id).values({column: changed}))
        last = batch[-1][0]


def upgrade() -> None:
    with op.batch_alter_table("barrier_status_changes", schema=None) as batch_op:
        batch_op.alter_column(
            "partner", existing_type=sa.VARCHAR(length=200), type_=sa.Text(), existing_nullable=True
        )

    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("informed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("informed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("opposed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("opposed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("retention_notice_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("anonymised_on", sa.Date(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_persons_informed_by_id_users"),
            "users",
            ["informed_by_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_persons_opposed_by_id_users"),
            "users",
            ["opposed_by_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    for table, column in ENCRYPTED:
        # A value that already opens was encrypted by an earlier, interrupted run.
        _rewrite(table, column, lambda value: None if _opens(value) else crypto.encrypt(value))


def downgrade() -> None:
    connection = op.get_bind()
    recorded = connection.execute(
        sa.text(
            "SELECT count(*) FROM persons WHERE informed_on IS NOT NULL OR opposed_on IS NOT NULL "
            "OR anonymised_on IS NOT NULL"
        )
    ).scalar_one()
    if recorded:
        raise RuntimeError(
            f"Refused: {recorded} persons carry an information notice given, an opposition or an "
            "anonymisation, which the previous schema cannot hold."
        )
    for table, column in ENCRYPTED:
        _rewrite(table, column, lambda value: crypto.decrypt(value) if _opens(value) else None)

    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_persons_opposed_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_persons_informed_by_id_users"), type_="foreignkey")
        batch_op.drop_column("anonymised_on")
        batch_op.drop_column("retention_notice_on")
        batch_op.drop_column("opposed_by_id")
        batch_op.drop_column("opposed_on")
        batch_op.drop_column("informed_by_id")
        batch_op.drop_column("informed_on")

    with op.batch_alter_table("barrier_status_changes", schema=None) as batch_op:
        batch_op.alter_column(
            "partner", existing_type=sa.Text(), type_=sa.VARCHAR(length=200), existing_nullable=True
        )
