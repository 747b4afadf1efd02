"""Bulk loading of a large platform for the benchmarks (Core inserts, not the service).

``load(engine, pathways=100_000)`` creates one platform with a territory per
ten thousand pathways (two at least), a délégué·e per territory, a manager, a
conseiller per hundred pathways, one person per pathway and about ten events
per pathway (≈1 000 000 events), with the records the events point to
(diagnostics, immersions, trainings, contracts, checkpoints), dated over the
last three years. Histories are valid walks of the state machine, so the
cached state equals the replay, as in production; the pathways' summary
(``services.summary``) is rebuilt from them at the end, as the command does.

``load_national(engine, platforms=100, pathways=500_000, largest=50_000)``:
many platforms in one database, the national case (``national_sizes``).
Every account's password is ``BENCH_PASSWORD``.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways.models import (
    AdviserReplacement,
    Checkpoint,
    Contract,
    Diagnostic,
    Employer,
    Immersion,
    Pathway,
    PathwayEvent,
    Person,
    Platform,
    Territory,
    Training,
    TrainingOrganisation,
    User,
)
from pathways.models.platform import user_territories
from pathways.passwords import hash_password
from pathways.services import standing, summary
from pathways.states import State, Trigger, add_months

BATCH = 5_000
BENCH_PASSWORD = "Banc-Essai-2026"
CONTRACT_TYPES = ("cdi", "cdd", "interim", "apprenticeship", "professionalisation", "other")
EMPLOYER_TYPES = ("saad", "ehpad", "esms_ph", "health_facility", "private_employer", "other")
JOBS = ("J1501", "K1306", "K1311", "K1302", "J1301")
EXIT_REASONS = ("reorientation", "other_training", "other_job", "dropped_out", "health", "moved")
PUBLIC_FLAGS = (
    "is_job_seeker",
    "is_rsa_beneficiary",
    "is_reconversion",
    "is_rqth",
    "is_bpi",
    "is_qpv_resident",
    "is_zrr_resident",
)

# The parcours the generated pathways follow, cut at a random point.
FULL_ROUTE = (
    Trigger.REGISTER_INFO_SESSION,
    Trigger.START_ORIENTATION,
    Trigger.START_REINFORCEMENT,
    Trigger.START_IMMERSION,
    Trigger.START_IMMERSION,
    Trigger.START_TRAINING,
    Trigger.SEEK_EMPLOYMENT,
    Trigger.SIGN_CONTRACT,
    Trigger.COMPLETE,
)
DESTINATION = {
    Trigger.REGISTER_INFO_SESSION: State.INFO_SESSION,
    Trigger.START_ORIENTATION: State.ORIENTATION,
    Trigger.START_REINFORCEMENT: State.REINFORCEMENT,
    Trigger.START_IMMERSION: State.IMMERSION,
    Trigger.START_TRAINING: State.TRAINING,
    Trigger.SEEK_EMPLOYMENT: State.EMPLOYMENT,
    Trigger.SIGN_CONTRACT: State.FOLLOW_UP,
    Trigger.COMPLETE: State.COMPLETED,
}


@dataclass
class Loaded:
    platform_id: int
    adviser_ids: list[int]
    pathways: int
    events: int
    slug: str = "bench"
    manager_email: str = ""
    delegate_emails: list[str] = field(default_factory=list)


def national_sizes(platforms: int, pathways: int, largest: int) -> list[int]:
    """Platform sizes adding up to ``pathways``: one of ``largest``, the others from large to small."""
    if platforms <= 1:
        return [pathways]
    rest = pathways - largest
    # Weights 1/k (a few large platforms, many small ones), scaled to the rest.
    weights = [1 / k for k in range(2, platforms + 1)]
    scale = rest / sum(weights)
    sizes = [largest] + [max(200, min(largest, round(w * scale))) for w in weights]
    sizes[-1] += pathways - sum(sizes)
    return sizes


def load_national(
    engine: sa.Engine, platforms: int = 100, pathways: int = 500_000, largest: int = 50_000, seed: int = 7
) -> list[Loaded]:
    """``platforms`` platforms in one database (the first is the largest)."""
    password_hash = hash_password(BENCH_PASSWORD)
    return [
        load(engine, size, seed=seed + index, slug=f"plateforme-{index:03d}", password_hash=password_hash)
        for index, size in enumerate(national_sizes(platforms, pathways, largest))
    ]


def _now() -> datetime:
    return datetime.now(UTC)


def load(
    engine: sa.Engine,
    pathways: int = 100_000,
    seed: int = 7,
    *,
    slug: str = "bench",
    password_hash: str | None = None,
) -> Loaded:
    rng = random.Random(seed)
    today = date.today()
    password_hash = password_hash or hash_password(BENCH_PASSWORD)
    with engine.begin() as connection:
        platform_id = connection.execute(
            sa.insert(Platform)
            .values(slug=slug, name=f"Banc d'essai {slug}", created_at=_now())
            .returning(Platform.id)
        ).scalar_one()
        territory_ids = [
            connection.execute(
                sa.insert(Territory)
                .values(platform_id=platform_id, name=f"Territoire {i + 1}")
                .returning(Territory.id)
            ).scalar_one()
            for i in range(max(2, pathways // 10_000))
        ]

        def account(email: str, name: str, role: str) -> dict:
            return {
                "email": email,
                "full_name": name,
                "password_hash": password_hash,
                "role": role,
                "platform_id": platform_id,
                "is_active": True,
                "session_token": secrets.token_hex(16),
                "created_at": _now(),
            }

        # About a hundred pathways per conseiller, as in the field.
        advisers = max(20, pathways // 100)
        connection.execute(
            sa.insert(User),
            [
                account(f"conseiller{i}@{slug}.bench.fr", f"Conseiller {i:05d}", "adviser")
                for i in range(advisers)
            ],
        )
        adviser_ids = list(
            connection.scalars(sa.select(User.id).where(User.platform_id == platform_id).order_by(User.id))
        )
        manager_email = f"responsable@{slug}.bench.fr"
        delegate_emails = [f"delegue{i}@{slug}.bench.fr" for i in range(len(territory_ids))]
        connection.execute(
            sa.insert(User),
            [account(manager_email, "Responsable", "manager")]
            + [account(email, f"Délégué·e {i}", "delegate") for i, email in enumerate(delegate_emails)],
        )
        delegate_ids = [
            connection.scalar(sa.select(User.id).where(User.email == email)) for email in delegate_emails
        ]
        connection.execute(
            sa.insert(user_territories),
            [{"user_id": d, "territory_id": t} for d, t in zip(delegate_ids, territory_ids, strict=True)],
        )
        # The first conseiller replaces the second this week (a manager's grant).
        connection.execute(
            sa.insert(AdviserReplacement).values(
                platform_id=platform_id,
                replaced_id=adviser_ids[1],
                replacing_id=adviser_ids[0],
                starts_on=today - timedelta(days=3),
                ends_on=today + timedelta(days=30),
                created_at=_now(),
            )
        )
        employer_ids = [
            connection.execute(
                sa.insert(Employer)
                .values(platform_id=platform_id, name=f"Employeur {i}", employer_type=EMPLOYER_TYPES[i % 6])
                .returning(Employer.id)
            ).scalar_one()
            for i in range(30)
        ]
        organisation_id = connection.execute(
            sa.insert(TrainingOrganisation)
            .values(platform_id=platform_id, name="GRETA")
            .returning(TrainingOrganisation.id)
        ).scalar_one()
        first_person = (connection.scalar(sa.select(sa.func.max(Person.id))) or 0) + 1
        first_pathway = (connection.scalar(sa.select(sa.func.max(Pathway.id))) or 0) + 1
        first_contract = (connection.scalar(sa.select(sa.func.max(Contract.id))) or 0) + 1
        first_training = (connection.scalar(sa.select(sa.func.max(Training.id))) or 0) + 1

    rows: dict[str, list[dict]] = {
        name: []
        for name in (
            "persons",
            "pathways",
            "events",
            "diagnostics",
            "immersions",
            "trainings",
            "contracts",
            "checkpoints",
        )
    }
    total_events = 0
    contract_id = first_contract
    training_id = first_training

    def flush(connection: sa.Connection, final: bool = False) -> None:
        for model, key in (
            (Person, "persons"),
            (Pathway, "pathways"),
            (PathwayEvent, "events"),
            (Diagnostic, "diagnostics"),
            (Immersion, "immersions"),
            (Training, "trainings"),
            (Contract, "contracts"),
            (Checkpoint, "checkpoints"),
        ):
            if rows[key] and (final or len(rows["events"]) >= BATCH * 10 or key != "events"):
                connection.execute(sa.insert(model), rows[key])
                rows[key].clear()

    with engine.begin() as connection:
        for index in range(pathways):
            person_id, pathway_id = first_person + index, first_pathway + index
            entry = today - timedelta(days=rng.randint(30, 3 * 365))
            rows["persons"].append(
                {
                    "id": person_id,
                    "platform_id": platform_id,
                    "last_name": f"Nom{index}",
                    "first_name": "Prénom",
                    "birth_date": date(1970, 1, 1) + timedelta(days=rng.randint(0, 15000)),
                    "sex": rng.choice("FFFM"),
                    "diploma_level": rng.choice(["infra3", "3", "4", "5"]),
                    "created_at": _now(),
                    # Given the notice at entry, but for one in forty (an alert); no draw from
                    # rng, so the rest of the data set stays what it was.
                    "informed_on": entry if index % 40 else None,
                    **{flag: rng.random() < 0.3 for flag in PUBLIC_FLAGS},
                }
            )
            # Longer pathways are the more common in a three-year-old caseload.
            route = list(FULL_ROUTE[: max(rng.randint(0, len(FULL_ROUTE)), rng.randint(0, len(FULL_ROUTE)))])
            events: list[tuple[Trigger, State | None, State, date, dict]] = [
                (Trigger.REFER, None, State.REFERRED, entry, {})
            ]
            state, day = State.REFERRED, entry
            adviser_id = None
            for trigger in route:
                # Suspensions come and go (two events each), as in real caseloads.
                if state is not State.REFERRED and rng.random() < 0.3:
                    suspended_on = day + timedelta(days=rng.randint(1, 20))
                    resumed_on = suspended_on + timedelta(days=rng.randint(5, 40))
                    if resumed_on > today:
                        break
                    events.append((Trigger.SUSPEND, state, State.ON_HOLD, suspended_on, {"reason": "Santé"}))
                    events.append((Trigger.RESUME, State.ON_HOLD, state, resumed_on, {}))
                    day = resumed_on
                day += timedelta(days=rng.randint(3, 40))
                details: dict = {}
                if trigger is Trigger.START_ORIENTATION:
                    adviser_id = rng.choice(adviser_ids)
                    rows["diagnostics"].append(
                        {
                            "pathway_id": pathway_id,
                            "kind": "orientation_week",
                            "written_on": day,
                            "project_validated": True,
                            "target_job_code": rng.choice(JOBS),
                            "created_at": _now(),
                        }
                    )
                elif trigger is Trigger.START_IMMERSION:
                    rows["immersions"].append(
                        {
                            "pathway_id": pathway_id,
                            "employer_id": rng.choice(employer_ids),
                            "starts_on": day,
                            "ends_on": day + timedelta(days=2),
                            "created_at": _now(),
                        }
                    )
                elif trigger is Trigger.START_TRAINING:
                    # Results dated, some abandoned (version 2: a dropout is a result).
                    result = rng.choice(["in_progress", "obtained", "partial", "failed", "abandoned"])
                    rows["trainings"].append(
                        {
                            "id": training_id,
                            "pathway_id": pathway_id,
                            "organisation_id": organisation_id,
                            "certification_code": rng.choice(["DEAS", "DEAES", "TP_ADVF"]),
                            "funding": rng.choice(["prf", "poei", "cpf"]),
                            "starts_on": day,
                            "ends_on": day + timedelta(days=rng.randint(30, 300)),
                            "result": result,
                            "abandon_reason": "Garde d'enfant" if result == "abandoned" else None,
                            "created_at": _now(),
                        }
                    )
                    details = {"training_id": training_id}
                    training_id += 1
                elif trigger is Trigger.SIGN_CONTRACT:
                    contract_type = rng.choice(CONTRACT_TYPES)
                    rows["contracts"].append(
                        {
                            "id": contract_id,
                            "pathway_id": pathway_id,
                            "employer_id": rng.choice(employer_ids),
                            "employer_type": rng.choice(EMPLOYER_TYPES),
                            "job_code": rng.choice(JOBS),
                            "contract_type": contract_type,
                            "cdd_months": rng.choice([3, 6, 12]) if contract_type == "cdd" else None,
                            "starts_on": day,
                            "created_at": _now(),
                        }
                    )
                    for month in (1, 3, 6):
                        due = add_months(day, month)
                        recorded = due if due <= today and (month < 6 or "complete" in str(route)) else None
                        rows["checkpoints"].append(
                            {
                                "contract_id": contract_id,
                                "pathway_id": pathway_id,
                                "month": month,
                                "due_on": due,
                                "recorded_on": recorded,
                                "still_in_post": True if recorded else None,
                            }
                        )
                    details = {"contract_id": contract_id}
                    contract_id += 1
                elif trigger is Trigger.COMPLETE:
                    day = max(day, add_months(events[-1][3], 6))
                if day > today:
                    break
                events.append((trigger, state, DESTINATION[trigger], day, details))
                state = DESTINATION[trigger]
            if state is not State.COMPLETED and day < today:
                roll = rng.random()
                if roll < 0.15:
                    reason = rng.choice(EXIT_REASONS)
                    events.append((Trigger.EXIT, state, State.EXITED, day, {"reason": reason}))
                    state = State.EXITED
                elif roll < 0.2:
                    events.append((Trigger.SUSPEND, state, State.ON_HOLD, day, {"reason": "Famille"}))
                    state = State.ON_HOLD
            territory = rng.randrange(len(territory_ids))
            rows["pathways"].append(
                {
                    "id": pathway_id,
                    "platform_id": platform_id,
                    "person_id": person_id,
                    "territory_id": territory_ids[territory],
                    "prescriber_type": "france_travail",
                    # Half the persons were registered by their territory's délégué·e.
                    "delegate_id": delegate_ids[territory] if rng.random() < 0.5 else None,
                    "adviser_id": adviser_id,
                    "state": state.value,
                    "last_event_on": events[-1][3],
                    "version": len(events),
                    "created_at": _now(),
                    # The summary is rebuilt from the records below.
                    "entered_on": entry,
                    "last_contact_on": events[-1][3],
                }
            )
            recorded_at = _now()
            for sequence, (trigger, from_state, to_state, occurred_on, details) in enumerate(events, 1):
                rows["events"].append(
                    {
                        "pathway_id": pathway_id,
                        "sequence": sequence,
                        "trigger": trigger.value,
                        "from_state": from_state.value if from_state else None,
                        "to_state": to_state.value,
                        "occurred_on": occurred_on,
                        "recorded_at": recorded_at,
                        "details": details,
                    }
                )
            total_events += len(events)
            if len(rows["events"]) >= BATCH * 10:
                flush(connection, final=True)
        flush(connection, final=True)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Explicit ids were inserted: move the sequences past them.
            for table in ("persons", "pathways", "contracts", "trainings"):
                sequence = f"pg_get_serial_sequence('{table}', 'id')"
                connection.execute(sa.text(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))"))
    with Session(engine) as session:
        summary.rebuild(session, platform_id=platform_id)
        standing.rebuild(session, platform_id=platform_id)
        session.commit()
    with engine.begin() as connection:
        connection.execute(sa.text("ANALYZE"))
    return Loaded(
        platform_id, adviser_ids, pathways, total_events, slug, manager_email, delegate_emails
    )
