"""The public answer page's form: one of three answers, and an optional reason."""

from __future__ import annotations

from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from pathways.forms.base import Form, options
from pathways.models.orientation import ANSWER_REASON_LENGTH
from pathways.vocabulary import InvitationAnswer


class AnswerForm(Form):
    answer = RadioField(
        "Votre réponse",
        choices=options(InvitationAnswer.choices(), empty=None),
        validators=[DataRequired(message="Choisissez l'une des trois réponses.")],
    )
    reason = TextAreaField(
        "Un mot pour nous (facultatif)",
        description="Si vous ne pouvez pas venir : pourquoi. Pour être rappelé·e : quand vous joindre.",
        validators=[Optional(), Length(max=ANSWER_REASON_LENGTH, message="300 caractères au plus.")],
    )
