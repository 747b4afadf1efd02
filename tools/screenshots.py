"""Retake the README's screenshots on the demo platform, desktop (1280×900) and phone (390×844).

    make screenshots                       # a fresh demo in a temporary SQLite database
    python tools/screenshots.py --url http://127.0.0.1:5000   # an app already serving the demo

Without ``--url`` the app is built from scratch (migrations, ``seed-demo``)
in a temporary directory and served in this process, so the pictures never
depend on what a developer's own database holds. Chromium is Debian's
(``/usr/bin/chromium``), driven by Playwright, as in the browser tests.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Shot:
    """One picture: who is logged in, how to reach the page, and the file's name (without .png)."""

    name: str
    account: str
    reach: Callable[[object], None]
    full_page: bool = False
    # Scrolled so that this element is at the top (the part of the page worth showing).
    scroll_to: str | None = None


def _open(path: str) -> Callable[[object], None]:
    def reach(page: object) -> None:
        page.goto(page.base_url + path)  # type: ignore[attr-defined]

    return reach


def _first_link(path: str, selector: str) -> Callable[[object], None]:
    """Open ``path``, then follow the first link matching ``selector``."""

    def reach(page: object) -> None:
        page.goto(page.base_url + path)  # type: ignore[attr-defined]
        href = page.locator(selector).first.get_attribute("href")  # type: ignore[attr-defined]
        page.goto(page.base_url + href)  # type: ignore[attr-defined]

    return reach


def _menu(path: str) -> Callable[[object], None]:
    """``path`` with the phone's menu opened."""

    def reach(page: object) -> None:
        page.goto(page.base_url + path)  # type: ignore[attr-defined]
        page.click("#bouton-menu")  # type: ignore[attr-defined]
        page.wait_for_selector("#menu-principal.fr-modal--opened")  # type: ignore[attr-defined]

    return reach


SHOTS = (
    Shot("delegue-accueil", "delegue@demo.fr", _open("/delegue/")),
    Shot("delegue-semaine", "delegue@demo.fr", _first_link("/pole-orientation/", "main table tbody a")),
    Shot(
        "conseiller-portefeuille",
        "conseiller@demo.fr",
        _open("/portefeuille/"),
        scroll_to="main form[role=search]",
    ),
    Shot(
        "conseiller-dossier",
        "conseiller@demo.fr",
        _first_link("/portefeuille/", "#liste-parcours tbody td a"),
    ),
    Shot("responsable-tableau-de-bord", "responsable@demo.fr", _open("/tableau-de-bord/")),
    Shot(
        "responsable-journal",
        "responsable@demo.fr",
        _open("/journal/?action=pathway"),
        scroll_to="main .fr-table",
    ),
    Shot("administrateur-accueil", "admin@demo.fr", _open("/")),
    Shot("conseiller-agenda", "conseiller@demo.fr", _open("/agenda/")),
    Shot(
        "delegue-information-collective",
        "delegue@demo.fr",
        _first_link("/informations-collectives/", "main table tbody a"),
    ),
    Shot("responsable-donnees-personnelles", "responsable@demo.fr", _open("/donnees-personnelles/")),
)
# On the phone: the menu, and the pages used on the move.
PHONE_SHOTS = (
    Shot("mobile-menu", "conseiller@demo.fr", _menu("/portefeuille/")),
    Shot("mobile-portefeuille", "conseiller@demo.fr", _open("/portefeuille/")),
    Shot("mobile-dossier", "conseiller@demo.fr", _first_link("/portefeuille/", "#liste-parcours tbody td a")),
    Shot("mobile-delegue-accueil", "delegue@demo.fr", _open("/delegue/")),
    Shot("mobile-agenda", "conseiller@demo.fr", _open("/agenda/")),
)


@contextmanager
def demo_server() -> Iterator[str]:
    """A fresh demo app served on a free local port, in a thread of this process."""
    from flask_migrate import upgrade
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args: object, **kwargs: object) -> None:
            pass

    from pathways import create_app
    from pathways.demo import seed_demo
    from pathways.extensions import db

    with tempfile.TemporaryDirectory() as directory:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(directory) / 'demo.db'}",
                "SECRET_KEY": "screenshots-only",
            }
        )
        with app.app_context():
            upgrade()
            seed_demo(db.session)
            db.session.commit()
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            thread.join(timeout=5)
            with app.app_context():
                db.engine.dispose()


def take(base_url: str, output: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from pathways.demo import DEMO_PASSWORD

    output.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        for shots, viewport, mobile in ((SHOTS, DESKTOP, False), (PHONE_SHOTS, PHONE, True)):
            for shot in shots:
                context = browser.new_context(
                    locale="fr-FR", viewport=viewport, is_mobile=mobile, has_touch=mobile
                )
                page = context.new_page()
                page.base_url = base_url  # type: ignore[attr-defined]
                page.goto(base_url + "/login")
                page.fill("#email", shot.account)
                page.fill("#password", DEMO_PASSWORD)
                page.click("main button[type=submit]")
                page.wait_for_load_state()
                shot.reach(page)
                page.wait_for_load_state("networkidle")
                if shot.scroll_to:
                    top = page.locator(shot.scroll_to).first.bounding_box()["y"]
                    page.evaluate(f"window.scrollTo(0, {max(0, top - 16)})")
                    page.wait_for_timeout(200)
                path = output / f"{shot.name}.png"
                page.screenshot(path=str(path), full_page=shot.full_page)
                written.append(path)
                context.close()
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an app already serving the demo (default: a fresh one)")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"where to write (default: {OUTPUT})")
    arguments = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print("Chromium is missing: `make test-deps` installs it.", file=sys.stderr)  # noqa: T201
        return 1
    if arguments.url:
        written = take(re.sub(r"/+$", "", arguments.url), arguments.output)
    else:
        with demo_server() as url:
            written = take(url, arguments.output)
    for path in written:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
