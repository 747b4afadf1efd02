"""Issue 9, class 2: no text typed by someone becomes a live formula in any export.

The control characters used to be stripped *after* the ``= + - @`` check, so
``"\\x01=HYPERLINK(…)"`` became a live ``<f>`` in the cohort and the bilan's
``Sessions`` sheet. The writer now neutralises the final text, looking past
whatever shows nothing at its start. Proved two ways: a property over
generated prefixes written into every text column of every export (the
columns are discovered by running the real exports), and the real exports of
a platform whose typed texts are all hostile.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy.orm import Session

import exports.writer as writer_module
from exports.bilan import write_bilan, write_national
from exports.cohort import write_cohort
from exports.writer import FORMULA_TRIGGERS, Column, Kind, WorkbookWriter
from pathways.imports.template import write_template
from pathways.models import InfoSession, OrientationWeek
from pathways.states import State
from tests.factories import make_pathway, make_person, make_world

YEAR = (date(2025, 1, 1), date(2025, 12, 31))
# What shows nothing: controls, format characters (zero-width, BOM, bidi marks), spaces of every kind.
INVISIBLE = st.characters(categories=("Cc", "Cf", "Zs", "Zl", "Zp"), exclude_characters="\x00")
PREFIXES = st.text(INVISIBLE, max_size=6)
TRIGGERS = st.sampled_from(sorted(FORMULA_TRIGGERS))
PAYLOADS = st.sampled_from(['HYPERLINK("http://x","y")', "1+1", "cmd|' /C calc'!A0", "SUM(A1:A9)", ""])


def _shows_nothing(character: str) -> bool:
    return character.isspace() or unicodedata.category(character) in ("Cc", "Cf", "Zs", "Zl", "Zp")


def live_formulas(content: bytes) -> list[str]:
    """Every cell of every sheet that a spreadsheet would run: formula cells, or text led by a trigger."""
    found = []
    workbook = load_workbook(io.BytesIO(content))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    found.append(f"{sheet.title}!{cell.coordinate}: formula {cell.value!r}")
                elif isinstance(cell.value, str):
                    visible = next((c for c in cell.value if not _shows_nothing(c)), "")
                    if visible in FORMULA_TRIGGERS and not cell.value.startswith("'"):
                        found.append(f"{sheet.title}!{cell.coordinate}: {cell.value!r}")
    return found


def hostile_world(session: Session, text: str) -> Any:
    """A platform where every text a user types and an export shows carries ``text``."""
    world = make_world(session)
    world.territory.name = text + " territoire"
    world.platform.name = text + " plateforme"
    world.employer.name = text + " employeur"
    world.organisation.name = text + " organisme"
    session.add(
        InfoSession(platform_id=world.platform.id, held_on=date(2025, 3, 3), place=text + " lieu", seats=5)
    )
    session.add(
        OrientationWeek(
            platform_id=world.platform.id, starts_on=date(2025, 3, 10), place=text + " lieu", seats=5
        )
    )
    person = make_person(
        session, world, last_name=text + " Nom", first_name=text + " Prénom", france_travail_id="1234567A"
    )
    make_pathway(session, world, State.TRAINING, start=date(2025, 2, 3), person=person)
    session.flush()
    return world


def all_exports(session: Session, world: Any, tmp_path: Path) -> Iterator[tuple[str, bytes]]:
    for name, write in (
        (
            "bilan",
            lambda t: write_bilan(session, world.platform, *YEAR, t, actor=world.manager, with_cohort=True),
        ),
        ("national", lambda t: write_national(session, world.platform, *YEAR, t, actor=world.manager)),
        ("cohorte", lambda t: write_cohort(session, world.platform, t, actor=world.manager)),
        (
            "cohorte nominative",
            lambda t: write_cohort(session, world.platform, t, actor=world.manager, identified=True),
        ),
        ("modèle d'import", lambda t: write_template(t, session, world.platform)),
    ):
        target = io.BytesIO()
        write(target)
        yield name, target.getvalue()


@pytest.mark.parametrize(
    "prefix", ["\x01", "\u200b", " \t", "\ufeff", "\u202e", "\n", "\x1b ", "\u00a0\u2060"], ids=repr
)
def test_every_export_of_a_hostile_platform_holds_no_live_formula(
    session: Session, today: date, tmp_path: Path, prefix: str
) -> None:
    world = hostile_world(session, prefix + '=HYPERLINK("http://evil.example","clic")')
    for name, content in all_exports(session, world, tmp_path):
        assert live_formulas(content) == [], name


def _text_columns_of_every_export(session: Session, tmp_path: Path) -> list[tuple[str, list[Column], int]]:
    """(sheet, columns, index of a text column) for every text column the real exports write."""
    seen: list[tuple[str, list[Column]]] = []
    original = WorkbookWriter.sheet

    def spy(self: WorkbookWriter, title: str, columns: list[Column], **options: Any) -> Any:
        seen.append((title, list(columns)))
        return original(self, title, columns, **options)

    world = hostile_world(session, "ordinaire")
    WorkbookWriter.sheet = spy  # type: ignore[method-assign]
    try:
        list(all_exports(session, world, tmp_path))
    finally:
        WorkbookWriter.sheet = original  # type: ignore[method-assign]
    found = []
    for title, columns in seen:
        for index, column in enumerate(columns):
            if column.kind is Kind.TEXT:
                found.append((title, columns, index))
    return found


def test_a_generated_prefix_never_makes_a_formula_in_any_text_column(
    session: Session, today: date, tmp_path: Path
) -> None:
    targets = _text_columns_of_every_export(session, tmp_path)
    sheets = {title for title, _, _ in targets}
    # The discovery saw the sheets the issue names, and more.
    assert {"Cohorte", "Sessions", "Synthèse"} <= sheets
    assert len(targets) > 30

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(prefix=PREFIXES, trigger=TRIGGERS, payload=PAYLOADS, pick=st.integers(0, len(targets) - 1))
    def check(prefix: str, trigger: str, payload: str, pick: int) -> None:
        title, columns, index = targets[pick]
        values: list[Any] = [None] * len(columns)
        values[index] = prefix + trigger + payload
        book = WorkbookWriter()
        book.sheet(title, columns).append(values)
        target = io.BytesIO()
        book.save(target)
        assert live_formulas(target.getvalue()) == [], (title, columns[index].header, values[index])
        # And the value a cell holds, on its own.
        written = writer_module.cell_value(prefix + trigger + payload)
        if written is not None:
            visible = next((c for c in written if not _shows_nothing(c)), "")
            assert visible not in FORMULA_TRIGGERS or written.startswith("'")

    check()
