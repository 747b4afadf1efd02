"""Pathways: the case-management tool of the plateformes des métiers de l'autonomie."""

from __future__ import annotations

import gc
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from pathways import crypto
from pathways.config import defaults, engine_options, secret_key
from pathways.extensions import csrf, db, login_manager, migrate

MIGRATIONS_DIRECTORY = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application; ``config`` overrides the defaults (tests use it)."""
    app = Flask(__name__, instance_relative_config=True)
    instance_path = Path(app.instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(defaults(instance_path))
    if config:
        app.config.from_mapping(config)
    if not app.config["SQLALCHEMY_ENGINE_OPTIONS"]:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = secret_key(instance_path)
    keys = crypto.parse_keys(app.config["ENCRYPTION_KEYS"]) or crypto.encryption_keys(instance_path)
    app.config["ENCRYPTION_KEYS"] = keys
    crypto.configure(keys)  # checked now: a bad key stops the start, not a page later

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIRECTORY)
    login_manager.init_app(app)
    csrf.init_app(app)

    from pathways import cli, jobs, security, templating, views

    security.init_app(app)
    jobs.init_app(app)
    cli.register(app)
    templating.register(app)
    views.register(app)

    if not app.debug and not app.testing:
        # Objects loaded at start-up never die: keep them out of the
        # collector's full passes, which otherwise pause warm workers.
        gc.freeze()
    return app
