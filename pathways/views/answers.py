"""The public answer page: a person answers their convocation through the link it carries.

No login (``public``): the signed link is the only key (``services.answers``).
The page shows the session and the person's first name, nothing else; an
invalid link is counted against the client address like a failed login
(``security.throttle``), and a lock answers 429.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from pathways import clock
from pathways.extensions import db
from pathways.forms.answers import AnswerForm
from pathways.forms.base import perform
from pathways.security import throttle
from pathways.security.access import public
from pathways.security.auth import client_address
from pathways.services import answers
from pathways.services.convocations import info_session_convocation, week_convocation

blueprint = Blueprint("answers", __name__)

TOKEN_MAX_LENGTH = 300


def _page(template: str, status: int, **context: object) -> tuple[str, int, dict[str, str]]:
    # The link is the key: never sent on to another site, never cached.
    return render_template(template, **context), status, {"Referrer-Policy": "no-referrer"}


@blueprint.route("/reponse/<token>", methods=["GET", "POST"])
@public
def show(token: str) -> tuple[str, int, dict[str, str]] | Response:
    address = client_address()
    locked = throttle.link_locked_until(db.session, address)
    if locked is not None:
        minutes = max(1, -(-int((locked - clock.now()).total_seconds()) // 60))
        return _page("answers/refused.html", 429, reason="locked", minutes=minutes)
    try:
        if len(token) > TOKEN_MAX_LENGTH:
            raise answers.LinkInvalid
        invitation = answers.read_token(db.session, token)
    except answers.LinkInvalid:
        throttle.record_link_failure(db.session, address)
        db.session.commit()
        return _page("answers/refused.html", 404, reason="invalid")
    except answers.LinkExpired:
        return _page("answers/refused.html", 410, reason="expired")
    form = AnswerForm()
    status = 200
    if request.method == "POST" and not invitation.answered:
        if form.validate_on_submit():
            outcome = perform(
                form,
                lambda: answers.record_answer(db.session, invitation, form.answer.data, form.reason.data),
            )
            if outcome.ok:
                return redirect(url_for("answers.show", token=token, _anchor="reponse"))
        status = 422
    record = invitation.record
    convocation = (
        info_session_convocation(db.session, record)  # type: ignore[arg-type]
        if invitation.kind == answers.INFO_SESSION
        else week_convocation(db.session, record)  # type: ignore[arg-type]
    )
    return _page(
        "answers/show.html",
        status,
        invitation=invitation,
        c=convocation,
        form=form,
        tz=clock.PLATFORM_TIMEZONE,
    )
