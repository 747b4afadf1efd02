"""The one ``transitions`` machine shared by every pathway.

Built once at import from the ``MOVES`` table; a loaded pathway is driven by
``MACHINE.events[trigger].trigger(pathway, ...)``. Building a machine per row
or per request would cost tens of kilobytes each and, through ``add_model``,
would overwrite the persisted state, so no model is ever added to it.

The guards run as the machine's conditions; the callbacks do no I/O and
never commit (transitions does not undo a state change when a later callback
fails: the caller's transaction is the safety net).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from transitions import EventData, Machine

from pathways.states.definitions import (
    MOVES,
    SUSPENDABLE_STATES,
    State,
    is_allowed_from,
)
from pathways.states.guards import MoveRequest, PathwayFacts, refusals


class Stateful(Protocol):
    state: State | str


class MoveRefused(Exception):
    """A move the table or a guard forbids; ``messages`` are for the user."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages


@dataclass
class _Attempt:
    """What the conditions read and write while one move is evaluated."""

    facts: PathwayFacts
    request: MoveRequest
    refusals: list[str] = field(default_factory=list)


def _guards_pass(event: EventData) -> bool:
    attempt: _Attempt = event.kwargs["attempt"]
    attempt.refusals = refusals(attempt.facts, attempt.request)
    return not attempt.refusals


def _suspended_in(state: State):
    def condition(event: EventData) -> bool:
        return event.kwargs["attempt"].facts.suspended_from is state

    condition.__name__ = f"suspended_in_{state.value}"
    return condition


def _transitions_table() -> list[dict[str, object]]:
    table: list[dict[str, object]] = []
    for move in MOVES:
        if move.destination is None:
            # ``resume``: one transition per state it can return to; the one
            # whose state the pathway was suspended in is the one that fires.
            table.extend(
                {
                    "trigger": move.trigger.value,
                    "source": list(move.sources),
                    "dest": suspended,
                    "conditions": [_suspended_in(suspended), _guards_pass],
                }
                for suspended in SUSPENDABLE_STATES
            )
        else:
            table.append(
                {
                    "trigger": move.trigger.value,
                    "source": list(move.sources),
                    "dest": move.destination,
                    "conditions": [_guards_pass],
                }
            )
    return table


MACHINE = Machine(
    model=None,
    # Enum states: the machine reads and writes ``State`` members.
    states=State,
    initial=State.REFERRED,
    transitions=_transitions_table(),
    auto_transitions=False,
    send_event=True,
    model_attribute="state",
)


def apply_move(pathway: Stateful, facts: PathwayFacts, request: MoveRequest) -> State:
    """Move ``pathway`` by ``request`` through the machine, or raise ``MoveRefused``.

    On success ``pathway.state`` holds the new ``State``; on refusal it is
    untouched.
    """
    current = pathway.state = State(pathway.state)
    if not is_allowed_from(request.trigger, current):
        raise MoveRefused(
            [f"« {request.trigger.label} » n'est pas possible depuis l'étape « {current.label} »."]
        )
    attempt = _Attempt(facts=facts, request=request)
    if not MACHINE.events[request.trigger.value].trigger(pathway, attempt=attempt):
        raise MoveRefused(attempt.refusals or ["Ce déplacement n'est pas possible."])
    return State(pathway.state)
