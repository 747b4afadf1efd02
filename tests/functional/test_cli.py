"""The command line: create-platform, create-user, seed-demo, rebuild-summaries, and their errors."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from pathways.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from pathways.models import (
    Barrier,
    Checkpoint,
    Diagnostic,
    Exchange,
    Immersion,
    Pathway,
    PathwayEvent,
    PersonStanding,
    PlannedStep,
    Platform,
    Referent,
    Training,
    User,
)
from pathways.passwords import verify_password
from pathways.services.pathway import replay
from pathways.states import State, Trigger
from pathways.vocabulary import DiagnosticKind, Role, TrainingResult


def run(app, *args: str, input: str | None = None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_create_platform(app, session) -> None:
    result = run(app, "create-platform", "yvelines", "Plateforme des Yvelines")
    assert result.exit_code == 0, result.output
    assert "Plateforme « Plateforme des Yvelines » créée (yvelines)." in result.output
    assert (
        session.scalar(sa.select(Platform.name).where(Platform.slug == "yvelines"))
        == "Plateforme des Yvelines"
    )


def test_create_platform_errors_in_french_without_traceback(app, session) -> None:
    run(app, "create-platform", "yvelines", "Plateforme des Yvelines")
    result = run(app, "create-platform", "yvelines", "Encore")
    assert result.exit_code == 1
    assert "Erreur : La plateforme « yvelines » existe déjà." in result.output
    assert "Traceback" not in result.output
    result = run(app, "create-platform", "Bad Slug!", "X")
    assert result.exit_code == 1
    assert "minuscules, chiffres et tirets" in result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(Platform)) == 1


def test_create_user_with_password(app, session) -> None:
    run(app, "create-platform", "yvelines", "Plateforme des Yvelines")
    result = run(
        app,
        "create-user",
        "--platform",
        "yvelines",
        "--role",
        "adviser",
        "--password",
        "un-mot-de-passe-solide",
        "Claire@Exemple.fr",
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(sa.select(User).where(User.email == "claire@exemple.fr"))
    assert user.role is Role.ADVISER
    assert verify_password(user.password_hash, "un-mot-de-passe-solide")
    assert user.password_hash.startswith("$argon2id$")


def test_create_user_prompts_for_the_password(app, session) -> None:
    result = run(
        app,
        "create-user",
        "--role",
        "admin",
        "admin@exemple.fr",
        input="un-mot-de-passe-solide\nun-mot-de-passe-solide\n",
    )
    assert result.exit_code == 0, result.output
    assert session.scalar(sa.select(User.role).where(User.email == "admin@exemple.fr")) is Role.ADMIN


def test_create_user_errors(app, session) -> None:
    result = run(
        app,
        "create-user",
        "--platform",
        "nulle-part",
        "--role",
        "manager",
        "--password",
        "un-mot-de-passe-solide",
        "a@exemple.fr",
    )
    assert result.exit_code == 1
    assert "Aucune plateforme « nulle-part »." in result.output
    result = run(
        app, "create-user", "--role", "manager", "--password", "un-mot-de-passe-solide", "a@exemple.fr"
    )
    assert result.exit_code == 1
    assert "--platform est obligatoire pour ce rôle." in result.output
    result = run(app, "create-user", "--role", "admin", "--password", "court", "pas-une-adresse")
    assert result.exit_code == 1
    assert "Adresse électronique invalide" in result.output
    assert "au moins 12 caractères" in result.output
    result = run(app, "create-user", "--role", "chef", "--password", "un-mot-de-passe-solide", "a@exemple.fr")
    assert result.exit_code == 2  # a usage error
    assert "« chef » n'est pas un rôle" in result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_seed_demo_covers_every_state_and_every_record(app, session, today) -> None:
    result = run(app, "seed-demo", "--persons", "200")
    assert result.exit_code == 0, result.output
    assert "Démo chargée : 200 personnes" in result.output
    states = set(session.scalars(sa.select(Pathway.state).distinct()))
    assert states == set(State)
    for model in (Barrier, Referent, Exchange, Immersion, Training, Checkpoint, PlannedStep):
        assert session.scalar(sa.select(sa.func.count()).select_from(model)) > 0, model
    # The field's other paths (version 2): each is in the demo.
    shows = {
        "a contract ended, then another": sa.select(PathwayEvent.id).where(
            PathwayEvent.trigger == Trigger.END_CONTRACT
        ),
        "a training abandoned": sa.select(Training.id).where(Training.result == TrainingResult.ABANDONED),
        "a training while employed": sa.select(Training.id).where(Training.in_employment),
        "an individual interview": sa.select(Diagnostic.id).where(
            Diagnostic.kind == DiagnosticKind.INTERVIEW
        ),
        "a contract from referred or info_session (job dating)": sa.select(PathwayEvent.id).where(
            PathwayEvent.trigger == Trigger.SIGN_CONTRACT,
            PathwayEvent.from_state.in_([State.REFERRED, State.INFO_SESSION]),
        ),
        "an immersion without an orientation week (Lyon)": sa.select(PathwayEvent.id).where(
            PathwayEvent.trigger == Trigger.START_IMMERSION, PathwayEvent.from_state == State.INFO_SESSION
        ),
    }
    for what, query in shows.items():
        assert session.scalar(query.limit(1)) is not None, what
    for email, role, _name in DEMO_ACCOUNTS:
        user = session.scalar(sa.select(User).where(User.email == email))
        assert user.role is role
        assert verify_password(user.password_hash, DEMO_PASSWORD)
    for pathway in session.scalars(sa.select(Pathway)).all():
        assert replay(pathway.events) is pathway.state
    # Once only; and a sensible size.
    again = run(app, "seed-demo")
    assert again.exit_code == 1
    assert "existe déjà" in again.output
    assert run(app, "seed-demo", "--if-empty").exit_code == 0


def test_seed_demo_refuses_a_senseless_size(app, session) -> None:
    result = run(app, "seed-demo", "--persons", "0")
    assert result.exit_code == 2
    assert "entre 1 et 5 000 personnes" in result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(Platform)) == 0


def test_rebuild_summaries_finds_and_mends_a_summary_changed_behind_the_services(app, session) -> None:
    assert run(app, "seed-demo", "--persons", "12").exit_code == 0
    assert run(app, "rebuild-summaries", "--check").output.endswith("0 écart(s).\n")
    pathway = session.scalar(sa.select(Pathway).where(Pathway.state != State.REFERRED).order_by(Pathway.id))
    session.execute(
        sa.update(Pathway)
        .where(Pathway.id == pathway.id)
        .values(last_contact_on=date(2000, 1, 1), step_on=None)
    )
    # And a person's standing (the dashboard's) changed behind the services too.
    session.execute(
        sa.update(PersonStanding).where(PersonStanding.person_id == pathway.person_id).values(furthest=9)
    )
    session.commit()
    slug = session.scalar(sa.select(Platform.slug).order_by(Platform.id))
    found = run(app, "rebuild-summaries", "--check", "--platform", slug)
    assert found.exit_code == 1
    assert f"Parcours {pathway.id} : last_contact_on vaut 2000-01-01, recalculé" in found.output
    assert f"Personne {pathway.person_id} : furthest vaut 9, recalculé" in found.output
    done = run(app, "rebuild-summaries")
    assert done.exit_code == 0
    assert "Résumé recalculé pour" in done.output
    assert "personnes." in done.output
    assert run(app, "rebuild-summaries", "--check").exit_code == 0
    unknown = run(app, "rebuild-summaries", "--platform", "nulle-part")
    assert unknown.exit_code == 1
    assert "La plateforme « nulle-part » n'existe pas." in unknown.output
    assert "Traceback" not in unknown.output
