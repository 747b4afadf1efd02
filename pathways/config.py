"""Configuration: committed defaults, secrets and the database from the environment."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any


def database_url(instance_path: Path) -> str:
    """``DATABASE_URL`` if set (PostgreSQL in production), else SQLite in ``instance/``."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{instance_path / 'pathways.db'}"
    # Hosting platforms hand out postgres:// URLs; psycopg 3 is the driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def generated_once(key_file: Path, make: Callable[[], str]) -> str:
    """The content of ``key_file``, written once with ``make()`` (mode 600) if it does not exist."""
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: when two workers start together only one writes the key.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(make())
    return key_file.read_text().strip()


def secret_key(instance_path: Path) -> str:
    """``SECRET_KEY`` from the environment, or one generated once into ``instance/``.

    Several workers on one machine share the file; several machines must share
    the environment variable.
    """
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    return generated_once(instance_path / "secret_key", lambda: secrets.token_hex(32))


def engine_options(url: str) -> dict[str, Any]:
    """Engine options for ``url``.

    ``hide_parameters``: error messages and logs never carry the values
    (notes, health details). Pre-ping replaces a dropped server connection
    before use; a SQLite file never drops, so it is spared the round trip.
    """
    options: dict[str, Any] = {"hide_parameters": True}
    if not url.startswith("sqlite"):
        options.update(pool_pre_ping=True, pool_size=5, max_overflow=10)
    if url.startswith("postgresql"):
        options["connect_args"] = {"options": POSTGRESQL_SESSION_OPTIONS}
    return options


# PostgreSQL settings of each connection, for short transactional queries
# (README, « Configuration »): JIT compilation off. A caseload query the
# planner misjudged as large spent ~2.7 s compiling for a few milliseconds of
# work; the pages' queries are small and indexed, and the bilan's large ones
# lose little without it.
POSTGRESQL_SESSION_OPTIONS = "-c jit=off"


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "oui", "on")


def mail_settings(instance_path: Path) -> dict[str, Any]:
    """E-mail and SMS settings (``pathways.messaging``), all from the environment.

    ``MAIL_BACKEND``: ``smtp`` (the default when ``MAIL_SERVER`` is set),
    ``capture`` (development: ``.eml`` files in ``instance/mail-capture/``,
    never chosen by default), or ``off`` (the default otherwise).
    """
    server = os.environ.get("MAIL_SERVER") or None
    backend = (os.environ.get("MAIL_BACKEND") or ("smtp" if server else "off")).strip().lower()
    use_ssl = _flag("MAIL_USE_SSL")
    return {
        "MAIL_BACKEND": backend,
        "MAIL_SERVER": server,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT") or (465 if use_ssl else 587)),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", default=not use_ssl),
        "MAIL_USE_SSL": use_ssl,
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_SENDER": os.environ.get("MAIL_SENDER") or "Pathways <no-reply@localhost>",
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT") or 30),
        "MAIL_CAPTURE_FOLDER": os.environ.get("PATHWAYS_MAIL_CAPTURE") or str(instance_path / "mail-capture"),
        "SMS_API_URL": os.environ.get("SMS_API_URL") or None,
        "SMS_API_KEY": os.environ.get("SMS_API_KEY") or None,
        "SMS_SENDER": os.environ.get("SMS_SENDER") or "Pathways",
        # The address people reach the tool at: links in e-mails (the answer page).
        "BASE_URL": (os.environ.get("PATHWAYS_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
    }


def _positive_int(variable: str, default: int) -> int:
    """A whole number from the environment, ``default`` when unset; anything else stops the start."""
    value = os.environ.get(variable, "").strip()
    if not value:
        return default
    if not value.isascii() or not value.isdigit() or int(value) < 1:
        raise ValueError(f"{variable} doit être un nombre entier d'au moins 1, et non {value!r}.")
    return int(value)


def defaults(instance_path: Path) -> dict[str, Any]:
    return {
        **mail_settings(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        # Chosen per database in create_app (see engine_options).
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "SECRET_KEY": None,  # filled lazily so tests can pass their own
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "") == "1",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=30),
        "WTF_CSRF_TIME_LIMIT": None,  # the session's own lifetime bounds it
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        # The job queue (pathways.jobs): Redis when set, else a SQLite file in instance/.
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "JOBS_QUEUE_PATH": os.environ.get("PATHWAYS_JOBS_QUEUE") or str(instance_path / "jobs-queue.db"),
        # Result files (exports): a folder every server sees, kept this many hours.
        "JOBS_FOLDER": os.environ.get("PATHWAYS_JOBS_FOLDER") or str(instance_path / "jobs"),
        "JOBS_FILE_HOURS": int(os.environ.get("PATHWAYS_JOB_FILES_HOURS") or 24),
        # Import files waiting for their verification or confirmation (encrypted): like the
        # jobs' folder, one every server and the job consumer see.
        "PATHWAYS_IMPORT_FOLDER": os.environ.get("PATHWAYS_IMPORT_FOLDER") or str(instance_path / "imports"),
        # None: jobs run synchronously when TESTING, through the queue otherwise.
        "JOBS_IMMEDIATE": None,
        # Notes and freins' details encrypted at rest (pathways.crypto): the first key
        # encrypts, all decrypt. None: PATHWAYS_ENCRYPTION_KEYS, or a key kept in instance/.
        "ENCRYPTION_KEYS": None,
        # Personal data (pathways.privacy): the CNIL référentiel's durations by default.
        # A person is anonymised RETENTION_MONTHS after their last contact, once listed
        # to the manager for RETENTION_NOTICE_DAYS.
        "RETENTION_MONTHS": _positive_int("PATHWAYS_RETENTION_MONTHS", 24),
        "RETENTION_NOTICE_DAYS": _positive_int("PATHWAYS_RETENTION_NOTICE_DAYS", 30),
        # Who the persons write to about their data (the notice and the register print it).
        "DPO_CONTACT": os.environ.get("PATHWAYS_DPO_CONTACT", "").strip(),
    }
