"""A manager takes the platform's spreadsheet in: template, verification, report, confirmation, result."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from pathways import clock
from pathways.extensions import db
from pathways.models import ImportBatch, Pathway, PathwayEvent
from pathways.states import Trigger
from pathways.vocabulary import ImportStatus

pytestmark = pytest.mark.browser


def test_a_manager_imports_the_template_then_a_broken_file(
    journey, world, live_app, live_worker, tmp_path: Path
) -> None:
    manager = journey()
    manager.login(world.manager.email)
    manager.goto("/import/")
    manager.check("import")
    manager.page.set_viewport_size({"width": 390, "height": 844})
    manager.check("import-phone")
    manager.page.set_viewport_size({"width": 1280, "height": 900})
    with manager.page.expect_download() as download:
        manager.page.click("text=Télécharger le modèle")
    template = tmp_path / "modele-import-parcours.xlsx"
    download.value.save_as(template)

    manager.page.set_input_files("input[type=file]", str(template))
    manager.page.click("text=Vérifier le fichier")
    expect(manager.page.locator("main")).to_contain_text("Le fichier est valide")
    expect(manager.page.locator("#import-bar")).to_have_attribute("value", "4")
    manager.check("verified")
    manager.page.click("text=Confirmer l'import")
    expect(manager.page.locator("main")).to_contain_text("Import terminé")
    manager.check("imported")
    with live_app.app_context():
        triggers = list(db.session.scalars(sa.select(PathwayEvent.trigger)))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Pathway)) >= 4
        assert Trigger.END_CONTRACT in triggers  # the broken CDD of the template
        db.session.remove()

    broken = tmp_path / "parcours.csv"
    broken.write_text(
        "nom;prenom;date_naissance;date_entree;date_contrat_2\nPetit;Jules;02/02/2004;01/09/2025;01/10/2025\n",
        encoding="utf-8",
    )
    manager.goto("/import/")
    manager.page.set_input_files("input[type=file]", str(broken))
    manager.page.click("text=Vérifier le fichier")
    expect(manager.page.locator("main")).to_contain_text("rien n'a été enregistré")
    expect(manager.page.locator("main table")).to_contain_text("Un deuxième contrat suit la fin du premier")
    manager.check("refused")
    manager.page.set_viewport_size({"width": 390, "height": 844})
    manager.check("refused-phone")
    manager.assert_accessible()


def test_the_progress_says_which_phase_it_counts(journey, world, live_app) -> None:
    """The import checks the file again before writing: the label follows, the counts in French."""
    with live_app.app_context():
        batch = ImportBatch(
            platform_id=world.platform.id,
            user_id=world.manager.id,
            filename="parcours-2026.xlsx",
            status=ImportStatus.VERIFYING,
            rows_total=12_000,
            rows_checked=1_500,
            updated_at=clock.now(),
        )
        db.session.add(batch)
        db.session.commit()
        batch_id = batch.id
        db.session.remove()
    manager = journey()
    manager.login(world.manager.email)
    manager.page.set_viewport_size({"width": 390, "height": 844})
    manager.goto(f"/import/{batch_id}")
    expect(manager.page.locator("#import-label")).to_have_text("Lignes vérifiées")
    expect(manager.page.locator("#import-count")).to_have_text("1\u202f500 sur 12\u202f000")
    with live_app.app_context():
        db.session.execute(
            sa.update(ImportBatch)
            .where(ImportBatch.id == batch_id)
            .values(status=ImportStatus.WRITING, rows_checked=12_000, rows_written=3_500)
        )
        db.session.commit()
        db.session.remove()
    # Read again by the page's script, without a reload.
    expect(manager.page.locator("#import-label")).to_have_text("Parcours écrits")
    expect(manager.page.locator("#import-count")).to_have_text("3\u202f500 sur 12\u202f000")
    expect(manager.page.locator("#import-bar")).to_have_attribute("value", "3500")
