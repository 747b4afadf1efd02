"""``/import``: template, verification report or preview, confirmation; managers only."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from pathways import clock
from pathways.imports import jobs as import_jobs
from pathways.jobs import idempotency_key
from pathways.models import AuditEntry, BackgroundJob, ImportBatch, Pathway, User
from pathways.vocabulary import ImportStatus, JobStatus, Role
from tests import factories
from tests.unit.imports.files import write_csv


@pytest.fixture
def web_app(app: Flask, tmp_path: Path) -> Iterator[Flask]:
    app.config["WTF_CSRF_ENABLED"] = False
    app.config["PATHWAYS_IMPORT_FOLDER"] = str(tmp_path / "imports")
    yield app
    app.config["WTF_CSRF_ENABLED"] = True
    app.config.pop("PATHWAYS_IMPORT_FOLDER")


@pytest.fixture
def world(session, today) -> factories.World:
    world = factories.make_world(session)
    session.commit()
    return world


def login(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    return client


ROW = {
    "nom": "Petit",
    "prenom": "Jules",
    "date_naissance": date(2004, 2, 2),
    "date_entree": date(2025, 9, 1),
    "date_sortie": date(2025, 10, 1),
    "motif_sortie": "abandon",
}


def upload(client: FlaskClient, path: Path, name: str | None = None):
    return client.post(
        "/import/verifier",
        data={"file": (io.BytesIO(path.read_bytes()), name or path.name)},
        content_type="multipart/form-data",
    )


def count_pathways(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Pathway))


def test_only_managers(web_app, world) -> None:
    for user in (world.adviser, world.delegate, world.admin):
        client = login(web_app, user)
        assert client.get("/import/").status_code == 404
        assert client.get("/import/modele.xlsx").status_code == 404
    assert login(web_app, world.manager).get("/import/").status_code == 200


def batch_page(client: FlaskClient, response) -> str:
    """The batch page the upload or the confirmation redirected to."""
    assert response.status_code == 302
    assert "/import/" in response.headers["Location"]
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_template_then_verify_then_confirm(web_app, world, session, tmp_path: Path) -> None:
    client = login(web_app, world.manager)
    template = client.get("/import/modele.xlsx")
    assert template.status_code == 200
    path = tmp_path / "modele.xlsx"
    path.write_bytes(template.data)
    response = upload(client, path)
    text = batch_page(client, response)
    assert "Le fichier est valide" in text
    assert "Parcours terminé" in text
    assert "<span id=\"import-label\">Lignes vérifiées</span> : <span id=\"import-count\">4 sur 4</span>" in text
    assert count_pathways(session) == 0
    folder = Path(web_app.config["PATHWAYS_IMPORT_FOLDER"])
    kept = list(folder.iterdir())
    # Only the encrypted copy waits (issue 9, class 10): not a workbook anyone can open.
    assert [p.suffix for p in kept] == [".sealed"]
    assert not kept[0].read_bytes().startswith(b"PK")
    batch = session.scalars(sa.select(ImportBatch)).one()
    assert batch.status is ImportStatus.VERIFIED
    response = client.post(f"/import/{batch.id}/confirmer")
    text = batch_page(client, response)
    assert "Import terminé" in text
    assert count_pathways(session) == 4
    assert not list(folder.iterdir())  # the file is gone once imported
    progress = client.get(f"/import/{batch.id}/etat").get_json()
    assert progress == {
        "status": "done",
        "status_label": "Importé",
        "running": False,
        "label": "Parcours écrits",
        "done": 4,
        "total": 4,
        "count": "4 sur 4",
        "percent": 100,
    }
    # The same file again: nothing new.
    text = batch_page(client, upload(client, path))
    assert "0 parcours créé, 4 déjà importés" in text
    actions = list(session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("import.%"))))
    assert "import.caseload" in actions
    assert "import.verify" in actions


def test_report_lists_problems_and_nothing_is_kept(web_app, world, session, tmp_path: Path) -> None:
    client = login(web_app, world.manager)
    path = write_csv(tmp_path / "parcours.csv", [{**ROW, "motif_sortie": "lassitude"}])
    text = batch_page(client, upload(client, path))
    assert "1 problème :" in text
    assert "lassitude" in text
    assert "Confirmer" not in text
    assert count_pathways(session) == 0
    assert not list(Path(web_app.config["PATHWAYS_IMPORT_FOLDER"]).iterdir())


def test_only_the_uploader_confirms_and_only_once(web_app, world, session, tmp_path: Path) -> None:
    other = factories.create_user(
        session, email="autre-responsable@example.fr", role=Role.MANAGER, password=factories.PASSWORD,
        platform=world.platform,
    )
    session.commit()
    client = login(web_app, world.manager)
    batch_page(client, upload(client, write_csv(tmp_path / "parcours.csv", [ROW])))
    batch = session.scalars(sa.select(ImportBatch)).one()
    intruder = login(web_app, other)
    assert "Confirmer" not in intruder.get(f"/import/{batch.id}").get_data(as_text=True)
    intruder.post(f"/import/{batch.id}/confirmer")
    assert count_pathways(session) == 0
    client.post(f"/import/{batch.id}/confirmer")
    again = client.post(f"/import/{batch.id}/confirmer")
    assert again.status_code == 302
    assert count_pathways(session) == 1


def test_another_platform_never_sees_an_import(web_app, world, session, tmp_path: Path) -> None:
    elsewhere = factories.make_world(session, slug="essonne")
    session.commit()
    client = login(web_app, world.manager)
    batch_page(client, upload(client, write_csv(tmp_path / "parcours.csv", [ROW])))
    batch = session.scalars(sa.select(ImportBatch)).one()
    other = login(web_app, elsewhere.manager)
    assert other.get(f"/import/{batch.id}").status_code == 404
    assert other.get(f"/import/{batch.id}/etat").status_code == 404
    assert other.post(f"/import/{batch.id}/confirmer").status_code == 404


def test_hostile_file_refused(web_app, world, tmp_path: Path) -> None:
    client = login(web_app, world.manager)
    path = write_csv(tmp_path / "parcours.csv", [ROW])
    text = batch_page(client, upload(client, path, "parcours.xlsm"))
    assert "Fichier refusé" in text
    assert "macros" in text


def test_confirm_without_verification_is_refused(web_app, world, session) -> None:
    client = login(web_app, world.manager)
    assert client.post("/import/999999/confirmer").status_code == 404
    assert count_pathways(session) == 0


@pytest.mark.parametrize(
    ("batch_status", "job_status", "label", "running"),
    [
        # Confirmed, its job not yet picked up by the consumer.
        (ImportStatus.VERIFIED, JobStatus.QUEUED, "Demandé, en attente de son tour", True),
        # The import is written; its job is still closing: done, and the page follows it to the end.
        (ImportStatus.DONE, JobStatus.RUNNING, "Importé", True),
        (ImportStatus.DONE, JobStatus.DONE, "Importé", False),
        # Verified; the verification's job is still closing.
        (ImportStatus.VERIFIED, JobStatus.RUNNING, "Vérifié, en attente de confirmation", True),
    ],
)
def test_the_progress_says_waiting_only_while_the_job_waits(
    web_app, world, session, batch_status, job_status, label, running
) -> None:
    batch = ImportBatch(
        platform_id=world.platform.id,
        user_id=world.manager.id,
        filename="parcours.xlsx",
        status=batch_status,
        rows_total=4,
        rows_checked=4,
        rows_written=4 if batch_status is ImportStatus.DONE else 0,
        updated_at=clock.now(),
    )
    session.add(batch)
    session.flush()
    verifying = batch_status is ImportStatus.VERIFIED and job_status is JobStatus.RUNNING
    kind = import_jobs.VERIFY if verifying else import_jobs.CONFIRM
    session.add(
        BackgroundJob(
            kind=kind,
            idempotency_key=idempotency_key(kind, batch.id),
            status=job_status,
            user_id=world.manager.id,
            platform_id=world.platform.id,
            updated_at=clock.now(),
        )
    )
    session.commit()
    progress = login(web_app, world.manager).get(f"/import/{batch.id}/etat").get_json()
    assert (progress["status_label"], progress["running"]) == (label, running)
