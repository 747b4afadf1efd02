"""Login throttling, counted in the database so it holds across workers and servers.

Three counters, from the narrowest to the widest (OWASP ASVS 2.2.1, CNIL
délibération n° 2022-100 on passwords: a temporary lock whose length grows):

- the pair (e-mail address typed, client address): the first
  ``PAIR_FREE_FAILURES`` failures since the pair's last success are free (typos);
  after that each new attempt waits ``PAIR_BASE_DELAY`` doubled with every
  further failure, up to ``PAIR_MAX_DELAY``. One person mistyping locks only
  themselves, on that device's network, and nobody else behind the same
  address (an agency's NAT);
- the client address, whatever the account: ``ADDRESS_MAX_FAILURES`` within
  ``ADDRESS_WINDOW`` (far above what a team makes by mistake) closes the
  address for ``ADDRESS_LOCK`` — someone there is trying many accounts;
- the account, whatever the address: ``ACCOUNT_MAX_FAILURES`` within
  ``ACCOUNT_WINDOW`` closes it for ``ACCOUNT_LOCK`` — a guessing campaign
  spread over many addresses. Reaching it takes that many failures from at
  least ``ACCOUNT_MAX_FAILURES / PAIR_FREE_FAILURES`` addresses, where the old
  single counter let anyone lock any account with ten tries.

Refused attempts are not counted: a lock ends on time even while someone
keeps trying. The answer never says whether the account exists.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways import clock
from pathways.models import LoginAttempt

PAIR_FREE_FAILURES = 5
PAIR_BASE_DELAY = timedelta(minutes=1)
PAIR_MAX_DELAY = timedelta(hours=1)
ADDRESS_MAX_FAILURES = 100
ADDRESS_WINDOW = timedelta(minutes=15)
ADDRESS_LOCK = timedelta(minutes=15)
ACCOUNT_MAX_FAILURES = 30
ACCOUNT_WINDOW = timedelta(hours=1)
ACCOUNT_LOCK = timedelta(minutes=15)
# Attempts are only useful this long; older ones are deleted by purge-audit.
KEEP_ATTEMPTS = timedelta(days=1)


def pair_delay(failures: int) -> timedelta | None:
    """How long the pair waits after its ``failures``-th failure in a row (None: no wait)."""
    if failures < PAIR_FREE_FAILURES:
        return None
    doublings = min(failures - PAIR_FREE_FAILURES, 12)
    return min(PAIR_BASE_DELAY * 2**doublings, PAIR_MAX_DELAY)


def _ceiling_until(
    failures: list[datetime], ceiling: int, window: timedelta, lock: timedelta
) -> datetime | None:
    """The end of the latest lock ``ceiling`` failures (ascending) within ``window`` trigger."""
    until = None
    for index in range(ceiling - 1, len(failures)):
        if failures[index] - failures[index - ceiling + 1] <= window:
            until = failures[index] + lock
    return until


def _failures(session: Session, *conditions: sa.ColumnElement[bool]) -> list[datetime]:
    return list(
        session.scalars(
            sa.select(LoginAttempt.attempted_at)
            .where(LoginAttempt.succeeded.is_(False), *conditions)
            .order_by(LoginAttempt.attempted_at)
        )
    )


def locked_until(session: Session, email: str, address: str) -> datetime | None:
    """When ``email`` may try again from ``address``; None when it may now."""
    now = clock.now()
    ends: list[datetime] = []
    pair = (LoginAttempt.email == email, LoginAttempt.address == address)
    last_success = session.scalar(
        sa.select(sa.func.max(LoginAttempt.attempted_at)).where(*pair, LoginAttempt.succeeded.is_(True))
    )
    since = now - KEEP_ATTEMPTS
    if last_success is not None and last_success > since:
        since = last_success
    pair_failures = _failures(session, *pair, LoginAttempt.attempted_at > since)
    delay = pair_delay(len(pair_failures))
    if delay is not None:
        ends.append(pair_failures[-1] + delay)
    for column, value, ceiling, window, lock in (
        (LoginAttempt.address, address, ADDRESS_MAX_FAILURES, ADDRESS_WINDOW, ADDRESS_LOCK),
        (LoginAttempt.email, email, ACCOUNT_MAX_FAILURES, ACCOUNT_WINDOW, ACCOUNT_LOCK),
    ):
        failures = _failures(session, column == value, LoginAttempt.attempted_at > now - window - lock)
        until = _ceiling_until(failures, ceiling, window, lock)
        if until is not None:
            ends.append(until)
    ends = [end for end in ends if end > now]
    return max(ends) if ends else None


def record_attempt(session: Session, email: str, address: str, succeeded: bool) -> None:
    session.add(
        LoginAttempt(email=email[:254], address=address[:64], attempted_at=clock.now(), succeeded=succeeded)
    )


def purge_attempts(session: Session) -> int:
    """Forget attempts older than a day (they hold e-mail and client addresses)."""
    cutoff = clock.now() - KEEP_ATTEMPTS
    return session.execute(sa.delete(LoginAttempt).where(LoginAttempt.attempted_at < cutoff)).rowcount


# --- the public answer links (issue 11) ------------------------------------------------------
#
# A link to the answer page is guessed only by trying many: each invalid link
# is counted in the same table as the login attempts, under a marker no
# e-mail address can be and an address of its own (« lien 1.2.3.4 »), so it
# never counts against a login. The same growing wait as a login pair: the
# first ``PAIR_FREE_FAILURES`` invalid links from an address in a day are
# free (a link cut by a mail client), then 1 minute, 2, 4… up to an hour.
# A valid link never counts, nor does an expired one (it was a real link).

LINK_MARKER = "lien-de-reponse"


def _link_address(address: str) -> str:
    return f"lien {address}"[:64]


def link_locked_until(session: Session, address: str) -> datetime | None:
    """When ``address`` may try an answer link again; None when it may now."""
    since = clock.now() - KEEP_ATTEMPTS
    failures = _failures(
        session,
        LoginAttempt.email == LINK_MARKER,
        LoginAttempt.address == _link_address(address),
        LoginAttempt.attempted_at > since,
    )
    delay = pair_delay(len(failures))
    if delay is None:
        return None
    until = failures[-1] + delay
    return until if until > clock.now() else None


def record_link_failure(session: Session, address: str) -> None:
    record_attempt(session, LINK_MARKER, _link_address(address), succeeded=False)
