"""The pages at national size, over HTTP: gunicorn serving the application, wrk loading it.

Data (PostgreSQL, one database, ``bench.data``): ``PATHWAYS_BENCH_PLATFORMS``
platforms (default 100) sharing ``PATHWAYS_BENCH_NATIONAL`` pathways (default
500 000, ≈5 M events), the largest ``PATHWAYS_BENCH_LARGEST`` (default
50 000); plus the stress case, one platform of ``PATHWAYS_BENCH_STRESS``
pathways (default 500 000; 0 leaves it out).

1. ``EXPLAIN`` of every query each page runs (caseload, pathway file,
   dashboard, délégué home and persons, on the largest platform and the
   stress one): a sequential scan of ``pathways`` or ``pathway_events`` is a
   failure (printed, and the run exits non-zero at its end).
2. Each page against its bare counterpart (``bench.bare``: the same queries
   on a bare Flask app), in the same run, under the same gunicorn settings
   (``PATHWAYS_BENCH_WORKERS``, default 2 — the machine's cores), with wrk at
   1 and 8 connections for ``PATHWAYS_BENCH_SECONDS`` (default 10) each:
   requests per second, p50/p95/p99, errors.
3. 50 users at once for 60 s (``PATHWAYS_BENCH_MIXED_SECONDS``), no think
   time, on the largest platform: 35 conseillers (their caseload, a file),
   10 délégué·es (home, persons), 5 managers (dashboard, the platform's list);
   then the same 50 users on the bare pages (``bench.bare``), the baseline.
4. The stress platform: each page alone, its slowest request.

Loading speed on the project's 2-core machine (load average ≈ 4 from other work): 200 000
pathways over 40 platforms in 501 s (≈ 400 pathways, 3 800 events a second), a stress
platform of 100 000 in 174 s; the defaults (500 000 + 500 000) take about 36 minutes to load,
the measures about 8 more. ``make bench`` runs this after ``python -m bench``.

``PATHWAYS_BENCH_DATABASE_URL`` runs steps 1–4 on a database already loaded
by an earlier run (``python -m bench.http --load-only`` prints its URL and
keeps the cluster until Ctrl-C). wrk (Debian's ``wrk``) only ever targets
127.0.0.1, bounded in time and connections.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SERVER_SETTINGS = "-c shared_buffers=1GB -c effective_cache_size=4GB -c work_mem=16MB"
STRESS_SLUG = "stress"
LARGEST_SLUG = "plateforme-000"


def _env(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass
class Load:
    """One wrk run: throughput, latency percentiles (ms), errors."""

    rps: float
    p50: float
    p95: float
    p99: float
    max: float
    requests: int
    errors: int


@dataclass
class Target:
    """What the pages of one platform are measured on."""

    slug: str
    platform_id: int
    adviser_ids: list[int]
    replaced_ids: list[int]
    pathway_id: int
    delegate_id: int
    territory_ids: list[int]
    adviser_emails: list[str]
    delegate_emails: list[str]
    manager_email: str
    pathways_by_adviser: dict[str, list[int]] = field(default_factory=dict)


# --- data ---------------------------------------------------------------------------------------


def load_data(url: str) -> None:
    from flask_migrate import upgrade

    from bench import data
    from pathways import create_app
    from pathways.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        upgrade()
        engine = db.engine
        if engine.connect().execute(sa.text("SELECT count(*) FROM platforms")).scalar():
            return
        started = time.perf_counter()
        platforms = _env("PATHWAYS_BENCH_PLATFORMS", 100)
        national = data.load_national(
            engine,
            platforms=platforms,
            pathways=_env("PATHWAYS_BENCH_NATIONAL", 500_000),
            largest=_env("PATHWAYS_BENCH_LARGEST", 50_000),
        )
        print(
            f"[http] loaded {platforms} platforms, {sum(p.pathways for p in national)} pathways, "
            f"{sum(p.events for p in national)} events in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        stress = _env("PATHWAYS_BENCH_STRESS", 500_000)
        if stress:
            started = time.perf_counter()
            loaded = data.load(engine, stress, seed=99, slug=STRESS_SLUG)
            print(
                f"[http] loaded the stress platform: {loaded.pathways} pathways, {loaded.events} events "
                f"in {time.perf_counter() - started:.0f} s",
                flush=True,
            )
        db.engine.dispose()


def target(engine: sa.Engine, slug: str) -> Target | None:
    with engine.connect() as connection:
        platform_id = connection.scalar(sa.text("SELECT id FROM platforms WHERE slug = :s"), {"s": slug})
        if platform_id is None:
            return None

        def column(sql: str, **params: Any) -> list[Any]:
            return list(connection.scalars(sa.text(sql), {"p": platform_id, **params}))

        advisers = column("SELECT id FROM users WHERE platform_id = :p AND role = 'adviser' ORDER BY id")
        emails = column("SELECT email FROM users WHERE platform_id = :p AND role = 'adviser' ORDER BY id")
        replaced = column(
            "SELECT replaced_id FROM adviser_replacements WHERE platform_id = :p AND replacing_id = :a",
            a=advisers[0],
        )
        delegates = column("SELECT id FROM users WHERE platform_id = :p AND role = 'delegate' ORDER BY id")
        delegate_emails = column(
            "SELECT email FROM users WHERE platform_id = :p AND role = 'delegate' ORDER BY id"
        )
        territories = column("SELECT territory_id FROM user_territories WHERE user_id = :d", d=delegates[0])
        manager = column("SELECT email FROM users WHERE platform_id = :p AND role = 'manager'")[0]
        # The files a conseiller opens: their pathways in progress with the longest histories.
        by_adviser: dict[str, list[int]] = {}
        for adviser_id, email in list(zip(advisers, emails, strict=True))[:35]:
            by_adviser[email] = column(
                "SELECT id FROM pathways WHERE adviser_id = :a AND state NOT IN ('completed', 'exited') "
                "ORDER BY version DESC, id LIMIT 5",
                a=adviser_id,
            )
        return Target(
            slug,
            platform_id,
            advisers,
            replaced,
            by_adviser[emails[0]][0],
            delegates[0],
            territories,
            emails,
            delegate_emails,
            manager,
            by_adviser,
        )


# --- EXPLAIN of each page's queries -------------------------------------------------------------

SEQUENTIAL = re.compile(r"Seq Scan on (pathways|pathway_events)\b")


def explain_pages(url: str, targets: list[Target]) -> list[str]:
    """Run each page once in-process, EXPLAIN every SELECT it sent; the sequential scans found."""
    from pathways import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        return explain_in(app, targets)


def explain_in(app: Flask, targets: list[Target], echo: bool = True) -> list[str]:
    """``explain_pages`` in ``app``'s context (the test of the plans runs it on its own app)."""
    from pathways.extensions import db

    engine = db.engine
    failures: list[str] = []
    csrf = app.config.get("WTF_CSRF_ENABLED", True)
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        for goal in targets:
            for page, email, path in pages(goal):
                client = app.test_client()
                client.post("/login", data={"email": email, "password": bench_password()})
                statements: list[tuple[str, Any]] = []

                def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
                    if statement.lstrip().upper().startswith("SELECT"):
                        statements.append((statement, parameters))  # noqa: B023

                sa.event.listen(engine, "before_cursor_execute", record)
                try:
                    response = client.get(path)
                finally:
                    sa.event.remove(engine, "before_cursor_execute", record)
                if response.status_code != 200:
                    failures.append(f"{goal.slug} {page}: HTTP {response.status_code}")
                    continue
                scans = 0
                with engine.connect() as connection:
                    raw = connection.connection.dbapi_connection
                    for statement, parameters in statements:
                        with raw.cursor() as cursor:
                            cursor.execute("EXPLAIN " + statement, parameters)
                            plan = "\n".join(row[0] for row in cursor.fetchall())
                        if SEQUENTIAL.search(plan):
                            scans += 1
                            failures.append(f"{goal.slug} {page}: sequential scan\n{statement}\n{plan}")
                if echo:
                    print(
                        f"[explain] {goal.slug:<15} {page:<16} {len(statements):>3} queries, "
                        f"{scans} sequential scan(s) of pathways/pathway_events",
                        flush=True,
                    )
    finally:
        app.config["WTF_CSRF_ENABLED"] = csrf
    return failures


def bench_password() -> str:
    from bench.data import BENCH_PASSWORD

    return BENCH_PASSWORD


def pages(goal: Target) -> list[tuple[str, str, str]]:
    """(page, who, path) of the application, for one platform."""
    return [
        ("caseload", goal.adviser_emails[0], "/portefeuille/"),
        ("pathway file", goal.adviser_emails[0], f"/parcours/{goal.pathway_id}"),
        ("dashboard", goal.manager_email, "/tableau-de-bord/"),
        ("délégué home", goal.delegate_emails[0], "/delegue/"),
        ("délégué persons", goal.delegate_emails[0], "/delegue/personnes"),
        ("platform list", goal.manager_email, "/portefeuille/"),
    ]


def bare_paths(goal: Target) -> dict[str, str]:
    advisers = ",".join(str(i) for i in [goal.adviser_ids[0], *goal.replaced_ids])
    territories = ",".join(str(i) for i in goal.territory_ids)
    return {
        "caseload": f"/caseload/{goal.platform_id}/{advisers}",
        "pathway file": f"/file/{goal.pathway_id}",
        "dashboard": f"/dashboard/{goal.platform_id}",
        "délégué home": f"/delegate/{goal.platform_id}/{goal.delegate_id}/{territories}",
    }


def mixed_users(goal: Target, cookie_of: Any) -> list[tuple[str, list[str]]]:
    """The 50 users of the mixed run, (cookie, their pages): 35 conseillers, 10 délégué·es, 5 managers."""
    users: list[tuple[str, list[str]]] = []
    for email in goal.adviser_emails[:35]:
        files = [f"/parcours/{i}" for i in goal.pathways_by_adviser.get(email, [])[:2]]
        users.append((cookie_of(email), ["/portefeuille/", *files]))
    for index in range(10):
        email = goal.delegate_emails[index % len(goal.delegate_emails)]
        users.append((cookie_of(email), ["/delegue/", "/delegue/personnes"]))
    for _ in range(5):
        users.append((cookie_of(goal.manager_email), ["/tableau-de-bord/", "/portefeuille/"]))
    return users


def bare_mixed_users(goal: Target, engine: sa.Engine) -> list[tuple[str, list[str]]]:
    """The same 50 users on the bare pages: each conseiller's own caseload, the same files and lists."""
    territories_of: dict[int, str] = {}
    with engine.connect() as connection:
        delegate_ids = list(
            connection.scalars(
                sa.text("SELECT id FROM users WHERE platform_id = :p AND role = 'delegate' ORDER BY id"),
                {"p": goal.platform_id},
            )
        )
        territories = sa.text("SELECT territory_id FROM user_territories WHERE user_id = :d")
        for delegate_id in delegate_ids:
            ids = connection.scalars(territories, {"d": delegate_id})
            territories_of[delegate_id] = ",".join(str(t) for t in ids) or "0"
    users: list[tuple[str, list[str]]] = []
    for adviser_id, email in list(zip(goal.adviser_ids, goal.adviser_emails, strict=True))[:35]:
        # The first conseiller replaces others: their caseloads are in hers, as in the application.
        followed = [adviser_id, *(goal.replaced_ids if adviser_id == goal.adviser_ids[0] else [])]
        files = [f"/file/{i}" for i in goal.pathways_by_adviser.get(email, [])[:2]]
        caseload = f"/caseload/{goal.platform_id}/{','.join(str(i) for i in followed)}"
        users.append(("", [caseload, *files]))
    for index in range(10):
        delegate_id = delegate_ids[index % len(delegate_ids)]
        where = f"{goal.platform_id}/{delegate_id}/{territories_of[delegate_id]}"
        users.append(("", [f"/delegate/{where}", f"/persons/{where}"]))
    for _ in range(5):
        users.append(("", [f"/dashboard/{goal.platform_id}", f"/list/{goal.platform_id}"]))
    return users


# --- servers and load ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(app: str, environment: dict[str, str], workers: int):
    port = free_port()
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "--workers",
            str(workers),
            "--preload",
            "--timeout",
            "60",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app,
        ],
        cwd=ROOT,
        env={**os.environ, **environment},
    )
    try:
        for _ in range(300):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def login(base: str, email: str) -> str:
    """The session cookie of ``email`` after a real login through the form."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    fields = {"csrf_token": token.group(1), "email": email, "password": bench_password()}
    form = urllib.parse.urlencode(fields)
    opener.open(f"{base}/login", data=form.encode()).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


WRK_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("BENCH %d %d %f %f %f %f %f\\n", summary.requests, errors,
    summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def wrk(url: str, connections: int, seconds: int, cookie: str = "", script: str = "") -> Load:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script + WRK_REPORT)
    command = ["wrk", "-t", str(min(connections, 8)), "-c", str(connections), "-d", f"{seconds}s"]
    command += ["--timeout", "30s", "-s", handle.name]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    os.unlink(handle.name)
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    requests, errors, duration, p50, p95, p99, longest = (float(v) for v in line.split()[1:])
    return Load(
        rps=requests / (duration / 1e6),
        p50=p50 / 1000,
        p95=p95 / 1000,
        p99=p99 / 1000,
        max=longest / 1000,
        requests=int(requests),
        errors=int(errors),
    )


def mixed_script(users: list[tuple[str, list[str]]]) -> str:
    """A wrk script where thread i is user i: its cookie, and its pages in turn."""
    table = ",\n".join(
        "{cookie=%s, paths={%s}}" % (json.dumps(cookie), ", ".join(json.dumps(p) for p in paths))  # noqa: UP031
        for cookie, paths in users
    )
    return f"""
local users = {{
{table}
}}
local counter = 0
setup = function(thread)
  counter = counter + 1
  thread:set("index", counter)
end
init = function(args)
  user = users[index]
  step = index
end
request = function()
  step = step + 1
  local path = user.paths[(step % #user.paths) + 1]
  return wrk.format("GET", path, {{["Cookie"] = user.cookie}})
end
"""


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    measured: Load
    baseline: Load | None = None

    def line(self) -> str:
        m = self.measured
        text = (
            f"{self.name:<44} {m.rps:>7.1f} req/s  p50 {m.p50:>7.1f}  p95 {m.p95:>7.1f}  "
            f"p99 {m.p99:>7.1f}  max {m.max:>7.1f} ms  err {m.errors}"
        )
        if self.baseline is not None:
            b = self.baseline
            text += (
                f"\n{'  bare page':<44} {b.rps:>7.1f} req/s  p50 {b.p50:>7.1f}  p95 {b.p95:>7.1f}  "
                f"p99 {b.p99:>7.1f}  max {b.max:>7.1f} ms  err {b.errors}"
                f"\n{'  ratio (throughput, p99)':<44} {m.rps / b.rps:>7.2f}×            "
                f"           p99 {m.p99 / b.p99:>6.2f}×"
            )
        return text


def measure(url: str, targets: list[Target]) -> tuple[list[Row], dict[str, Any]]:
    workers = _env("PATHWAYS_BENCH_WORKERS", 2)
    seconds = _env("PATHWAYS_BENCH_SECONDS", 10)
    rows: list[Row] = []
    verdicts: dict[str, Any] = {}
    environment = {"DATABASE_URL": url, "SECRET_KEY": "bench-secret", "BENCH_DATABASE_URL": url}
    largest = targets[0]
    with ExitStack() as stack:
        app_url = stack.enter_context(gunicorn("wsgi:app", environment, workers))
        bare_url = stack.enter_context(gunicorn("bench.bare:app", environment, workers))
        cookies = {email: login(app_url, email) for _, email, _ in pages(largest)}
        bare = bare_paths(largest)
        for page, email, path in pages(largest):
            if page not in bare:
                continue
            for connections in (1, 8):
                wrk(f"{app_url}{path}", connections, 2, cookies[email])  # warm-up
                wrk(f"{bare_url}{bare[page]}", connections, 2)
                measured = wrk(f"{app_url}{path}", connections, seconds, cookies[email])
                baseline = wrk(f"{bare_url}{bare[page]}", connections, seconds)
                row = Row(f"{page} ({largest.slug}), {connections} conn.", measured, baseline)
                rows.append(row)
                print(row.line(), flush=True)
                if page == "caseload":
                    verdicts[f"caseload {connections} conn.: ≥ 50 % of bare throughput, p99 ≤ 2×"] = (
                        measured.rps >= 0.5 * baseline.rps and measured.p99 <= 2 * baseline.p99
                    )
                if page == "dashboard":
                    verdicts[f"dashboard {connections} conn.: p95 ≤ 300 ms"] = measured.p95 <= 300
        # 50 users at once: 35 conseillers, 10 délégué·es, 5 managers; then the same
        # users on the bare pages, the baseline of what this machine serves at all.
        def cookie_of(email: str) -> str:
            if email not in cookies:
                cookies[email] = login(app_url, email)
            return cookies[email]

        users = mixed_users(largest, cookie_of)
        engine = sa.create_engine(url)
        bare_users = bare_mixed_users(largest, engine)
        engine.dispose()  # not left idle on the server during the runs
        mixed_seconds = _env("PATHWAYS_BENCH_MIXED_SECONDS", 60)
        load = wrk_mixed(f"{app_url}/", len(users), mixed_seconds, mixed_script(users))
        bare_load = wrk_mixed(f"{bare_url}/", len(bare_users), mixed_seconds, mixed_script(bare_users))
        row = Row(f"50 mixed users, {mixed_seconds} s ({largest.slug})", load, bare_load)
        rows.append(row)
        print(row.line(), flush=True)
        verdicts["50 users: p95 < 500 ms, no error"] = load.p95 < 500 and load.errors == 0
        # The stress platform: every page alone, its slowest request.
        for goal in targets[1:]:
            stress_cookies = {email: login(app_url, email) for _, email, _ in pages(goal)}
            slowest = 0.0
            for page, email, path in pages(goal):
                wrk(f"{app_url}{path}", 1, 2, stress_cookies[email])
                measured = wrk(f"{app_url}{path}", 1, seconds, stress_cookies[email])
                row = Row(f"{page} ({goal.slug}), 1 conn.", measured)
                rows.append(row)
                print(row.line(), flush=True)
                slowest = max(slowest, measured.max)
            verdicts[f"{goal.slug}: no page over 1 s (slowest {slowest:.0f} ms)"] = slowest <= 1000
    return rows, verdicts


def wrk_mixed(url: str, users: int, seconds: int, script: str) -> Load:
    """wrk with one thread (and one connection) per user."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script + WRK_REPORT)
    command = ["wrk", "-t", str(users), "-c", str(users), "-d", f"{seconds}s", "--timeout", "30s"]
    output = subprocess.run(
        [*command, "-s", handle.name, url], capture_output=True, text=True, check=True
    ).stdout
    os.unlink(handle.name)
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    requests, errors, duration, p50, p95, p99, longest = (float(v) for v in line.split()[1:])
    rate = requests / (duration / 1e6)
    return Load(rate, p50 / 1000, p95 / 1000, p99 / 1000, longest / 1000, int(requests), int(errors))


def run(url: str) -> int:
    engine = sa.create_engine(url)
    targets = [t for t in (target(engine, LARGEST_SLUG), target(engine, STRESS_SLUG)) if t is not None]
    with engine.connect() as connection:
        counts = connection.execute(
            sa.text(
                "SELECT (SELECT count(*) FROM platforms), (SELECT count(*) FROM pathways), "
                "(SELECT count(*) FROM pathway_events)"
            )
        ).one()
    engine.dispose()
    print(
        f"[http] {counts[0]} platforms, {counts[1]} pathways, {counts[2]} events; "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    failures = explain_pages(url, targets)
    for failure in failures:
        print(f"[explain] FAILED {failure}", flush=True)
    rows, verdicts = measure(url, targets)
    print("\n== targets ==")
    for name, met in verdicts.items():
        print(f"{'met    ' if met else 'MISSED '} {name}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "http.json").write_text(
        json.dumps(
            {
                "data": {"platforms": counts[0], "pathways": counts[1], "events": counts[2]},
                "rows": [
                    {
                        "name": r.name,
                        "measured": asdict(r.measured),
                        "baseline": asdict(r.baseline) if r.baseline else None,
                    }
                    for r in rows
                ],
                "targets": verdicts,
                "explain_failures": failures,
            },
            indent=2,
        )
    )
    return 1 if failures else 0


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk (make test-deps installs it).")
    url = os.environ.get("PATHWAYS_BENCH_DATABASE_URL")
    if url:
        sys.exit(run(url))
    from tools.pgcluster import running_cluster

    with running_cluster(SERVER_SETTINGS) as url:
        started = time.perf_counter()
        load_data(url)
        print(f"[http] data ready in {time.perf_counter() - started:.0f} s: {url}", flush=True)
        if "--load-only" in sys.argv:
            print("[http] loaded; Ctrl-C stops the cluster", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return
        status = run(url)
    sys.exit(status)


if __name__ == "__main__":
    main()
