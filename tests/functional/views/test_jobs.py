"""« Mes tâches »: each user sees their jobs, their progress and their files; nobody else's."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from pathways import clock
from pathways.models import AuditEntry, BackgroundJob
from pathways.services.platform import create_user
from pathways.vocabulary import JobStatus, Role
from tests import factories


@pytest.fixture
def folder(web_app, tmp_path) -> Path:
    web_app.config["JOBS_FOLDER"] = str(tmp_path)
    return tmp_path


def add_job(session, user, status: JobStatus, **values) -> BackgroundJob:
    now = clock.now()
    job = BackgroundJob(
        kind="export.cohort",
        title=values.pop("title", "Cohorte pseudonymisée, 2025"),
        params={},
        status=status,
        user_id=user.id,
        platform_id=user.platform_id,
        created_at=now,
        updated_at=now,
        **values,
    )
    session.add(job)
    session.commit()
    return job


def done_with_file(session, user, folder: Path, content: bytes = b"PK-cohorte") -> BackgroundJob:
    (folder / "7-abc.xlsx").write_bytes(content)
    return add_job(
        session,
        user,
        JobStatus.DONE,
        progress_done=2,
        progress_total=2,
        result_file="7-abc.xlsx",
        result_name="cohorte-pseudonymisee-yvelines-20250101-20251231.xlsx",
        result_expires_at=clock.now() + timedelta(hours=24),
    )


def test_the_page_shows_progress_errors_and_the_file(session, world, login, folder) -> None:
    running = add_job(
        session, world.manager, JobStatus.RUNNING, progress_done=400, progress_total=1000,
        progress_label="Écriture des parcours de la cohorte", title="Cohorte nominative, 2025",
    )
    waiting = add_job(session, world.manager, JobStatus.QUEUED, progress_label="En attente", title="Bilan, 2024")
    failed = add_job(
        session, world.manager, JobStatus.FAILED, error_message="Le fichier n'a pas pu être produit.",
        title="Fichier national, 2025",
    )
    done = done_with_file(session, world.manager, folder)
    expired = add_job(
        session, world.manager, JobStatus.DONE, result_name="vieux.xlsx", title="Bilan d'activité, 2023"
    )
    page = login(world.manager).get("/taches/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<a class="fr-nav__link" href="/taches/" aria-current="page">Mes tâches</a>' in html
    block = html.split(f'id="job-{running.id}"')[1].split("</li>")[0]
    assert "Cohorte nominative, 2025" in block
    assert f'<label class="fr-label" for="job-progress-{running.id}">Écriture des parcours de la cohorte</label>' in block
    assert 'max="1000" value="400"' in block
    assert "400 sur 1\u202f000 (40 %)" in block
    assert "En cours" in block
    waiting_block = html.split(f'id="job-{waiting.id}"')[1].split("</li>")[0]
    assert f'<progress id="job-progress-{waiting.id}" max="1">' in waiting_block  # indeterminate
    assert "Le fichier n&#39;a pas pu être produit." in html.split(f'id="job-{failed.id}"')[1]
    done_block = html.split(f'id="job-{done.id}"')[1].split("</li>")[0]
    assert f'href="/taches/{done.id}/fichier"' in done_block
    assert "disponible jusqu&#39;au" in done_block
    assert "<progress" not in done_block
    expired_block = html.split(f'id="job-{expired.id}"')[1].split("</li>")[0]
    assert "supprimé à la fin de son délai de conservation" in expired_block
    assert "/fichier" not in expired_block
    assert 'src="/static/js/jobs.js"' in html


def test_the_state_feeds_the_refresh_script(session, world, login, folder) -> None:
    running = add_job(session, world.manager, JobStatus.RUNNING, progress_done=1, progress_total=4)
    done = done_with_file(session, world.manager, folder)
    data = login(world.manager).get("/taches/etat").get_json()
    by_id = {job["id"]: job for job in data["jobs"]}
    assert by_id[running.id]["active"] is True
    assert 'max="4" value="1"' in by_id[running.id]["html"]
    assert by_id[done.id]["active"] is False
    assert f"/taches/{done.id}/fichier" in by_id[done.id]["html"]


def test_only_the_user_who_asked_downloads_the_file(session, world, login, folder) -> None:
    done = done_with_file(session, world.manager, folder)
    colleague = create_user(
        session, email="autre.responsable@example.fr", role=Role.MANAGER, password=factories.PASSWORD,
        platform=world.platform,
    )
    session.commit()
    response = login(world.manager).get(f"/taches/{done.id}/fichier")
    assert response.status_code == 200
    assert response.data == b"PK-cohorte"
    assert "cohorte-pseudonymisee-yvelines-20250101-20251231.xlsx" in response.headers["Content-Disposition"]
    for other in (colleague, world.adviser, world.delegate, world.admin):
        client = login(other)
        assert client.get(f"/taches/{done.id}/fichier").status_code == 404
        assert f"/taches/{done.id}/fichier" not in client.get("/taches/").get_data(as_text=True)
    refusals = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "access.refused", AuditEntry.object_type == "job")
    ).all()
    assert {entry.user_id for entry in refusals} == {colleague.id, world.adviser.id, world.delegate.id, world.admin.id}
    assert all(entry.object_id == done.id for entry in refusals)
    downloads = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "job.download")).all()
    assert [entry.user_id for entry in downloads] == [world.manager.id]


def test_a_file_gone_or_not_ready_is_404(session, world, login, folder) -> None:
    running = add_job(session, world.manager, JobStatus.RUNNING)
    done = done_with_file(session, world.manager, folder)
    (folder / done.result_file).unlink()
    client = login(world.manager)
    assert client.get(f"/taches/{running.id}/fichier").status_code == 404
    assert client.get(f"/taches/{done.id}/fichier").status_code == 404
    assert client.get("/taches/999999/fichier").status_code == 404


def test_the_anonymous_are_sent_to_login(web_app, world) -> None:
    response = web_app.test_client().get("/taches/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_same_bilan_form_sent_twice_gives_one_job(session, world, login) -> None:
    client = login(world.manager)
    page = client.get("/bilan/").get_data(as_text=True)
    token = re.search(r'name="request_token" type="hidden" value="([^"]+)"', page).group(1)
    form = {"kind": "cohort", "year": "2025", "request_token": token}
    assert client.post("/bilan/", data=form).status_code == 302
    assert client.post("/bilan/", data=form).status_code == 302
    assert session.scalar(sa.select(sa.func.count()).select_from(BackgroundJob)) == 1
    # A new visit of the page is a new request; a forged token is ignored (no key).
    assert client.post("/bilan/", data={**form, "request_token": "<script>"}).status_code == 302
    assert session.scalar(sa.select(sa.func.count()).select_from(BackgroundJob)) == 2
    titles = session.scalars(sa.select(BackgroundJob.title)).all()
    assert titles == ["Cohorte pseudonymisée, 2025"] * 2
