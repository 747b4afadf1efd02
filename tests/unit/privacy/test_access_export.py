"""The right of access: the whole record as PDF and spreadsheet, every kind of record, nothing of another."""

from __future__ import annotations

import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from exports.person_record import RecordFormat, export_person_record, record_html
from pathways.audit import audit_view
from pathways.models import AuditEntry
from pathways.privacy.record import person_record
from tests.factories import make_world
from tests.unit.privacy.scene import make_full_person

# Every sheet a fixture person's record fills (identity first, accesses last).
SHEETS = [
    "Identité",
    "Le parcours",
    "Historique daté du parcours",
    "Étapes prévues",
    "Conseiller·ères successif·ves",
    "Pôle orientation",
    "Freins périphériques",
    "Statuts datés des freins",
    "Diagnostics",
    "Feuilles de route",
    "PMSMP (immersions)",
    "Formations",
    "Contrats de travail",
    "Points de suivi dans l'emploi",
    "Référent·es partenaires",
    "Échanges tripartites",
    "Notes",
    "Informations collectives",
    "Messages envoyés (le texte n'es",
    "Accès au dossier (journal d'aud",
]


@pytest.fixture
def scene(session, today):
    world = make_world(session)
    person = make_full_person(session, world, "QZX")
    other = make_full_person(session, world, "KWV")
    audit_view(session, world.adviser, person.pathway)
    audit_view(session, world.delegate, other.pathway)
    session.commit()
    return world, person, other


def sheet_texts(path: Path) -> dict[str, str]:
    book = load_workbook(path, read_only=True)
    return {
        sheet.title: "\n".join(
            " | ".join("" if v is None else str(v) for v in row) for row in sheet.iter_rows(values_only=True)
        )
        for sheet in book.worksheets
    }


def test_the_spreadsheet_holds_each_kind_of_record_and_nothing_of_another(session, scene, tmp_path) -> None:
    world, person, _other = scene
    target = tmp_path / "dossier.xlsx"
    export_person_record(session, person.person, RecordFormat.XLSX, target, actor=world.manager)
    session.commit()
    texts = sheet_texts(target)
    assert list(texts) == SHEETS
    everything = "\n".join(texts.values())
    for text in person.texts:
        assert text in everything, text
    assert "KWV" not in everything
    # Each kind of record is where it belongs; health details included (it is the person's own data).
    assert "ZarkovQZX" in texts["Identité"]
    assert "FTQZX" in texts["Identité"]
    assert "Précision de santé QZX" in texts["Freins périphériques"]
    assert "Action frein QZX" in texts["Statuts datés des freins"]
    assert "Note du conseiller QZX" in texts["Notes"]
    assert "Compte rendu QZX" in texts["Échanges tripartites"]
    assert "Référente QZX" in texts["Référent·es partenaires"]
    assert "Tuteur QZX" in texts["PMSMP (immersions)"]
    assert "Motif d'abandon QZX" in texts["Formations"]
    assert "Difficultés QZX" in texts["Points de suivi dans l'emploi"]
    assert "Commentaire de sortie QZX" in texts["Historique daté du parcours"]
    assert "PMSMP" in texts["Étapes prévues"]
    assert "Note de relais QZX" in texts["Conseiller·ères successif·ves"]
    assert "Étape de la feuille de route QZX" in texts["Feuilles de route"]
    assert "Versailles" in texts["Informations collectives"]
    assert "Raison du rappel QZX" in texts["Informations collectives"]
    assert "ilona.qzx@exemple.fr" in texts["Messages envoyés (le texte n'es"]
    # Printed, each sheet fits the width of an A4 landscape page and says whose it is.
    book = load_workbook(target)
    for sheet in book.worksheets:
        assert (sheet.page_setup.orientation, sheet.page_setup.fitToWidth) == ("landscape", 1), sheet.title
        assert "Ilona" in sheet.oddFooter.left.text, sheet.title
    accesses = texts["Accès au dossier (journal d'aud"]
    assert world.adviser.email in accesses
    assert "Consultation du dossier du parcours" in accesses
    assert world.delegate.email not in accesses  # the délégué opened the other person's file only
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "person.access_export"))
    assert (entry.object_id, entry.user_id, entry.details) == (
        person.person.id,
        world.manager.id,
        {"format": "xlsx", "pathways": 1},
    )


def test_the_pdf_reads_in_french_with_every_record(session, scene, tmp_path) -> None:
    world, person, _other = scene
    html = unescape(record_html(person_record(session, person.person)))
    for text in person.texts:
        assert text in html, text
    assert "KWV" not in html
    assert "Vos données personnelles" in html
    target = tmp_path / "dossier.pdf"
    export_person_record(session, person.person, RecordFormat.PDF, target, actor=world.manager)
    assert target.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is absent (make test-deps installs poppler-utils)")
    text = subprocess.run(
        ["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Vos données personnelles" in text
    assert "Précision de santé QZX" in text
    assert "Historique daté du parcours" in text
