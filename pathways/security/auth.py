"""Loading the logged-in user from the session (Flask-Login)."""

from __future__ import annotations

import hmac

from pathways.extensions import db, login_manager
from pathways.models import User

login_manager.login_view = "auth.login"
login_manager.login_message = "Connectez-vous pour accéder à cette page."
login_manager.login_message_category = "info"
# "remember me" cookies are not offered: no long-lived login.
login_manager.session_protection = "basic"


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
