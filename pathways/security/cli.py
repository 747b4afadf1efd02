"""Commands of the security part (registered by pathways.cli)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from pathways import audit
from pathways.extensions import db
from pathways.security import throttle
from pathways.services import submissions
from pathways.wording import count


@click.command("purge-audit")
@click.option(
    "--older-than-months",
    "months",
    type=int,
    default=audit.RETENTION_MONTHS,
    show_default=True,
    help="Supprimer les entrées plus anciennes que ce nombre de mois (6 au minimum).",
)
@with_appcontext
def purge_audit_command(months: int) -> None:
    """Delete audit entries older than the retention period (12 months; never under 6)."""
    if months < audit.MIN_RETENTION_MONTHS:
        click.echo(
            f"Erreur : le journal d'audit est conservé au moins {audit.MIN_RETENTION_MONTHS} mois ; "
            f"--older-than-months {months} est refusé.",
            err=True,
        )
        raise SystemExit(2)
    try:
        deleted = audit.purge(db.session, months)
        attempts = throttle.purge_attempts(db.session)
        submissions.purge_tokens(db.session)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(
        f"{count(deleted, 'entrée', 'entrées')} du journal d'audit de plus de {months} mois "
        f"{'supprimée' if deleted < 2 else 'supprimées'} ; "
        f"{count(attempts, 'tentative', 'tentatives')} de connexion de plus d'un jour "
        f"{'oubliée' if attempts < 2 else 'oubliées'}."
    )


COMMANDS: tuple[click.Command, ...] = (purge_audit_command,)
