"""Command line: ``flask --app wsgi COMMAND``.

Each command is one transaction: it commits when the service succeeds and
rolls back otherwise. Bad arguments give a French message and exit 2 (Click's
usage errors) or 1, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click
from flask import Flask
from flask.cli import with_appcontext

from pathways.extensions import db
from pathways.services.pathway import InvalidInput
from pathways.vocabulary import Role

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def transaction() -> Iterator[None]:
    """Commit what the block did, or roll it all back and report in French."""
    try:
        yield
        db.session.commit()
    except InvalidInput as error:
        db.session.rollback()
        for message in error.messages:
            click.echo(f"Erreur : {message}", err=True)
        raise SystemExit(1) from None
    except Exception:
        db.session.rollback()
        raise


def usage_error(ctx: click.Context, message: str) -> None:
    """A bad argument: said in French like the commands' other errors, exit status 2."""
    click.echo(f"Erreur : {message}", err=True)
    ctx.exit(2)


def _role(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if value not in {r.value for r in Role}:
        usage_error(ctx, f"--role : « {value} » n'est pas un rôle (admin, manager, delegate ou adviser).")
    return value


def _demo_size(ctx: click.Context, param: click.Parameter, value: int) -> int:
    if not 1 <= value <= 5000:
        usage_error(ctx, "--persons : entre 1 et 5 000 personnes.")
    return value


@click.command("create-platform")
@click.argument("slug")
@click.argument("name")
@with_appcontext
def create_platform_command(slug: str, name: str) -> None:
    """Create a platform (SLUG: short identifier, NAME: its full name)."""
    from pathways.services.platform import create_platform

    with transaction():
        platform = create_platform(db.session, slug, name)
    click.echo(f"Plateforme « {platform.name} » créée ({platform.slug}).")


@click.command("create-user")
@click.option("--platform", "platform_slug", help="Identifiant de la plateforme (sauf admin).")
@click.option(
    "--role",
    required=True,
    callback=_role,
    help="admin, manager (responsable), delegate (délégué) ou adviser (conseiller).",
)
@click.option("--password", help="Mot de passe ; demandé s'il n'est pas donné.")
@click.option("--name", "full_name", default="", help="Prénom et nom.")
@click.argument("email")
@with_appcontext
def create_user_command(
    platform_slug: str | None, role: str, password: str | None, full_name: str, email: str
) -> None:
    """Create a user account with a role."""
    from pathways.services.platform import create_user, platform_by_slug

    if password is None:
        password = click.prompt(
            "Mot de passe", hide_input=True, confirmation_prompt="Confirmez le mot de passe"
        )
    with transaction():
        platform = None
        if platform_slug:
            platform = platform_by_slug(db.session, platform_slug)
        elif role != Role.ADMIN.value:
            raise InvalidInput(["--platform est obligatoire pour ce rôle."])
        user = create_user(
            db.session,
            email=email,
            role=role,
            password=password,
            platform=platform,
            full_name=full_name,
        )
    click.echo(f"Compte {user.email} ({user.role.label}) créé.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Ne rien faire si la démo existe déjà.")
@click.option(
    "--persons", default=200, show_default=True, type=int, callback=_demo_size, help="Nombre de personnes."
)
@click.option("--seed", default=2026, show_default=True, help="Graine du tirage aléatoire.")
@with_appcontext
def seed_demo_command(if_empty: bool, persons: int, seed: int) -> None:
    """Load the demo platform: two territories, one account per role, ~200 persons."""
    from pathways.demo import DEMO_SLUG, demo_exists, seed_demo

    if demo_exists(db.session):
        if if_empty:
            click.echo("La plateforme de démonstration existe déjà.")
            return
        raise click.ClickException(f"La plateforme de démonstration « {DEMO_SLUG} » existe déjà.")
    with transaction():
        summary = seed_demo(db.session, persons=persons, seed=seed)
    click.echo(
        f"Démo chargée : {summary['persons']} personnes, {summary['pathways']} parcours, "
        f"{summary['events']} événements ; {summary['archived']} dossiers clos il y a près de deux ans "
        "(les anonymisations à venir)."
    )


@click.command("rebuild-summaries")
@click.option("--platform", "slug", default=None, help="Une seule plateforme (son identifiant court).")
@click.option("--check", is_flag=True, help="Comparer sans rien écrire : sortie 1 au premier écart trouvé.")
@with_appcontext
def rebuild_summaries_command(slug: str | None, check: bool) -> None:
    """Recompute each pathway's summary (last contact, alerts' dates, milestones) from its records."""
    import sqlalchemy as sa

    from pathways.models import Pathway, Platform
    from pathways.services import standing, summary

    platform_id = None
    if slug is not None:
        platform_id = db.session.scalar(sa.select(Platform.id).where(Platform.slug == slug))
        if platform_id is None:
            raise click.ClickException(f"La plateforme « {slug} » n'existe pas.")
    if check:
        ids = None
        if platform_id is not None:
            ids = db.session.scalars(sa.select(Pathway.id).where(Pathway.platform_id == platform_id)).all()
        found = summary.mismatches(db.session, ids)
        for pathway_id, column, cached, truth in found[:20]:
            click.echo(f"Parcours {pathway_id} : {column} vaut {cached}, recalculé {truth}.")
        of_persons = standing.mismatches(db.session, platform_id=platform_id)
        for person_id, column, cached, truth in of_persons[:20]:
            click.echo(f"Personne {person_id} : {column} vaut {cached}, recalculé {truth}.")
        click.echo(f"{len(found) + len(of_persons)} écart(s).")
        raise SystemExit(1 if found or of_persons else 0)
    with transaction():
        count = summary.rebuild(db.session, platform_id=platform_id)
        persons = standing.rebuild(db.session, platform_id=platform_id)
    click.echo(f"Résumé recalculé pour {count} parcours et {persons} personnes.")


COMMANDS = (create_platform_command, create_user_command, seed_demo_command, rebuild_summaries_command)
# Other modules keep their commands beside their code, in a COMMANDS tuple.
COMMAND_MODULES = ("pathways.security.cli", "exports.cli", "pathways.jobs.cli", "pathways.privacy.cli")


def register(app: Flask) -> None:
    import importlib

    commands = list(COMMANDS)
    for module_name in COMMAND_MODULES:
        commands.extend(importlib.import_module(module_name).COMMANDS)
    for command in commands:
        app.cli.add_command(command)
