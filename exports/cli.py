"""Commands of the exports and the import (registered by pathways.cli).

Every command checks its arguments first and answers in French: a bad
argument exits 2 (Click's usage error), a refused file or invalid rows exit
1 with the report, never a traceback. Exports and imports are recorded in
the audit trail (the actor is the server's operator: no user).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click
from flask.cli import with_appcontext

from exports.period import PeriodError, reporting_period
from pathways.cli import transaction
from pathways.extensions import db
from pathways.models import Platform

F = TypeVar("F", bound=Callable[..., Any])


def _period(
    year: int | None, start: str | None, end: str | None, *, required: bool = True
) -> tuple[date, date] | None:
    try:
        first = date.fromisoformat(start) if start else None
        last = date.fromisoformat(end) if end else None
    except ValueError:
        raise click.UsageError("Dates attendues au format AAAA-MM-JJ.") from None
    try:
        period = reporting_period(year, first, last)
    except PeriodError as error:
        raise click.UsageError(str(error)) from None
    if period is None and required:
        raise click.UsageError("Indiquez la période : --year AAAA ou --start AAAA-MM-JJ --end AAAA-MM-JJ.")
    return period


def _output(path: str, suffix: str = ".xlsx") -> Path:
    output = Path(path)
    if output.suffix.lower() != suffix:
        raise click.UsageError(f"Le fichier de sortie doit se terminer par {suffix}.")
    if not output.parent.exists():
        raise click.UsageError(f"Le dossier {output.parent} n'existe pas.")
    return output


def _platform(slug: str) -> Platform:
    from pathways.services.pathway import InvalidInput
    from pathways.services.platform import platform_by_slug

    try:
        return platform_by_slug(db.session, slug)
    except InvalidInput as error:
        raise click.UsageError(" ".join(error.messages)) from None


period_options = [
    click.option("--year", type=int, help="Année civile (AAAA)."),
    click.option("--start", help="Début de période (AAAA-MM-JJ)."),
    click.option("--end", help="Fin de période (AAAA-MM-JJ)."),
]


def with_period(function: F) -> F:
    for option in reversed(period_options):
        function = option(function)
    return function


@click.command("export-bilan")
@click.option("--platform", "slug", required=True, help="Identifiant de la plateforme.")
@with_period
@click.option(
    "--national", is_flag=True, help="Produire le fichier national (avec l'identifiant de la plateforme)."
)
@click.option("--with-cohort", is_flag=True, help="Ajouter la cohorte pseudonymisée au bilan.")
@click.option("--pdf", is_flag=True, help="Le bilan en rapport PDF (fichier .pdf) plutôt qu'en classeur.")
@click.option("--output", required=True, help="Fichier .xlsx (ou .pdf avec --pdf) à écrire.")
@with_appcontext
def export_bilan_command(
    slug: str,
    year: int | None,
    start: str | None,
    end: str | None,
    national: bool,
    with_cohort: bool,
    pdf: bool,
    output: str,
) -> None:
    """Write the bilan (or the national file, or the PDF report) of a platform for a year or a period."""
    from exports.bilan import write_bilan, write_national

    period = _period(year, start, end)
    assert period is not None
    if pdf and (national or with_cohort):
        raise click.UsageError("Le rapport PDF est le bilan seul : retirez --national et --with-cohort.")
    target = _output(output, ".pdf" if pdf else ".xlsx")
    platform = _platform(slug)
    if national and with_cohort:
        raise click.UsageError("Le fichier national ne contient pas de cohorte : retirez --with-cohort.")
    with transaction():
        if pdf:
            from exports.pdf import write_bilan_pdf

            bilan = write_bilan_pdf(db.session, platform, *period, target, actor=None)
        elif national:
            bilan = write_national(db.session, platform, *period, target, actor=None)
        else:
            bilan = write_bilan(db.session, platform, *period, target, actor=None, with_cohort=with_cohort)
    kind = "Fichier national" if national else "Rapport PDF du bilan" if pdf else "Bilan"
    click.echo(
        f"{kind} {platform.slug} du {period[0]:%d/%m/%Y} au {period[1]:%d/%m/%Y} écrit dans {target} "
        f"({bilan.value('accompanied_persons')} personnes accompagnées, "
        f"{bilan.value('accompanied')} parcours)."
    )


@click.command("merge-national")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--output", required=True, help="Fichier .xlsx national à écrire.")
@with_appcontext
def merge_national_command(files: tuple[str, ...], output: str) -> None:
    """Stack several platforms' national files into one national workbook."""
    from exports.bilan import NationalFileError, merge_national
    from pathways.imports.safety import FileRefused

    target = _output(output)
    paths = [Path(f) for f in files]
    for path in paths:
        if not path.is_file():
            raise click.UsageError(f"Fichier introuvable : {path}.")
    try:
        bilan = merge_national(paths, target)
    except (NationalFileError, FileRefused) as error:
        click.echo(f"Erreur : {error}", err=True)
        raise SystemExit(1) from None
    click.echo(
        f"Fichier national de {len(paths)} plateformes écrit dans {target} "
        f"({bilan.value('accompanied_persons')} personnes accompagnées, "
        f"{bilan.value('accompanied')} parcours)."
    )


@click.command("export-cohort")
@click.option("--platform", "slug", required=True, help="Identifiant de la plateforme.")
@with_period
@click.option("--identified", is_flag=True, help="Version nominative (tracée dans le journal d'audit).")
@click.option("--output", required=True, help="Fichier .xlsx à écrire.")
@with_appcontext
def export_cohort_command(
    slug: str, year: int | None, start: str | None, end: str | None, identified: bool, output: str
) -> None:
    """Write the cohort (one row per pathway), pseudonymised unless --identified."""
    from exports.cohort import write_cohort

    period = _period(year, start, end, required=False)
    target = _output(output)
    platform = _platform(slug)
    with transaction():
        rows = write_cohort(
            db.session,
            platform,
            target,
            actor=None,
            start=period[0] if period else None,
            end=period[1] if period else None,
            identified=identified,
        )
    kind = "nominative" if identified else "pseudonymisée"
    click.echo(f"Cohorte {kind} de {platform.slug} écrite dans {target} ({rows} parcours).")


@click.command("import-caseload")
@click.option("--platform", "slug", required=True, help="Identifiant de la plateforme.")
@click.option("--dry-run", is_flag=True, help="Vérifier seulement : rien n'est enregistré.")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def import_caseload_command(slug: str, dry_run: bool, file: str) -> None:
    """Import a platform's caseload spreadsheet (.xlsx or .csv); all or nothing.

    The same import as the web's confirmation (``import_file``): on SQLite it
    writes in short chunks, so that the tool's users keep saving meanwhile.
    """
    from pathways.imports.safety import FileRefused
    from pathways.imports.service import (
        ImportBusy,
        import_file,
        record_outcome,
        record_refused_file,
        run_import,
    )

    path = Path(file)
    if not path.is_file():
        raise click.UsageError(f"Fichier introuvable : {path}.")
    platform = _platform(slug)
    try:
        if dry_run:
            report = run_import(db.session, platform, path, actor=None)
        else:
            report = import_file(db.session, platform, path, actor=None)
    except ImportBusy as busy:
        db.session.rollback()
        click.echo(busy.message, err=True)
        raise SystemExit(1) from None
    except FileRefused as refused:
        db.session.rollback()
        with transaction():
            record_refused_file(db.session, platform, actor=None, filename=path.name, reason=refused.message)
        click.echo(f"Fichier refusé : {refused.message}", err=True)
        raise SystemExit(1) from None
    except Exception:
        db.session.rollback()
        raise
    for column in report.unknown_columns:
        click.echo(f"Colonne inconnue ignorée : « {column} ».", err=True)
    if not report.ok:
        db.session.rollback()
        for problem in report.problems:
            where = f"ligne {problem.row}" + (f", colonne {problem.column}" if problem.column else "")
            value = f" (valeur « {problem.value} »)" if problem.value else ""
            click.echo(f"Erreur {where}{value} : {problem.message}", err=True)
        with transaction():
            record_outcome(
                db.session, platform, report, actor=None, action="import.refused", filename=path.name
            )
        click.echo(f"Import refusé : {len(report.problems)} problème(s), rien n'a été enregistré.", err=True)
        raise SystemExit(1)
    summary = (
        f"{report.rows} ligne(s) : {report.persons_created} personne(s) créée(s), "
        f"{report.persons_matched} reconnue(s), {report.pathways_created} parcours créé(s), "
        f"{report.pathways_already_imported} déjà importé(s), {report.events} événement(s)."
    )
    if dry_run:
        db.session.rollback()
        with transaction():
            record_outcome(
                db.session, platform, report, actor=None, action="import.verify", filename=path.name
            )
        click.echo(f"Vérification réussie, rien n'a été enregistré. {summary}")
        return
    with transaction():
        pass  # commits the import and its audit entry
    click.echo(f"Import terminé. {summary}")


COMMANDS: tuple[click.Command, ...] = (
    export_bilan_command,
    merge_national_command,
    export_cohort_command,
    import_caseload_command,
)
