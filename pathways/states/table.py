"""The transitions table as Markdown, generated from ``MOVES`` for the README.

``python -m pathways.states.table`` prints it; a test checks that the README
holds exactly this text between its ``states:begin`` / ``states:end`` markers.
"""

from __future__ import annotations

from pathways.states.definitions import (
    MOVES,
    MOVES_WITHOUT_HANDOVER,
    NON_TERMINAL_STATES,
    SUSPENDABLE_STATES,
    State,
    Trigger,
)

# What each guard checks, in the words of the field (see guards.py for the rules).
GUARD_SUMMARIES: dict[Trigger, str] = {
    Trigger.REGISTER_INFO_SESSION: "an information session is chosen",
    Trigger.START_ORIENTATION: (
        "an orientation week is chosen; the person confirmed being available all week"
    ),
    Trigger.START_REINFORCEMENT: "the orientation diagnostic is recorded",
    Trigger.START_IMMERSION: "an immersion with employer, start and end dates; at most one month",
    Trigger.START_TRAINING: (
        "project validated; a training with organisation, certification, funding, start date"
    ),
    Trigger.SEEK_EMPLOYMENT: "project validated",
    Trigger.SIGN_CONTRACT: (
        "a contract: employer, employer type, job (ROME), type, start date; a CDD states its months"
    ),
    Trigger.COMPLETE: "six months since the contract start and the 6-month checkpoint recorded",
    Trigger.EXIT: "an exit reason (`other` needs a comment)",
    Trigger.SUSPEND: "a reason",
    Trigger.RESUME: "—",
}


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
    without = " / ".join(f"`{t.value}`" for t in sorted(MOVES_WITHOUT_HANDOVER))
    lines.append("")
    lines.append(
        f"Leaving `orientation` by any move but {without} also needs a conseiller assigned (the handover)."
    )
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())  # noqa: T201 - the command's output
