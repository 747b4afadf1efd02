"""Login throttling, counted in the database so it holds across workers and servers.

After ``MAX_FAILURES`` failed logins within ``WINDOW`` for one e-mail address
(whether an account exists or not, so the answer reveals nothing) or from one
client address, further attempts are refused for ``LOCK`` from the failure
that reached the limit. Refused attempts are not counted: the lock ends on
time even while someone keeps trying.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways import clock
from pathways.models import LoginAttempt

MAX_FAILURES = 10
WINDOW = timedelta(minutes=5)
LOCK = timedelta(minutes=5)
# Attempts are only useful this long; older ones are deleted by purge-audit.
KEEP_ATTEMPTS = timedelta(days=1)


def _locked_until(failures: list[datetime]) -> datetime | None:
    """The end of the latest lock the failures (ascending) trigger, if any."""
    until = None
    for index in range(MAX_FAILURES - 1, len(failures)):
        # The failure at ``index`` is the MAX_FAILURES-th within WINDOW?
        if failures[index] - failures[index - MAX_FAILURES + 1] <= WINDOW:
            until = failures[index] + LOCK
    return until


def locked_until(session: Session, email: str, address: str) -> datetime | None:
    """When logins for ``email`` or from ``address`` open again; None when they are open."""
    now = clock.now()
    since = now - WINDOW - LOCK
    ends = []
    for column, value in ((LoginAttempt.email, email), (LoginAttempt.address, address)):
        failures = list(
            session.scalars(
                sa.select(LoginAttempt.attempted_at)
                .where(column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at > since)
                .order_by(LoginAttempt.attempted_at)
            )
        )
        until = _locked_until(failures)
        if until is not None and until > now:
            ends.append(until)
    return max(ends) if ends else None


def record_attempt(session: Session, email: str, address: str, succeeded: bool) -> None:
    session.add(
        LoginAttempt(email=email[:254], address=address[:64], attempted_at=clock.now(), succeeded=succeeded)
    )


def purge_attempts(session: Session) -> int:
    """Forget attempts older than a day (they hold e-mail and client addresses)."""
    cutoff = clock.now() - KEEP_ATTEMPTS
    return session.execute(sa.delete(LoginAttempt).where(LoginAttempt.attempted_at < cutoff)).rowcount
