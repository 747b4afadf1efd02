"""Jobs that send: one message (retried), the reminders due (hourly), the Monday digests."""

from __future__ import annotations

import sqlalchemy as sa
from huey import crontab

from pathways.jobs.registry import JobContext, JobFailed, JobResult, hourly, job_kind, periodic_job
from pathways.messaging.mail import DeliveryError
from pathways.models import BackgroundJob

SEND_RETRIES = 3
SEND_RETRY_DELAY = 120
SEND_FAILURE = (
    "Le message n'a pas pu être envoyé malgré plusieurs essais (serveur de messagerie injoignable). "
    "Il est noté « échec » dans le suivi des envois."
)


@job_kind(
    "messages.send",
    label="Envoi d'un message",
    retries=SEND_RETRIES,
    retry_delay=SEND_RETRY_DELAY,
    failure_message=SEND_FAILURE,
)
def send_message(context: JobContext) -> JobResult:
    """Send one logged message; an unreachable server is tried again, a refused address is not."""
    from pathways.services.messaging import deliver_message

    message_id = context.params.get("message_id")
    if not isinstance(message_id, int):
        raise JobFailed("Message inconnu.")
    attempts = context.session.scalar(
        sa.select(BackgroundJob.attempts).where(BackgroundJob.id == context.job_id)
    )
    last_try = (attempts or 1) > SEND_RETRIES
    try:
        outcome = deliver_message(context.session, message_id, last_try=last_try)
    except DeliveryError:
        raise  # the queue tries again after SEND_RETRY_DELAY
    return JobResult(summary={"status": outcome.status.value})


@periodic_job("messages.reminders", label="Rappels des convocations", schedule=hourly(minute=20))
def send_reminders(context: JobContext) -> JobResult:
    """The reminders due now (two working days before, the morning of a week's first day)."""
    from pathways.services.reminders import queue_reminders

    return JobResult(summary={"queued": queue_reminders(context.session)})


# Monday, every hour of the morning (UTC): the first run after 7 a.m. Paris time asks for them,
# the others find them asked for already.
@periodic_job(
    "messages.digest",
    label="Agenda de la semaine par courriel",
    schedule=crontab(day_of_week="1", hour="4-11", minute="35"),
)
def send_digests(context: JobContext) -> JobResult:
    from pathways.services.agenda import queue_digests

    return JobResult(summary={"queued": queue_digests(context.session)})
