"""The pathway state machine: states, moves, guards. No Flask in here."""

from pathways.states.definitions import (
    CHECKPOINT_MONTHS,
    MOVES,
    MOVES_BY_TRIGGER,
    NON_TERMINAL_STATES,
    PARCOURS_ORDER,
    SUSPENDABLE_STATES,
    TERMINAL_STATES,
    ExitReason,
    Move,
    State,
    Trigger,
    is_allowed_from,
)
from pathways.states.guards import (
    ContractInput,
    ImmersionInput,
    MoveRequest,
    PathwayFacts,
    TrainingInput,
    add_months,
    fact_refusals,
)
from pathways.states.machine import MACHINE, MoveRefused, apply_move

__all__ = [
    "CHECKPOINT_MONTHS",
    "MACHINE",
    "MOVES",
    "MOVES_BY_TRIGGER",
    "NON_TERMINAL_STATES",
    "PARCOURS_ORDER",
    "SUSPENDABLE_STATES",
    "TERMINAL_STATES",
    "ContractInput",
    "ExitReason",
    "ImmersionInput",
    "Move",
    "MoveRefused",
    "MoveRequest",
    "PathwayFacts",
    "State",
    "TrainingInput",
    "Trigger",
    "add_months",
    "apply_move",
    "fact_refusals",
    "is_allowed_from",
]
