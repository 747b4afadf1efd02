"""A throwaway PostgreSQL cluster for tests and benchmarks.

The server refuses to run as root, so as root the cluster is created and run
as the ``postgres`` system user; its data directory and socket live in a
temporary directory that user owns. It listens on 127.0.0.1 only, on a free
port, and is stopped (by its pid file) when the context exits.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def server_binaries() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``: on PATH, or Debian's layout."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextmanager
def running_cluster(settings: str = "") -> Iterator[str]:
    """Start a cluster, yield a SQLAlchemy URL of an empty database, stop it at the end.

    ``settings``: more server options (``-c name=value …``), e.g. the bench's memory.
    """
    binaries = server_binaries()
    if binaries is None:
        raise RuntimeError(
            "PostgreSQL server binaries not found (apt-get install postgresql, or `make test-deps`)."
        )
    workdir = Path(tempfile.mkdtemp(prefix="pathways-pg-"))
    data = workdir / "data"
    port = _free_port()
    if os.geteuid() == 0:
        shutil.chown(workdir, user="postgres", group="postgres")
    workdir.chmod(0o700)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "check": True}
    try:
        subprocess.run(
            _as_server_user(
                [
                    str(binaries / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            **quiet,
        )
        options = (
            f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
            f" {settings}"
        )
        subprocess.run(
            _as_server_user(
                [
                    str(binaries / "pg_ctl"),
                    "-D",
                    str(data),
                    "-o",
                    options,
                    "-l",
                    str(workdir / "server.log"),
                    "-w",
                    "start",
                ]
            ),
            **quiet,
        )
        subprocess.run(
            _as_server_user(
                [
                    str(binaries / "createdb") if (binaries / "createdb").exists() else "createdb",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-U",
                    "postgres",
                    "pathways",
                ]
            ),
            **quiet,
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/pathways"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                _as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
        shutil.rmtree(workdir, ignore_errors=True)
