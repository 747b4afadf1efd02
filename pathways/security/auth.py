"""Login, the logged-in user and the session's lifetime (Flask-Login, signed cookie sessions).

The session cookie is signed, not stored server-side: what ends a session on
the server is the user's ``session_token``, part of the Flask-Login id and
rotated at logout and deactivation. The cookie also carries the login time
and the last request's time, checked on every request (absolute and idle
timeouts).
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask import Flask, flash, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_login import login_user, logout_user
from sqlalchemy.orm import Session

from pathways import audit, clock
from pathways.extensions import db, login_manager
from pathways.models import User
from pathways.passwords import hash_password, needs_rehash, verify_password
from pathways.security import throttle

logger = logging.getLogger("pathways.security")

login_manager.login_view = "auth.login"
login_manager.login_message = "Connectez-vous pour accéder à cette page."
login_manager.login_message_category = "info"
# "remember me" cookies are not offered: no long-lived login.
login_manager.session_protection = "basic"

LOOKS_LIKE_EMAIL = re.compile(r"[a-z0-9._%+'-]{1,64}@[a-z0-9.-]{1,189}\.[a-z]{2,24}")
LOGIN_AT = "login_at"
SEEN_AT = "seen_at"

LOGIN_REFUSED = "Adresse électronique ou mot de passe incorrect."
SESSION_EXPIRED = "Votre session a expiré : reconnectez-vous pour continuer."
SESSION_ENDED = "Votre session a pris fin : reconnectez-vous pour continuer."

# Verified against when the account does not exist, so that both answers take as long.
_DUMMY_HASH: str | None = None


class SessionInterface(SecureCookieSessionInterface):
    """The signed cookie session, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        secure = bool(app.config["SESSION_COOKIE_SECURE"])
        return secure or (has_request_context() and request.is_secure)

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        """Never from a static file's response.

        A permanent session's cookie is otherwise sent again with every
        response: a stylesheet still loading from the previous page, carrying
        the cookie as it was, could land after a login or a logout and put
        the old session back (the login form's CSRF token with it).
        """
        endpoint = request.endpoint if has_request_context() else None
        if endpoint is not None and (endpoint == "static" or endpoint.endswith(".static")):
            return False
        return super().should_set_cookie(app, session)


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user of ``"<id>:<session token>"``, if active and the token is current."""
    raw_id, _, token = user_id.partition(":")
    if not raw_id.isdigit():
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not user.is_active or not hmac.compare_digest(user.session_token, token):
        return None
    return user


def client_address() -> str:
    # Behind a reverse proxy, ProxyFix (wsgi.py) makes this the client's address.
    return (request.remote_addr or "inconnue")[:64]


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_hex(16))
    return _DUMMY_HASH


def authenticate(session: Session, email: str, password: str) -> tuple[User | None, datetime | None]:
    """Check a login: (user, None) on success, (None, lock end) when throttled, (None, None) otherwise.

    Records the attempt and its audit entry; the caller commits.
    """
    email = email.strip().lower()
    address = client_address()
    locked = throttle.locked_until(session, email, address)
    user = session.scalar(sa.select(User).where(User.email == email))
    if locked is not None:
        audit.record(
            session,
            user,
            "login.throttled",
            object_type="user" if user else None,
            object_id=user.id if user else None,
        )
        logger.warning("login throttled (account id %s)", user.id if user else "inconnu")
        return None, locked
    if user is None:
        verify_password(_dummy_hash(), password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password) and user.is_active
    throttle.record_attempt(session, email, address, ok)
    if not ok or user is None:
        audit.record(
            session,
            user,
            "login.failed",
            object_type="user" if user else None,
            object_id=user.id if user else None,
            # An unknown address is filed under no platform: the admin sees it. Only
            # what looks like an address is kept (never a password typed in the wrong box).
            details=None if user else {"email": email if LOOKS_LIKE_EMAIL.fullmatch(email) else "?"},
        )
        logger.info("login failed (account id %s)", user.id if user else "inconnu")
        return None, None
    if needs_rehash(user.password_hash):
        # Parameters changed since this hash was made: upgrade it while the password is at hand.
        user.password_hash = hash_password(password)
    if not user.session_token:
        user.session_token = secrets.token_hex(16)
    user.last_login_at = clock.now()
    audit.record(session, user, "login.succeeded", object_type="user", object_id=user.id)
    return user, None


def start_session(user: User) -> None:
    """A fresh session for ``user``: nothing of the anonymous one survives (fixation)."""
    session.clear()
    login_user(user, remember=False)
    session.permanent = True  # the cookie expires with the absolute timeout
    now = clock.now().timestamp()
    session[LOGIN_AT] = now
    session[SEEN_AT] = now


def end_session(session_db: Session, user: User, action: str = "logout") -> None:
    """Log out everywhere: a new token makes every cookie of ``user`` worthless."""
    user.session_token = secrets.token_hex(16)
    audit.record(session_db, user, action, object_type="user", object_id=user.id)
    logout_user()
    session.clear()


def check_timeouts(app: Flask) -> None:
    """End the session when idle for too long or open since too long (the cookie's own times)."""
    if "_user_id" not in session:
        return
    now = clock.now().timestamp()
    login_at = session.get(LOGIN_AT)
    seen_at = session.get(SEEN_AT)
    idle = app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    absolute = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    if (
        not isinstance(login_at, int | float)
        or not isinstance(seen_at, int | float)
        or now - login_at > absolute
        or now - seen_at > idle
    ):
        logout_user()
        session.clear()
        flash(SESSION_EXPIRED, "info")
        return
    session[SEEN_AT] = now


def forget_ended_session() -> None:
    """The cookie names a user whose token changed or who was deactivated: drop it."""
    session.clear()
    flash(SESSION_ENDED, "info")
