"""Flask blueprints (thin: parse input, call a service, render)."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from pathways.views import health

    app.register_blueprint(health.blueprint)
