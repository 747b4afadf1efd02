"""The bilan report as PDF: it renders, and says which period and what access rate."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from exports.pdf import css_string, write_bilan_pdf
from pathways.models import AuditEntry
from tests.factories import make_world
from tests.unit.exports.printing import PDFTOTEXT, page_count, page_size, pages_text
from tests.unit.exports.scenario import build_caseload, oracle

YEAR = (date(2025, 1, 1), date(2025, 12, 31))


def test_page_headers_hold_any_platform_name_as_text() -> None:
    # A platform's name goes into the CSS of the page headers: it cannot end the style.
    assert css_string("Val d'Oise") == '"Val d\'Oise"'
    assert css_string('a"b</style>') == '"a\\22 b\\3c /style\\3e "'


@pytest.mark.skipif(PDFTOTEXT is None, reason="poppler-utils is absent (make test-deps installs it)")
def test_the_report_renders_with_the_period_and_the_access_rate(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    build_caseload(session, world, seed=5, count=35)
    expected = oracle(session, [world.platform.id], *YEAR)
    target = tmp_path / "bilan.pdf"
    bilan = write_bilan_pdf(session, world.platform, *YEAR, target, actor=world.manager)
    assert target.read_bytes().startswith(b"%PDF-")
    assert "(A4)" in page_size(target)
    assert 3 <= page_count(target) <= 14
    text = "\n".join(pages_text(target))
    assert "Plateforme yvelines" in text
    assert "du 01/01/2025 au 31/12/2025" in text
    rate, _denominator = expected["access_rate"]
    assert bilan.value("access_rate") == pytest.approx(rate)
    percent = f"{rate * 100:.1f}".replace(".", ",") + "\u202f%"
    assert percent in text or percent.replace("\u202f", " ") in text
    assert "Taux d'accès à la formation ou à l'emploi" in text
    # The three levels, the charts' tables, the jobs by name.
    for title in ("Réalisation", "Résultat", "Impact", "Entonnoir du parcours", "Métiers et employeurs"):
        assert title in text, title
    assert re.search(r"Assistant / Assistante de vie", text)
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "export.bilan_pdf"))
    assert entry.user_id == world.manager.id
