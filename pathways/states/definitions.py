"""States, triggers and allowed moves of the *parcours sans couture*.

The table ``MOVES`` reads like the transitions table of the field reference
(pathway.md): one row per trigger, its source states and its destination.
Nothing here knows about Flask or the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    REFERRED = "referred"
    INFO_SESSION = "info_session"
    ORIENTATION = "orientation"
    REINFORCEMENT = "reinforcement"
    IMMERSION = "immersion"
    TRAINING = "training"
    EMPLOYMENT = "employment"
    FOLLOW_UP = "follow_up"
    COMPLETED = "completed"
    EXITED = "exited"
    ON_HOLD = "on_hold"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES


STATE_LABELS: dict[State, str] = {
    State.REFERRED: "Repéré·e / orienté·e",
    State.INFO_SESSION: "Information collective",
    State.ORIENTATION: "Pôle orientation",
    State.REINFORCEMENT: "Module renforcement",
    State.IMMERSION: "PMSMP",
    State.TRAINING: "Formation qualifiante",
    State.EMPLOYMENT: "Accès à l'emploi",
    State.FOLLOW_UP: "Suivi dans l'emploi",
    State.COMPLETED: "Parcours terminé",
    State.EXITED: "Sortie anticipée",
    State.ON_HOLD: "Suspendu",
}

TERMINAL_STATES = frozenset({State.COMPLETED, State.EXITED})
NON_TERMINAL_STATES = tuple(s for s in State if s not in TERMINAL_STATES)
# States a pathway can be suspended in, and so resumed to.
SUSPENDABLE_STATES = tuple(s for s in NON_TERMINAL_STATES if s is not State.ON_HOLD)
# The order of the parcours, used for funnels and timelines.
PARCOURS_ORDER = (
    State.REFERRED,
    State.INFO_SESSION,
    State.ORIENTATION,
    State.REINFORCEMENT,
    State.IMMERSION,
    State.TRAINING,
    State.EMPLOYMENT,
    State.FOLLOW_UP,
    State.COMPLETED,
)


class Trigger(StrEnum):
    # ``refer`` is not a move of the machine: it is the creation of the
    # pathway, recorded as its first event (from no state to ``referred``).
    REFER = "refer"
    REGISTER_INFO_SESSION = "register_info_session"
    START_ORIENTATION = "start_orientation"
    START_REINFORCEMENT = "start_reinforcement"
    START_IMMERSION = "start_immersion"
    START_TRAINING = "start_training"
    SEEK_EMPLOYMENT = "seek_employment"
    SIGN_CONTRACT = "sign_contract"
    END_CONTRACT = "end_contract"
    COMPLETE = "complete"
    EXIT = "exit"
    SUSPEND = "suspend"
    RESUME = "resume"

    @property
    def label(self) -> str:
        """What the user does (buttons, form titles): an action."""
        return TRIGGER_LABELS[self]

    @property
    def done_label(self) -> str:
        """What happened (the history): a fact, not an order."""
        return EVENT_LABELS[self]


TRIGGER_LABELS: dict[Trigger, str] = {
    Trigger.REFER: "Ouvrir un parcours",
    Trigger.REGISTER_INFO_SESSION: "Inscrire à une information collective",
    Trigger.START_ORIENTATION: "Inscrire au pôle orientation",
    Trigger.START_REINFORCEMENT: "Démarrer le module renforcement",
    Trigger.START_IMMERSION: "Enregistrer une PMSMP",
    Trigger.START_TRAINING: "Enregistrer une entrée en formation",
    Trigger.SEEK_EMPLOYMENT: "Passer en accès à l'emploi",
    Trigger.SIGN_CONTRACT: "Enregistrer un contrat de travail",
    Trigger.END_CONTRACT: "Enregistrer la fin du contrat",
    Trigger.COMPLETE: "Clore le parcours (suivi terminé)",
    Trigger.EXIT: "Enregistrer une sortie anticipée",
    Trigger.SUSPEND: "Suspendre le parcours",
    Trigger.RESUME: "Reprendre le parcours",
}

EVENT_LABELS: dict[Trigger, str] = {
    Trigger.REFER: "Entrée dans le parcours",
    Trigger.REGISTER_INFO_SESSION: "Inscription à une information collective",
    Trigger.START_ORIENTATION: "Entrée au pôle orientation",
    Trigger.START_REINFORCEMENT: "Entrée en module renforcement",
    Trigger.START_IMMERSION: "Début d'une PMSMP",
    Trigger.START_TRAINING: "Entrée en formation qualifiante",
    Trigger.SEEK_EMPLOYMENT: "Passage en accès à l'emploi",
    Trigger.SIGN_CONTRACT: "Début d'un contrat de travail",
    Trigger.END_CONTRACT: "Fin du contrat de travail, retour en recherche d'emploi",
    Trigger.COMPLETE: "Parcours terminé (suivi dans l'emploi achevé)",
    Trigger.EXIT: "Sortie anticipée",
    Trigger.SUSPEND: "Parcours suspendu",
    Trigger.RESUME: "Parcours repris",
}


@dataclass(frozen=True)
class Move:
    """One row of the transitions table.

    ``destination`` is ``None`` for ``resume``, which returns to the state the
    pathway was suspended in.
    """

    trigger: Trigger
    sources: tuple[State, ...]
    destination: State | None


S = State
# Version 2 of the table (pathway.md, "The transitions (version 2)"): the
# steps after the orientation week may also be reached without it (Lyon's
# guichet unique, a hire at a job dating), and a lost job leads back to
# the job search.
_BEFORE_ORIENTATION = (S.REFERRED, S.INFO_SESSION)
MOVES: tuple[Move, ...] = (
    Move(Trigger.REGISTER_INFO_SESSION, (S.REFERRED,), S.INFO_SESSION),
    Move(Trigger.START_ORIENTATION, _BEFORE_ORIENTATION, S.ORIENTATION),
    Move(Trigger.START_REINFORCEMENT, (S.ORIENTATION,), S.REINFORCEMENT),
    Move(
        Trigger.START_IMMERSION,
        (*_BEFORE_ORIENTATION, S.ORIENTATION, S.REINFORCEMENT, S.IMMERSION, S.TRAINING, S.EMPLOYMENT),
        S.IMMERSION,
    ),
    Move(
        Trigger.START_TRAINING,
        (*_BEFORE_ORIENTATION, S.ORIENTATION, S.REINFORCEMENT, S.IMMERSION, S.EMPLOYMENT),
        S.TRAINING,
    ),
    Move(
        Trigger.SEEK_EMPLOYMENT,
        (*_BEFORE_ORIENTATION, S.ORIENTATION, S.REINFORCEMENT, S.IMMERSION, S.TRAINING),
        S.EMPLOYMENT,
    ),
    Move(
        Trigger.SIGN_CONTRACT,
        (*_BEFORE_ORIENTATION, S.ORIENTATION, S.REINFORCEMENT, S.IMMERSION, S.TRAINING, S.EMPLOYMENT),
        S.FOLLOW_UP,
    ),
    Move(Trigger.END_CONTRACT, (S.FOLLOW_UP,), S.EMPLOYMENT),
    Move(Trigger.COMPLETE, (S.FOLLOW_UP,), S.COMPLETED),
    Move(Trigger.EXIT, NON_TERMINAL_STATES, S.EXITED),
    Move(Trigger.SUSPEND, SUSPENDABLE_STATES, S.ON_HOLD),
    Move(Trigger.RESUME, (S.ON_HOLD,), None),
)
del S

MOVES_BY_TRIGGER: dict[Trigger, Move] = {move.trigger: move for move in MOVES}

# The handover: every move into one of these states needs a conseiller
# assigned — the délégué's part of the pathway ends there.
HANDOVER_STATES = frozenset(
    {State.REINFORCEMENT, State.IMMERSION, State.TRAINING, State.EMPLOYMENT, State.FOLLOW_UP}
)

# Steps dated by their own first day (pathway.md, "One date per fact"): the
# event's date is the record's start date, never a second date typed; a
# first day still to come makes the step *planned* until it is confirmed.
DATED_BY_RECORD = frozenset(
    {Trigger.START_ORIENTATION, Trigger.START_IMMERSION, Trigger.START_TRAINING, Trigger.SIGN_CONTRACT}
)


def is_allowed_from(trigger: Trigger, state: State) -> bool:
    """Whether the table allows ``trigger`` from ``state`` (guards aside)."""
    move = MOVES_BY_TRIGGER.get(trigger)
    return move is not None and state in move.sources


def destination_of(trigger: Trigger, suspended_from: State | None = None) -> State | None:
    """Where ``trigger`` leads (``resume``: back to the state it was suspended in)."""
    move = MOVES_BY_TRIGGER.get(trigger)
    if move is None:
        return None
    return move.destination or suspended_from


class ExitReason(StrEnum):
    REORIENTATION = "reorientation"
    OTHER_TRAINING = "other_training"
    OTHER_JOB = "other_job"
    DROPPED_OUT = "dropped_out"
    HEALTH = "health"
    MOVED = "moved"
    OTHER = "other"

    @property
    def label(self) -> str:
        return EXIT_REASON_LABELS[self]

    @property
    def is_positive(self) -> bool:
        return self in (ExitReason.OTHER_TRAINING, ExitReason.OTHER_JOB)

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]


EXIT_REASON_LABELS: dict[ExitReason, str] = {
    ExitReason.REORIENTATION: "Réorientation (projet non validé)",
    ExitReason.OTHER_TRAINING: "Formation hors secteur",
    ExitReason.OTHER_JOB: "Emploi hors secteur",
    ExitReason.DROPPED_OUT: "Abandon / ne répond plus",
    ExitReason.HEALTH: "Santé",
    ExitReason.MOVED: "Déménagement",
    ExitReason.OTHER: "Autre motif",
}

# Checkpoints of the follow-up in the job, in months after the contract start.
CHECKPOINT_MONTHS = (1, 3, 6)
FOLLOW_UP_MONTHS = 6
IMMERSION_MAX_MONTHS = 1
# A checkpoint may be recorded at the earliest this many days before it is due.
CHECKPOINT_EARLIEST_DAYS = 15
# A planned step not confirmed this many days after its date is an alert.
PLANNED_STEP_GRACE_DAYS = 7
