"""The base form (French messages) and the one way a form's action is run at the request boundary.

Also the fields every form uses for what comes from outside: dates accepted
only between 1900 and 2100, integers written in ASCII digits within the
database's range, ids through ``parse_id``; and the two rules of writes made
through forms (``perform``): a creating form is idempotent (a one-time token
drawn at rendering), an editing form refuses a record changed since it was
shown (the record's version).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import wtforms
from flask import abort, flash, g, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField
from wtforms.fields.choices import SelectChoice
from wtforms.meta import DefaultMeta
from wtforms.validators import StopValidation

from pathways import clock
from pathways.extensions import db
from pathways.security.ids import parse_id, parse_int
from pathways.services import submissions
from pathways.services.pathway import PathwayConflict
from pathways.states import MoveRefused

T = TypeVar("T")

INTEGER_MESSAGE = "Saisissez un nombre entier, en chiffres (de 0 à 9)."
ALREADY_SUBMITTED = (
    "Ce formulaire avait déjà été envoyé : il n'a pas été enregistré une seconde fois."
)


def new_submission_token() -> str:
    return secrets.token_urlsafe(24)


class Form(FlaskForm):
    """A FlaskForm whose built-in messages are WTForms' French ones.

    ``submission`` is the form's one-time token (see ``perform``); templates
    that render fields one by one render it next to the CSRF token.
    """

    class Meta:
        locales = ("fr_FR", "fr")

        def get_translations(self, form: Any) -> Any:
            return DefaultMeta.get_translations(self, form)  # type: ignore[arg-type]

    submission = HiddenField(default=new_submission_token)


class EditForm(Form):
    """A form that changes an existing record: it carries the version it was rendered from."""

    version = HiddenField()

    def track(self, record: Any) -> None:
        """Remember the version of ``record`` this form is rendered from (not on a submission)."""
        if not self.is_submitted():
            self.version.data = record.version


class DateField(wtforms.DateField):
    """A date between 1900 and 2100: year 1 or 9999 gets a French message, never a 500 later."""

    def pre_validate(self, form: Any) -> None:
        super().pre_validate(form)
        if not clock.plausible(self.data):
            self.data = None
            raise StopValidation(clock.DATE_RANGE_MESSAGE)


class IntegerField(wtforms.IntegerField):
    """An integer in ASCII digits ("²" or "٣" are refused), within the database's integer range."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        value = parse_int(valuelist[0])
        if value is None:
            self.data = None
            raise ValueError(INTEGER_MESSAGE)
        self.data = value


def optional_int(value: object) -> int | None:
    """Coerce a select's value (an id) to an int; the empty choice, or anything not an id, to ``None``."""
    if value in (None, "", "None"):
        return None
    return parse_id(value)


def optional_str(value: object) -> str | None:
    return None if value in (None, "", "None") else str(value)


@dataclass
class Outcome(Generic[T]):
    ok: bool
    value: T | None = None
    # The refusal, when there was one: a view may show more than its messages.
    refusal: MoveRefused | None = None


def _submitted_token(form: FlaskForm | None) -> str | None:
    field = getattr(form, "submission", None)
    if field is None or request.method != "POST":
        return None
    return submissions.valid_token(field.data)


def perform(form: FlaskForm | None, action: Callable[[], T], *, editing: Any = None) -> Outcome[T]:
    """Run a service call, commit once; on refusal roll back and put the messages on ``form``.

    The refusal messages (guards, invalid input, a concurrent change) are the
    services' French ones, shown above the form, which keeps what was typed.
    ``editing``: the record an ``EditForm`` changes; refused if its version
    moved since the form was rendered. A creating form's token is claimed in
    the same transaction: its second submission creates nothing and lands
    where the first one led.
    """
    refusal: MoveRefused | None = None
    token = _submitted_token(form)
    try:
        if editing is not None and isinstance(form, EditForm) and form.version.data not in (None, ""):
            # A form posted without its version (a script) still meets the
            # version column's check against concurrent writers at flush.
            submissions.check_version(form.version.data, editing.version)
        if token is not None:
            submissions.claim(db.session, token, getattr(current_user, "id", None))
        value = action()
        db.session.commit()
    except submissions.AlreadySubmitted as replay:
        db.session.rollback()
        flash(ALREADY_SUBMITTED, "info")
        target = replay.target if replay.target and replay.target.startswith("/") else url_for("main.home")
        abort(redirect(target))
    except PathwayConflict as error:
        db.session.rollback()
        messages = [error.message]
    except (submissions.RecordConflict, StaleDataError):
        db.session.rollback()
        messages = [submissions.RecordConflict.message]
        if editing is not None and isinstance(form, EditForm):
            # What was typed stays; the next submission is checked against what is there now.
            form.version.data = editing.version
    except MoveRefused as error:
        db.session.rollback()
        messages = list(error.messages)
        refusal = error
    except Exception:
        db.session.rollback()
        raise
    else:
        if token is not None:
            g.claimed_submission = token
        return Outcome(True, value)
    if form is not None:
        form.form_errors.extend(messages)
    return Outcome(False, refusal=refusal)


def options(pairs: Iterable[Any], empty: str | None = "— Choisir —") -> list[SelectChoice]:
    """The choices of a select, an empty first choice unless ``empty`` is ``None``."""
    first = [SelectChoice("", empty)] if empty is not None else []
    return first + [SelectChoice(value, label) for value, label in pairs]
