"""Copy the front-end files the pages use from node_modules to pathways/static/vendor.

Run by `make install`. The DSFR package weighs ≈136 MB; the pages need its
built CSS and JS, fonts, icons, utility classes and favicons only.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "node_modules"
VENDOR = ROOT / "pathways" / "static" / "vendor"

# (source under node_modules, destination under static/vendor)
ASSETS = (
    ("@gouvfr/dsfr/dist/dsfr.min.css", "dsfr/dsfr.min.css"),
    ("@gouvfr/dsfr/dist/dsfr.module.min.js", "dsfr/dsfr.module.min.js"),
    ("@gouvfr/dsfr/dist/dsfr.nomodule.min.js", "dsfr/dsfr.nomodule.min.js"),
    ("@gouvfr/dsfr/dist/fonts", "dsfr/fonts"),
    ("@gouvfr/dsfr/dist/icons", "dsfr/icons"),
    ("@gouvfr/dsfr/dist/utility/utility.min.css", "dsfr/utility/utility.min.css"),
    ("@gouvfr/dsfr/dist/favicon", "dsfr/favicon"),
    ("chart.js/dist/chart.umd.min.js", "chart.js/chart.umd.min.js"),
    ("axe-core/axe.min.js", "axe-core/axe.min.js"),
)


def main() -> None:
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    for source, destination in ASSETS:
        origin, target = MODULES / source, VENDOR / destination
        target.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, target)
        else:
            shutil.copy2(origin, target)
    print(f"front-end assets copied to {VENDOR.relative_to(ROOT)}")  # noqa: T201 - a build step


if __name__ == "__main__":
    main()
