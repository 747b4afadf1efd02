"""The transitions table as Markdown, generated from ``MOVES`` for the README.

``python -m pathways.states.table`` prints it; a test checks that the README
holds exactly this text between its ``states:begin`` / ``states:end`` markers.
"""

from __future__ import annotations

from pathways.states.definitions import (
    DATED_BY_RECORD,
    HANDOVER_STATES,
    MOVES,
    NON_TERMINAL_STATES,
    PARCOURS_ORDER,
    SUSPENDABLE_STATES,
    State,
    Trigger,
)

# What each guard checks, in the words of the field (see guards.py for the rules).
GUARD_SUMMARIES: dict[Trigger, str] = {
    Trigger.REGISTER_INFO_SESSION: "an information session is chosen",
    Trigger.START_ORIENTATION: (
        "an orientation week is chosen; the person confirmed being available all week; a person "
        "noted absent at the information session needs an explicit choice (present after all, or "
        "came another way)"
    ),
    Trigger.START_REINFORCEMENT: "a diagnostic is recorded",
    Trigger.START_IMMERSION: "an immersion with employer, start and end dates; at most one month",
    Trigger.START_TRAINING: (
        "project validated by a diagnostic; a training with organisation, certification, funding, start date"
    ),
    Trigger.SEEK_EMPLOYMENT: "project validated by a diagnostic",
    Trigger.SIGN_CONTRACT: (
        "a contract: employer, employer type, job (ROME), type, start date; a CDD states its months; "
        "an apprenticeship or professionalisation contract names its training"
    ),
    Trigger.END_CONTRACT: (
        "the current contract's end date (not before its start) and reason (`other` needs a comment); "
        "its checkpoints not yet due are cancelled, kept"
    ),
    Trigger.COMPLETE: (
        "six months since the start of the current contract and its 6-month checkpoint recorded"
    ),
    Trigger.EXIT: "an exit reason (`other` needs a comment)",
    Trigger.SUSPEND: "a reason",
    Trigger.RESUME: "—",
}


MOVES_BY_ORDER = tuple(move.trigger for move in MOVES)


def _sources(states: tuple[State, ...]) -> str:
    if set(states) == set(NON_TERMINAL_STATES):
        return "any non-terminal state"
    if set(states) == set(SUSPENDABLE_STATES):
        return "any non-terminal state but `on_hold`"
    return ", ".join(f"`{s.value}`" for s in states)


def markdown_table() -> str:
    lines = [
        "| trigger | from | to | guard (refused with a French message otherwise) |",
        "|---|---|---|---|",
    ]
    for move in MOVES:
        destination = f"`{move.destination.value}`" if move.destination else "the state it was suspended in"
        guard = GUARD_SUMMARIES[move.trigger]
        lines.append(f"| `{move.trigger.value}` | {_sources(move.sources)} | {destination} | {guard} |")
    handover = ", ".join(f"`{s.value}`" for s in PARCOURS_ORDER if s in HANDOVER_STATES)
    dated = ", ".join(f"`{t.value}`" for t in MOVES_BY_ORDER if t in DATED_BY_RECORD)
    lines.append("")
    lines.append(
        f"Every move into {handover} also needs a conseiller assigned (the handover). "
        f"{dated} are dated by their record's first day (the week's, the immersion's, the "
        "training's, the contract's); when that day is still to come the step is planned, and "
        "becomes the move when it is confirmed on or after that day."
    )
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())  # noqa: T201 - the command's output
