"""The huey instance every job goes through, and the choice of its storage.

One module-level ``Huey``, like the extensions: tasks register on it at
import time, ``configure`` binds it to an application's settings. Storage:

- ``REDIS_URL`` set: Redis (several servers share one queue);
- otherwise: huey's SQLite storage in ``instance/jobs-queue.db`` — a file of
  its own, never the application's database, so polling and enqueueing never
  wait on the application's SQLite write lock;
- ``JOBS_IMMEDIATE`` (tests, by default when ``TESTING``): no storage, each
  job runs synchronously when the transaction that asked for it commits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

QUEUE_NAME = "pathways"

# Created in immediate mode (an in-memory storage): importing the module
# opens no file and no connection; ``activate`` puts the real storage in.
# (MemoryStorage as the class: switching modes makes huey build one, cheaply.)
huey = Huey(QUEUE_NAME, immediate=True, results=False, utc=True, storage_class=MemoryStorage)

_app: Flask | None = None
_active: Flask | None = None
EXTENSION = "pathways.jobs"


def storage_settings(app: Flask) -> tuple[type[Any], dict[str, Any]]:
    """The storage class and its arguments for ``app``'s configuration."""
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        return RedisStorage, {"url": redis_url}
    path = Path(app.config["JOBS_QUEUE_PATH"])
    path.parent.mkdir(parents=True, exist_ok=True)
    # fsync: a job accepted by the queue survives a power cut, like the
    # application's own commits (synchronous=FULL).
    return SqliteStorage, {"filename": str(path), "fsync": True}


def configure(app: Flask) -> None:
    """Bind the queue to ``app``: the app the consumer runs jobs in, and its storage."""
    global _app
    _app = app
    app.extensions[EXTENSION] = None  # the storage, opened on first use
    activate(app)


def activate(app: Flask) -> None:
    """Point the queue at ``app``'s storage (one process may hold several apps: the tests do)."""
    global _active
    if _active is app:
        return
    _active = app
    if app.config["JOBS_IMMEDIATE"]:
        huey.immediate = True
        return
    storage = app.extensions.get(EXTENSION)
    if storage is None:
        storage_class, kwargs = storage_settings(app)
        storage = app.extensions[EXTENSION] = storage_class(QUEUE_NAME, **kwargs)
    huey.immediate = False
    huey.storage = storage


def bound_app() -> Flask:
    """The application jobs run in: the current one (immediate mode, tests), else the one bound.

    The consumer has no application context of its own: it uses the app it
    was bound to by ``create_app``.
    """
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]
    if _app is None:
        raise RuntimeError("pathways.jobs is not bound to an application (create_app)")
    return _app
