"""Browser tests: a live server in a thread, Debian's Chromium through Playwright, axe-core.

The server runs in this process, so the tests move the platforms' clock by
patching ``pathways.clock`` (``shift_clock``): the six months of follow-up
pass in a second.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import WSGIRequestHandler, make_server

from pathways import clock
from pathways.extensions import db
from tests import factories
from tests.conftest import make_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).resolve().parents[2] / "pathways" / "static" / "vendor" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
START = date(2026, 6, 15)  # a Monday
# The journeys run on a laptop's screen and on a phone's.
DEVICES = {
    "ordinateur": {"viewport": {"width": 1280, "height": 900}},
    "telephone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            # One worker runs them all: they share the live server.
            item.add_marker(pytest.mark.xdist_group("browser"))
            if not CHROMIUM.exists():
                item.add_marker(
                    pytest.mark.skip(reason="/usr/bin/chromium is absent (make test-deps installs it)")
                )


class Clock:
    """The platforms' clock, frozen on ``START`` and moved forward by the tests."""

    def __init__(self) -> None:
        self.today = START

    def shift(self, days: int) -> date:
        self.today += timedelta(days=days)
        return self.today

    def now(self) -> datetime:
        # The time of day in Paris on the frozen day: with the time of day in UTC, the
        # platforms' today (a Paris date) was tomorrow for two hours every evening.
        paris = clock.PLATFORM_TIMEZONE
        return datetime.combine(self.today, datetime.now(paris).time(), tzinfo=paris).astimezone(UTC)


@pytest.fixture(scope="module")
def live_clock() -> Iterator[Clock]:
    fake = Clock()
    saved = clock.today, clock.now
    clock.today = lambda: fake.today  # type: ignore[assignment]
    clock.now = fake.now  # type: ignore[assignment]
    yield fake
    clock.today, clock.now = saved  # type: ignore[assignment]


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory, live_clock: Clock) -> Iterator[Flask]:
    folder = tmp_path_factory.mktemp("browser")
    path = folder / "browser.db"
    # Jobs go through a real queue of the test's own (see ``live_worker``).
    app = make_app(
        f"sqlite:///{path}",
        SERVER_NAME=None,
        TESTING=False,
        DEBUG=False,
        JOBS_IMMEDIATE=False,
        JOBS_QUEUE_PATH=str(folder / "jobs-queue.db"),
        JOBS_FOLDER=str(folder / "jobs"),
        PATHWAYS_IMPORT_FOLDER=str(folder / "imports"),
    )
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: object, **kwargs: object) -> None:
        pass


@pytest.fixture(scope="module")
def live_server(live_app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def live_worker(live_app: Flask) -> Iterator[subprocess.Popen]:
    """The job queue's consumer (``flask --app wsgi worker``) on the live app's database and queue."""
    env = {
        **os.environ,
        "DATABASE_URL": live_app.config["SQLALCHEMY_DATABASE_URI"],
        "PATHWAYS_JOBS_QUEUE": live_app.config["JOBS_QUEUE_PATH"],
        "PATHWAYS_JOBS_FOLDER": live_app.config["JOBS_FOLDER"],
        "PATHWAYS_IMPORT_FOLDER": live_app.config["PATHWAYS_IMPORT_FOLDER"],
        "SECRET_KEY": "browser-worker",
        # The consumer reads what the live app encrypted.
        "PATHWAYS_ENCRYPTION_KEYS": ",".join(live_app.config["ENCRYPTION_KEYS"]),
    }
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--threads", "1", "--no-periodic"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield process
    process.terminate()
    process.wait(timeout=15)


@pytest.fixture(scope="module")
def world(live_app: Flask) -> factories.World:
    """The platform and accounts, made through the services like any test data."""
    with live_app.app_context():
        world = factories.make_world(db.session, "navigateur", on=START - timedelta(days=14))
        db.session.commit()
        # Keep the ids and e-mails usable outside the context.
        for user in (world.manager, world.delegate, world.adviser):
            _ = user.email, user.id
        _ = world.employer.id, world.organisation.id, world.territory.id, world.platform.id, world.week.id
        _ = world.info_session.id
        db.session.expunge_all()
    return world


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  const target = event.target && event.target.outerHTML ? event.target.outerHTML.slice(0, 160) : "";
  console.error(`CSP ${event.violatedDirective} from ${event.sourceFile}:${event.lineNumber}:${event.columnNumber} on ${target}`);
});
"""


class Journey:
    """A browser page with the journey's helpers: log in, navigate, check accessibility, take screenshots.

    Every console error and uncaught exception of the pages is kept: a journey
    ends with none (the DSFR header once threw one on every page).
    """

    def __init__(self, page: object, base_url: str, name: str, device: str) -> None:
        self.page = page
        self.base_url = base_url
        self.name = name
        self.device = device
        self.phone = device == "telephone"
        self.shots = 0
        self.checked: list[str] = []
        self.violations: list[str] = []
        self.console_errors: list[str] = []
        self.directory = ARTIFACTS / name
        self.directory.mkdir(parents=True, exist_ok=True)
        page.on("console", self._console)  # type: ignore[attr-defined]
        # A CSP refusal says where it came from: the console's own message does not.
        page.add_init_script(CSP_REPORTER)  # type: ignore[attr-defined]
        page.on("pageerror", lambda error: self.console_errors.append(f"{page.url}: {error}"))  # type: ignore[attr-defined]

    def _console(self, message: object) -> None:
        if message.type != "error":  # type: ignore[attr-defined]
            return
        # A form sent back with its errors answers 422 by design; Chromium logs any 4xx.
        if "status of 422" in message.text:  # type: ignore[attr-defined]
            return
        where = message.location  # type: ignore[attr-defined]
        source = f"{where.get('url') or '?'}:{where.get('lineNumber')}" if where else "?"
        self.console_errors.append(
            f"{self.page.url} (after shot {self.shots}, from {source}): {message.text}"
        )  # type: ignore[attr-defined]

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def login(self, email: str) -> None:
        self.goto("/login")
        self.page.fill("#email", email)
        self.page.fill("#password", factories.PASSWORD)
        self.page.click("main button[type=submit]")
        self.page.wait_for_load_state()
        assert "/login" not in self.page.url, f"login of {email} failed: {self.page.inner_text('main')[:500]}"

    def open_menu(self) -> None:
        """On a phone, the navigation and the account links sit behind the « Menu » button."""
        from playwright.sync_api import expect

        if not self.page.locator("#menu-principal").is_visible():
            self.page.click("#bouton-menu")
        expect(self.page.locator("#menu-principal")).to_be_visible()

    def nav(self, label: str) -> None:
        """Follow the main navigation's link ``label``, through the menu on a phone."""
        if self.phone:
            self.open_menu()
        self.page.click(f"#navigation a.fr-nav__link:text-is('{label}')")
        self.page.wait_for_load_state()

    def logout(self) -> None:
        from playwright.sync_api import expect

        if self.phone:
            self.open_menu()
            self.page.click("#menu-principal .fr-header__menu-links button:has-text('Se déconnecter')")
        else:
            self.page.click(".fr-header__tools-links button:has-text('Se déconnecter')")
        expect(self.page.locator("main .fr-alert")).to_contain_text("Vous êtes déconnecté·e")

    def check(self, label: str) -> None:
        """Screenshot the page and run axe-core on it: no serious or critical violation."""
        self.page.wait_for_load_state()
        self.shots += 1
        # caret="initial": hiding the caret puts a style attribute on the focused field, which the
        # DSFR then copies (header links) into a CSP refusal that no user would ever cause.
        self.page.screenshot(
            path=str(self.directory / f"{self.shots:02d}-{label}.png"), full_page=True, caret="initial"
        )
        if not hasattr(self.page, "_axe_source"):
            self.page._axe_source = AXE.read_text()  # type: ignore[attr-defined]
        # evaluate() goes through the DevTools protocol: the page's CSP does not apply to it.
        self.page.evaluate(self.page._axe_source + "\n;undefined")  # type: ignore[attr-defined]
        found = self.page.evaluate(
            """async () => {
                const result = await axe.run(document, {resultTypes: ['violations']});
                return result.violations
                    .filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(' | ')}`);
            }"""
        )
        self.checked.append(self.page.url)
        self.violations.extend(f"{label} ({self.page.url}): {v}" for v in found)

    def assert_accessible(self) -> None:
        """No axe violation on any page checked, and no error in the browser's console."""
        assert not self.violations, "\n".join(self.violations)
        assert not self.console_errors, "\n".join(self.console_errors)


@pytest.fixture
def journey(
    browser: object, live_server: str, request: pytest.FixtureRequest, live_clock: Clock
) -> Iterator[Callable[[str], Journey]]:
    contexts = []

    def start(device: str = "ordinateur") -> Journey:
        context = browser.new_context(locale="fr-FR", **DEVICES[device])  # type: ignore[attr-defined]
        contexts.append(context)
        return Journey(context.new_page(), live_server, request.node.name, device)

    yield start
    for context in contexts:
        context.close()
    live_clock.today = START
