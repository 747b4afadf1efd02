"""Access: login, sessions, roles and scope, headers, error pages, the audit trail's glue.

``init_app`` wires it into the application: deny-by-default login, session
timeouts, security headers, French error pages and the audit trail's
request-level parts (client address, views and refusals written even when
the request changes nothing else).
"""

from __future__ import annotations

import os

from flask import Flask
from flask.helpers import get_debug_flag


def init_app(app: Flask) -> None:
    from pathways.security import auth, errors, hooks, ids

    if (app.debug or get_debug_flag()) and os.environ.get("PATHWAYS_ENV") != "development":
        # The debugger runs code sent by the browser: only on a developer's machine.
        raise RuntimeError(
            "Le mode debug n'est permis qu'en développement : définissez PATHWAYS_ENV=development."
        )
    ids.init_app(app)
    auth.init_app(app)
    hooks.init_app(app)
    errors.init_app(app)
