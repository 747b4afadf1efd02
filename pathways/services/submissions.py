"""Idempotent creating forms and the conflict rule of editable records.

Creating forms carry a one-time token drawn when the form is rendered.
``claim`` records it in the same transaction as what the form creates: the
first submission commits both; a second one (a double click, a replayed
request, the back button) finds the token taken and creates nothing. Two
submissions racing each other collide on the token's primary key.

Editable records carry a version (``version_id_col``): the form holds the
version it was rendered from; a record changed since then, or changed by a
concurrent writer between load and write, is a ``RecordConflict``.
"""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pathways import clock
from pathways.models import FormSubmission

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
# A form left open longer than this is stale anyway; purge-audit deletes older tokens.
KEEP_TOKENS = timedelta(days=2)


class RecordConflict(Exception):
    """Someone else changed the record since the form was shown; nothing was recorded."""

    message = (
        "Cet enregistrement vient d'être modifié par quelqu'un d'autre : rien n'a été enregistré. "
        "Vérifiez la fiche, puis enregistrez de nouveau ; ce que vous avez saisi est conservé."
    )

    def __init__(self) -> None:
        super().__init__(self.message)


class AlreadySubmitted(Exception):
    """The form's token was used already; ``target`` is where its first submission led."""

    def __init__(self, target: str | None) -> None:
        super().__init__("already submitted")
        self.target = target


def valid_token(token: object) -> str | None:
    return token if isinstance(token, str) and TOKEN.fullmatch(token) else None


def claim(session: Session, token: str, user_id: int | None) -> None:
    """Take ``token`` for this transaction; ``AlreadySubmitted`` if it was taken before."""
    existing = session.get(FormSubmission, token)
    if existing is not None:
        raise AlreadySubmitted(existing.target)
    session.add(FormSubmission(token=token, user_id=user_id, submitted_at=clock.now()))
    try:
        # Now, not at commit: a concurrent twin blocks here, then fails on the key.
        session.flush()
    except IntegrityError:
        session.rollback()
        raise AlreadySubmitted(None) from None


def remember_target(session: Session, token: str, target: str) -> None:
    """Where the first submission led (its redirect), for the next replays."""
    session.execute(
        sa.update(FormSubmission).where(FormSubmission.token == token).values(target=target[:500])
    )


def check_version(expected: object, current: int) -> None:
    """The form was rendered from version ``expected``; the record is at ``current``."""
    if str(expected) != str(current):
        raise RecordConflict()


def purge_tokens(session: Session) -> int:
    cutoff = clock.now() - KEEP_TOKENS
    return session.execute(sa.delete(FormSubmission).where(FormSubmission.submitted_at < cutoff)).rowcount
