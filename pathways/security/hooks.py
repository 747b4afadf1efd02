"""Per-request security: deny by default, session timeouts, headers, the audit trail's commits."""

from __future__ import annotations

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from pathways import audit
from pathways.extensions import db, login_manager
from pathways.security import auth
from pathways.security.access import is_public
from pathways.services import submissions
from pathways.templating import csp_nonce

# No inline script, no plug-in, no framing; styles and scripts from the app only.
CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


# What a user who must choose their password may still reach.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.account", "auth.logout"})
FIRST_LOGIN_MESSAGE = (
    "Choisissez votre mot de passe : celui que l'administrateur·rice vous a donné "
    "ne sert qu'à cette première connexion."
)


def is_static(endpoint: str | None) -> bool:
    return endpoint is not None and (endpoint == "static" or endpoint.endswith(".static"))


def fresh_globals() -> None:
    """Start every request with an empty ``g``.

    A request gets a fresh application context, hence a fresh ``g``, unless
    one is already pushed (tests): then the previous request's user, CSRF
    token and refusals would leak into this one.
    """
    g.__dict__.clear()


def has_nul(values: MultiDict[str, str]) -> bool:
    return any("\x00" in value for value in values.values())


def before_request() -> Response | None:
    g.address_token = audit.current_address.set(auth.client_address())
    if has_nul(request.args) or (request.method == "POST" and has_nul(request.form)):
        # No field ever holds a NUL (PostgreSQL refuses them in text): bad input, not a 500.
        abort(400)
    endpoint = request.endpoint
    if endpoint is None or is_static(endpoint):
        return None  # unknown URLs answer 404; static files hold no personal data
    had_user = "_user_id" in session
    auth.check_timeouts(current_app)
    if had_user and "_user_id" in session and not current_user.is_authenticated:
        auth.forget_ended_session()
    if is_public(current_app.view_functions.get(endpoint)):
        return None
    if not current_user.is_authenticated:
        # Deny by default: a view that forgot its decorator still needs a login.
        return login_manager.unauthorized()
    if current_user.must_change_password and endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        # A password an administrator chose opens one page only: the one to replace it.
        flash(FIRST_LOGIN_MESSAGE, "info")
        return redirect(url_for("auth.account"))
    return None


def after_request(response: Response) -> Response:
    if db.session.info.pop(audit.PENDING_VIEWS, False) and response.status_code < 400:
        # A GET showing a file commits nothing but the trail of that view.
        db.session.commit()
    token = g.pop("claimed_submission", None)
    if token is not None and response.status_code in (301, 302, 303) and response.location:
        # A replay of this form lands where this first submission led.
        submissions.remember_target(db.session, token, response.location)
        db.session.commit()
    response.headers.setdefault("Content-Security-Policy", CSP.format(nonce=csp_nonce()))
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if not is_static(request.endpoint):
        # Pages show personal data: no copy in the browser's or a proxy's cache.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        response.vary.add("Cookie")
    return response


def teardown_request(error: BaseException | None) -> None:
    token = g.pop("address_token", None)
    if token is not None:
        audit.current_address.reset(token)


def init_app(app: Flask) -> None:
    # First of all hooks, before CSRFProtect's, which registered earlier.
    app.before_request_funcs.setdefault(None, []).insert(0, fresh_globals)
    app.before_request(before_request)
    app.after_request(after_request)
    app.teardown_request(teardown_request)
