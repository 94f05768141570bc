"""A step's flags (docs/metrics.md) as a person reads them: a short label for where the
step would show a figure (the dashboard's landings, the report's event timeline), and what
it means. Words only: one place for the dashboard and the reports alike."""

from __future__ import annotations

FLAGS = {
    "gap": ("gap", "samples missing"),
    "edge": ("start", "no trusted earlier contact to measure from, as at the start of the record"),
    "stop": ("pause", "a pause in walking"),
    "turn": ("turn", "a turn or hesitation"),
    "alternation": ("missed", "a missed or extra contact"),
    "belt-unknown": ("no belt", "the belt's speed unknown"),
}


def flag_label(flag: str) -> str:
    """The short label of a step's flag (the flag itself where it has none)."""
    return FLAGS.get(flag, (flag, ""))[0]


def why_no_length(flags: object) -> str:
    """Why a step shows no length, in a word or two: its first flag's label (``start``,
    ``no belt``; one, so that it fits beside the landings of an 80-column dashboard), or
    "no length" where it has no flag to say why."""
    if isinstance(flags, list | tuple) and flags:
        return flag_label(str(flags[0]))
    return "no length"
