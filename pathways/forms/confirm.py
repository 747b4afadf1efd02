"""The server side of a confirmation dialog (templates/macros/confirm.html)."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm

# The name and value the dialog's button sends; nothing else confirms.
CONFIRMATION_FIELD = "confirmation"
CONFIRMED = "oui"
NOT_CONFIRMED = "Confirmez dans la fenêtre qui s'ouvre : rien n'a encore été fait."


def confirmed(form: FlaskForm, message: str = NOT_CONFIRMED) -> bool:
    """Whether the user confirmed in the dialog; if not, ``message`` goes above the form."""
    if request.form.get(CONFIRMATION_FIELD) == CONFIRMED:
        return True
    form.form_errors.append(message)
    return False
