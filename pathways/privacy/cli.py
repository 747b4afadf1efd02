"""Commands of personal data: ``retention [--dry-run]`` and ``reencrypt`` (registered by pathways.cli)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from pathways import crypto
from pathways.extensions import db
from pathways.privacy.retention import Candidate, RetentionSettings, platform_slugs, run_retention
from pathways.wording import count


def _lines(found: list[Candidate], slugs: dict[int, str]) -> list[str]:
    return [
        f"  - {slugs.get(c.platform_id, '?')} · personne n° {c.person_id} · {c.full_name} · "
        f"dernier contact le {c.last_contact:%d/%m/%Y} · anonymisation le {c.anonymise_on:%d/%m/%Y}"
        for c in found
    ]


def _persons(number: int, singular: str, plural: str) -> str:
    """« 0 personne n'est anonymisée », « 1 personne serait… », « 3 personnes seraient… »."""
    return f"{count(number, 'personne', 'personnes')} {singular if number < 2 else plural}"


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="Dire qui serait concerné aujourd'hui, sans rien changer.")
@with_appcontext
def retention_command(dry_run: bool) -> None:
    """List who is due within the notice period and anonymise who is due (what the daily job does)."""
    settings = RetentionSettings.of_current_app()
    try:
        run = run_retention(db.session, settings, dry_run=dry_run)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    slugs = platform_slugs(db.session, [c.platform_id for c in run.anonymised + run.listed + run.waiting])
    click.echo(
        f"Conservation : {settings.months} mois après le dernier contact ; annonce au responsable "
        f"{settings.notice_days} jours avant. Au {run.today:%d/%m/%Y}"
        + (" — simulation (--dry-run) : rien n'est modifié." if dry_run else ".")
    )
    if dry_run:
        titles = (
            _persons(len(run.anonymised), "serait anonymisée", "seraient anonymisées"),
            _persons(len(run.listed), "serait annoncée", "seraient annoncées") + " au responsable",
        )
    else:
        titles = (
            _persons(len(run.anonymised), "a été anonymisée", "ont été anonymisées"),
            _persons(len(run.listed), "est annoncée", "sont annoncées") + " au responsable",
        )
    sections = [
        (titles[0], run.anonymised),
        (titles[1], run.listed),
        (
            _persons(len(run.waiting), "déjà annoncée", "déjà annoncées") + ", anonymisation à venir",
            run.waiting,
        ),
    ]
    for title, found in sections:
        click.echo(f"{title}{' :' if found else '.'}")
        for line in _lines(found, slugs):
            click.echo(line)
    if run.withdrawn:
        click.echo(
            _persons(len(run.withdrawn), "revenue", "revenues")
            + " (nouveau contact ou parcours) : "
            + ("l'annonce serait retirée." if dry_run else "l'annonce est retirée.")
        )


@click.command("reencrypt")
@with_appcontext
def reencrypt_command() -> None:
    """Rewrite every encrypted value under the first key of PATHWAYS_ENCRYPTION_KEYS (after a rotation)."""
    try:
        counts = crypto.reencrypt(db.session.connection(), db.metadata)
        db.session.commit()
    except crypto.KeyMissing as error:
        db.session.rollback()
        click.echo(
            f"Erreur : une valeur chiffrée ne s'ouvre avec aucune des clés données ({error}).", err=True
        )
        raise SystemExit(1) from None
    except Exception:
        db.session.rollback()
        raise
    total = sum(counts.values())
    click.echo(
        f"{count(total, 'valeur rechiffrée', 'valeurs rechiffrées')} avec la première clé : "
        + ", ".join(f"{column} {done}" for column, done in counts.items())
        + ". Les anciennes clés peuvent maintenant être retirées de PATHWAYS_ENCRYPTION_KEYS."
    )


COMMANDS: tuple[click.Command, ...] = (retention_command, reencrypt_command)
