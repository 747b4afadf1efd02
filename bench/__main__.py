"""``make bench``: the benchmarks on SQLite and PostgreSQL, figures printed with ratios.

Size with ``PATHWAYS_BENCH_PATHWAYS`` (default 100 000 pathways, ≈1 000 000
events); choose databases with ``PATHWAYS_BENCH_BACKENDS=sqlite,postgresql``.
Results are also written to ``bench/results/latest.json``.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from flask_migrate import upgrade

from bench import data, engine
from pathways import clock, create_app
from pathways.extensions import db
from tools.pgcluster import running_cluster

RESULTS = Path(__file__).resolve().parent / "results"


def print_figures(backend: str, figures: list[engine.Figure]) -> None:
    print(f"\n== {backend} ==")
    print(f"{'measure':<78} {'measured':>11} {'baseline':>11} {'ratio':>7}")
    for figure in figures:
        print(
            f"{figure.name:<78} {figure.measured:>9.3f}{figure.unit:<2} "
            f"{figure.baseline:>9.3f}{figure.unit:<2} {figure.ratio:>6.2f}x"
        )
    sys.stdout.flush()


def bench_backend(backend: str, url: str, pathways: int) -> list[engine.Figure]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        loaded = data.load(db.engine, pathways)
        load_time = time.perf_counter() - started
        print(f"\n[{backend}] loaded {loaded.pathways} pathways, {loaded.events} events in {load_time:.1f}s")
        figures = engine.run(db.session, db.engine, loaded, clock.today())
        # The exports' benchmarks, when present, run on the same data.
        try:
            exports_bench = importlib.import_module("bench.exports")
        except ModuleNotFoundError:
            exports_bench = None
        if exports_bench is not None and hasattr(exports_bench, "run"):
            figures.extend(exports_bench.run(db.session, db.engine, loaded))
        # The import's, into a new platform of the same database.
        figures.extend(importlib.import_module("bench.imports").run(db.session, db.engine, loaded))
        db.session.remove()
        db.engine.dispose()
    return figures


def main() -> None:
    pathways = int(os.environ.get("PATHWAYS_BENCH_PATHWAYS", "100000"))
    backends = os.environ.get("PATHWAYS_BENCH_BACKENDS", "sqlite,postgresql").split(",")
    results: dict[str, list[dict[str, object]]] = {}
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pathways-bench-")))
        for backend in backends:
            url = (
                f"sqlite:///{workdir / 'bench.db'}"
                if backend == "sqlite"
                else stack.enter_context(running_cluster())
            )
            figures = bench_backend(backend, url, pathways)
            print_figures(backend, figures)
            results[backend] = [
                {
                    "name": f.name,
                    "measured": f.measured,
                    "baseline": f.baseline,
                    "unit": f.unit,
                    "ratio": f.ratio,
                }
                for f in figures
            ]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps({"pathways": pathways, "results": results}, indent=2))


if __name__ == "__main__":
    main()
