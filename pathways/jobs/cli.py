"""``flask --app wsgi worker``: the job queue's consumer (``make worker``; ``make run`` starts one)."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option(
    "--threads", default=2, show_default=True, type=click.IntRange(1, 32), help="Tâches en parallèle."
)
@click.option(
    "--no-periodic",
    is_flag=True,
    help="Ne pas lancer les tâches périodiques (un seul consommateur suffit à les lancer).",
)
@with_appcontext
def worker_command(threads: int, no_periodic: bool) -> None:
    """Run the job queue's consumer until stopped (Ctrl-C or SIGTERM)."""
    from pathways.jobs.queue import huey

    if current_app.config["JOBS_IMMEDIATE"]:
        raise click.UsageError("Les tâches s'exécutent sans file (JOBS_IMMEDIATE) : pas de consommateur.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redis = bool(current_app.config.get("REDIS_URL"))
    click.echo(
        f"File des tâches : {'Redis' if redis else current_app.config['JOBS_QUEUE_PATH']} ; "
        f"{threads} tâche(s) en parallèle."
    )
    consumer = huey.create_consumer(
        workers=threads,
        worker_type="thread",
        periodic=not no_periodic,
        # SQLite storage is polled: a job asked for is picked up within a second.
        # Redis blocks on the queue, the delay hardly matters there.
        initial_delay=0.1,
        max_delay=1.0,
        check_worker_health=True,
    )
    consumer.run()


COMMANDS: tuple[click.Command, ...] = (worker_command,)
