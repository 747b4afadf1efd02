"""A real consumer process runs an export end to end, with huey's SQLite storage and with Redis.

The test process asks for the job through an application configured like a
web server (not immediate); ``flask --app wsgi worker`` in a child process,
on the same database, takes it from the queue, writes the file and the
job's progress; the test reads the result from the database and the folder.
The Redis server is Debian's ``redis-server``, started here on a unix socket
in a temporary folder (no TCP port), stopped at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from python_calamine import CalamineWorkbook

from exports.jobs import request_export
from pathways.extensions import db
from pathways.jobs import queue
from pathways.models import AuditEntry, BackgroundJob, Platform, User
from pathways.states import State
from pathways.vocabulary import JobStatus
from tests import factories
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parents[3]
REDIS_SERVER = shutil.which("redis-server")


@pytest.fixture
def redis_url() -> Iterator[str]:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is absent (make test-deps installs it)")
    folder = Path(tempfile.mkdtemp(prefix="redis-"))  # short: unix socket paths are limited
    socket = folder / "redis.sock"
    server = subprocess.Popen(
        [REDIS_SERVER, "--port", "0", "--unixsocket", str(socket), "--save", "", "--appendonly", "no",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not socket.exists():
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"unix://{socket}"
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite-file", "redis"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The queue's settings, as environment variables for the consumer."""
    if request.param == "redis":
        return {"REDIS_URL": request.getfixturevalue("redis_url")}
    return {"PATHWAYS_JOBS_QUEUE": str(tmp_path / "jobs-queue.db")}


@pytest.fixture
def web_app(app: Flask, database_url: str, storage: dict[str, str], tmp_path: Path) -> Iterator[Flask]:
    """An application that sends jobs to the real queue, as the web server does."""
    web = make_app(
        database_url,
        JOBS_IMMEDIATE=False,
        REDIS_URL=storage.get("REDIS_URL"),
        JOBS_QUEUE_PATH=storage.get("PATHWAYS_JOBS_QUEUE", str(tmp_path / "unused.db")),
        JOBS_FOLDER=str(tmp_path / "files"),
    )
    yield web
    with web.app_context():
        db.session.remove()
        db.engine.dispose()
    # Back to the tests' own (immediate) queue.
    queue.configure(app)


@pytest.fixture
def consumer(web_app: Flask, database_url: str, storage: dict[str, str]) -> Iterator[subprocess.Popen]:
    env = {
        **os.environ,
        **storage,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "consumer-test",
        # The consumer reads what the tests encrypted.
        "PATHWAYS_ENCRYPTION_KEYS": ",".join(web_app.config["ENCRYPTION_KEYS"]),
        "PATHWAYS_JOBS_FOLDER": web_app.config["JOBS_FOLDER"],
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--threads", "1", "--no-periodic"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until_finished(job_id: int, process: subprocess.Popen, seconds: float = 90) -> BackgroundJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        job = db.session.get(BackgroundJob, job_id)
        if job is not None and job.is_finished:
            return job
        if process.poll() is not None:
            raise AssertionError(f"the consumer stopped:\n{process.stdout.read()}")
        time.sleep(0.2)
    process.terminate()
    raise AssertionError(f"job {job_id} not finished in {seconds}s:\n{process.communicate()[0][-3000:]}")


def test_a_consumer_process_runs_an_export_end_to_end(session, today, web_app, consumer) -> None:
    world = factories.make_world(session)
    factories.make_pathway(session, world, State.FOLLOW_UP, start=date(2025, 2, 3))
    factories.make_pathway(session, world, State.EXITED, start=date(2025, 4, 7))
    session.commit()
    manager_id, platform_id = world.manager.id, world.platform.id
    with web_app.app_context():
        manager = db.session.get(User, manager_id)
        platform = db.session.get(Platform, platform_id)
        job = request_export(
            db.session, manager, platform, "cohort", date(2025, 1, 1), date(2025, 12, 31), request_token="t" * 20
        )
        job_id = job.id
        db.session.commit()  # sent to the queue; nothing runs in this process
        assert db.session.get(BackgroundJob, job_id).status is JobStatus.QUEUED
        done = wait_until_finished(job_id, consumer)
        assert done.status is JobStatus.DONE, done.error_message
        assert done.attempts == 1
        assert (done.progress_done, done.progress_total) == (2, 2)
        assert done.result_name == "cohorte-pseudonymisee-yvelines-20250101-20251231.xlsx"
        path = Path(web_app.config["JOBS_FOLDER"]) / done.result_file
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Cohorte").to_python()
        assert len(rows) == 3  # the header and two pathways
        audited = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "export.cohort", AuditEntry.user_id == manager_id)
        )
        assert audited is not None
        assert audited.details["rows"] == 2
