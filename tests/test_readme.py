"""The README shows the transitions table as the code defines it."""

from __future__ import annotations

from pathlib import Path

from pathways.states.table import markdown_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_table_matches_the_machine() -> None:
    text = README.read_text(encoding="utf-8")
    shown = text.split("<!-- states:begin -->\n", 1)[1].split("\n<!-- states:end -->", 1)[0]
    assert shown == markdown_table(), "run `python -m pathways.states.table` and paste it into README.md"


def test_readme_shows_the_two_commands_and_the_demo_password() -> None:
    text = README.read_text(encoding="utf-8")
    for needle in ("make run", "make test", "Demo-Pathways-2026", "responsable@demo.fr"):
        assert needle in text
