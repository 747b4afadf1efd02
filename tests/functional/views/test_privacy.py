"""« Données personnelles »: the retention list, the documents, and a person's rights, through the pages."""

from __future__ import annotations

import io
import re
from datetime import date
from html import unescape

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from pathways.models import AuditEntry, BackgroundJob, Pathway, Person
from pathways.privacy.anonymise import Reason, anonymise_person
from pathways.services.platform import create_user
from pathways.states import State
from pathways.vocabulary import JobStatus, Role
from tests import factories


@pytest.fixture
def folder(web_app, tmp_path):
    web_app.config["JOBS_FOLDER"] = str(tmp_path)
    return tmp_path


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_the_manager_sees_who_will_be_anonymised_and_when(session, world, login, today) -> None:
    # Exited on 02/05/2024: more than 24 months ago by 03/05/2026; announced first, so 30 days from today.
    old = factories.make_pathway(session, world, State.EXITED, start=date(2024, 5, 1))
    recent = factories.make_pathway(session, world, State.EXITED, start=date(2025, 5, 1))
    session.commit()
    page = text_of(login(world.manager).get("/donnees-personnelles/"))
    assert "Anonymisations à venir" in page
    assert old.person.full_name in page
    assert recent.person.full_name not in page
    assert "15/07/2026" in page  # today + 30 days
    assert "à la prochaine tâche de nuit" in page
    assert "24 mois après son dernier contact" in page
    # The other roles have no such page.
    assert login(world.adviser).get("/donnees-personnelles/").status_code == 404


def test_the_register_for_the_manager_and_the_administrator(world, login) -> None:
    for user in (world.manager, world.admin):
        client = login(user)
        page = client.get("/donnees-personnelles/registre")
        assert page.status_code == 200
        assert "Registre des activités de traitement" in text_of(page)
        assert "Catégories de données" in text_of(page)
        pdf = client.get("/donnees-personnelles/registre.pdf")
        assert pdf.status_code == 200
        assert pdf.mimetype == "application/pdf"
        assert pdf.data.startswith(b"%PDF")
    assert "Plateforme yvelines" in text_of(login(world.manager).get("/donnees-personnelles/registre"))
    for user in (world.adviser, world.delegate):
        assert login(user).get("/donnees-personnelles/registre").status_code == 404


def test_the_notice_to_print_for_the_teams(world, login) -> None:
    client = login(world.adviser)
    page = text_of(client.get("/donnees-personnelles/notice"))
    assert "Vos données personnelles" in page
    assert "Vos droits" in page
    pdf = client.get("/donnees-personnelles/notice.pdf")
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert login(world.admin).get("/donnees-personnelles/notice").status_code == 404


def test_the_notice_given_and_the_opposition_from_the_persons_page(session, world, login, today) -> None:
    pathway = factories.make_pathway(session, world, State.TRAINING, start=date(2025, 1, 6))
    session.commit()
    person_id = pathway.person_id
    client = login(world.adviser)
    file = text_of(client.get(f"/parcours/{pathway.id}"))
    assert "Notice d'information non remise" in file
    assert f"/donnees-personnelles/personnes/{person_id}" in file
    page = client.get(f"/donnees-personnelles/personnes/{person_id}")
    assert page.status_code == 200
    # A date to come is refused, with the reason, and nothing is recorded.
    refused = client.post(
        f"/donnees-personnelles/personnes/{person_id}/notice", data={"informed_on": "2027-01-01"}
    )
    assert refused.status_code == 422
    assert "ne peut pas être dans le futur" in text_of(refused)
    assert session.get(Person, person_id).informed_on is None
    done = client.post(
        f"/donnees-personnelles/personnes/{person_id}/notice", data={"informed_on": "2025-01-06"}
    )
    assert done.status_code == 302
    session.expire_all()
    assert session.get(Person, person_id).informed_on == date(2025, 1, 6)
    assert "Notice d'information non remise" not in text_of(client.get(f"/parcours/{pathway.id}"))
    # The opposition, then its withdrawal.
    assert (
        client.post(
            f"/donnees-personnelles/personnes/{person_id}/opposition", data={"opposed_on": "2025-02-01"}
        ).status_code
        == 302
    )
    session.expire_all()
    assert session.get(Person, person_id).opposed_on == date(2025, 2, 1)
    assert "Opposée aux messages" in text_of(client.get(f"/parcours/{pathway.id}"))
    assert client.post(f"/donnees-personnelles/personnes/{person_id}/opposition/retrait").status_code == 302
    session.expire_all()
    assert session.get(Person, person_id).opposed_on is None
    # The manager sees the page; the manager-only parts are not shown to the conseiller.
    assert "Droit d'accès" not in text_of(client.get(f"/donnees-personnelles/personnes/{person_id}"))
    assert "Droit d'accès" in text_of(
        login(world.manager).get(f"/donnees-personnelles/personnes/{person_id}")
    )


def test_a_conseiller_not_on_the_pathway_cannot_record_anything(session, world, login, today) -> None:
    pathway = factories.make_pathway(session, world, State.REFERRED, start=date(2025, 1, 6))
    other = create_user(
        session,
        email="autre-conseiller@example.fr",
        role=Role.ADVISER,
        password=factories.PASSWORD,
        platform=world.platform,
    )
    session.commit()
    client = login(other)
    url = f"/donnees-personnelles/personnes/{pathway.person_id}"
    assert client.get(url).status_code == 404
    assert client.post(url + "/notice", data={"informed_on": "2025-01-06"}).status_code == 404


def test_the_access_export_is_prepared_then_downloaded(session, world, login, folder, today) -> None:
    pathway = factories.make_pathway(session, world, State.TRAINING, start=date(2025, 1, 6))
    session.commit()
    client = login(world.manager)
    asked = client.post(
        f"/donnees-personnelles/personnes/{pathway.person_id}/dossier",
        data={"record_format": "xlsx", "submission": "jeton-unique-0123456789ab"},
    )
    assert asked.status_code == 302
    assert asked.headers["Location"].endswith("/taches/")
    # The same form sent twice gives one job.
    client.post(
        f"/donnees-personnelles/personnes/{pathway.person_id}/dossier",
        data={"record_format": "xlsx", "submission": "jeton-unique-0123456789ab"},
    )
    jobs = session.scalars(
        sa.select(BackgroundJob).where(BackgroundJob.kind == "privacy.access_export")
    ).all()
    assert len(jobs) == 1
    job = jobs[0]
    assert job.status is JobStatus.DONE, job.error_message
    assert job.title == f"Dossier complet d'{pathway.person.full_name} (tableur)"  # Awa: elided
    tasks = text_of(client.get("/taches/"))
    assert job.title in tasks
    download = client.get(f"/taches/{job.id}/fichier")
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(download.data), read_only=True)
    assert book.sheetnames[0] == "Identité"
    assert (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "person.access_export")
        )
        == 1
    )
    # A conseiller cannot ask for it.
    assert (
        login(world.adviser)
        .post(f"/donnees-personnelles/personnes/{pathway.person_id}/dossier", data={"record_format": "pdf"})
        .status_code
        == 404
    )


def test_erasure_asks_for_confirmation_and_closes_an_open_pathway_first(session, world, login, today) -> None:
    pathway = factories.make_pathway(session, world, State.TRAINING, start=date(2025, 1, 6))
    session.commit()
    person_id = pathway.person_id
    url = f"/donnees-personnelles/personnes/{person_id}/effacement"
    client = login(world.manager)
    page = text_of(client.get(url))
    assert "Un parcours est en cours" in page
    assert "Motif de sortie du parcours en cours" in page
    unconfirmed = client.post(url, data={"exit_reason": "moved"})
    assert unconfirmed.status_code == 422
    assert "Confirmez dans la fenêtre" in text_of(unconfirmed)
    no_reason = client.post(url, data={"confirmation": "oui"})
    assert no_reason.status_code == 422
    assert "il doit être clos avant l'effacement" in text_of(no_reason)
    session.expire_all()
    assert not session.get(Person, person_id).is_anonymised
    assert session.get(Pathway, pathway.id).state is State.TRAINING
    done = client.post(url, data={"exit_reason": "moved", "confirmation": "oui"})
    assert done.status_code == 302
    session.expire_all()
    assert session.get(Person, person_id).is_anonymised
    assert session.get(Pathway, pathway.id).state is State.EXITED
    assert "Personne ANONYMISÉE" in text_of(client.get(f"/donnees-personnelles/personnes/{person_id}"))
    assert login(world.adviser).get(url).status_code == 404


def test_nothing_is_written_on_an_anonymised_file_any_more(session, world, login, today) -> None:
    pathway = factories.make_pathway(session, world, State.EXITED, start=date(2025, 1, 6))
    anonymise_person(session, pathway.person, reason=Reason.REQUEST, actor=None)
    session.commit()
    client = login(world.delegate)  # the délégué of the pathway
    page = client.get(f"/parcours/{pathway.id}")
    assert page.status_code == 200
    assert "Parcours anonymisé" in text_of(page)
    assert not re.search(r"Ajouter une note|Signaler un frein", text_of(page))
    assert client.get(f"/parcours/{pathway.id}/notes/nouvelle").status_code == 404
    assert client.post(f"/parcours/{pathway.id}/notes/nouvelle", data={"body": "x"}).status_code == 404
    refused = session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "access.refused").order_by(AuditEntry.id.desc())
    )
    assert refused.details["reason"] == "anonymised"
