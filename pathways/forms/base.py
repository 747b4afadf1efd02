"""The base form (French messages) and the one way a form's action is run at the request boundary."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms.meta import DefaultMeta

from pathways.extensions import db
from pathways.services.pathway import PathwayConflict
from pathways.states import MoveRefused

T = TypeVar("T")


class Form(FlaskForm):
    """A FlaskForm whose built-in messages are WTForms' French ones."""

    class Meta:
        locales = ("fr_FR", "fr")

        def get_translations(self, form: Any) -> Any:
            return DefaultMeta.get_translations(self, form)  # type: ignore[arg-type]


def optional_int(value: object) -> int | None:
    """Coerce a select's value to an int, the empty choice to ``None``."""
    if value in (None, "", "None"):
        return None
    try:
        return int(str(value))
    except ValueError:
        return None


def optional_str(value: object) -> str | None:
    return None if value in (None, "", "None") else str(value)


@dataclass
class Outcome(Generic[T]):
    ok: bool
    value: T | None = None
    # The refusal, when there was one: a view may show more than its messages.
    refusal: MoveRefused | None = None


def perform(form: FlaskForm | None, action: Callable[[], T]) -> Outcome[T]:
    """Run a service call, commit once; on refusal roll back and put the messages on ``form``.

    The refusal messages (guards, invalid input, a concurrent change) are the
    services' French ones, shown above the form, which keeps what was typed.
    """
    refusal: MoveRefused | None = None
    try:
        value = action()
        db.session.commit()
    except PathwayConflict as error:
        db.session.rollback()
        messages = [error.message]
    except MoveRefused as error:
        db.session.rollback()
        messages = list(error.messages)
        refusal = error
    except Exception:
        db.session.rollback()
        raise
    else:
        return Outcome(True, value)
    if form is not None:
        form.form_errors.extend(messages)
    return Outcome(False, refusal=refusal)


def options(pairs: Iterable[Any], empty: str | None = "— Choisir —") -> list[SelectChoice]:
    """The choices of a select, an empty first choice unless ``empty`` is ``None``."""
    first = [SelectChoice("", empty)] if empty is not None else []
    return first + [SelectChoice(value, label) for value, label in pairs]
