"""The truth of an overground session, as course mode reports it: passes and walking steps.

Read from a recording's ``truth_steps.csv``: the mean length of the walking steps (turn
steps excluded) and every pass closed by a turn, with the times course mode gives a pass
(``start_s`` = the IC its first step starts from, ``end_s`` = its last walking IC) and its
number of walking steps. A pass counts as closed once two turn steps follow it (one turn
step at the very end of a recording may as well be a pause: such a pass is cut off).

The truth keeps every step the walker began before the recording's end by the
simulator's clock, so the last turn step can land after the recording's last sample: no
sensor saw it. ``closed_passes`` counts only the steps that landed by ``seen_until_s``
(the recording's last sample), as the recording has the walk. A step that landed in the
recording's last :data:`SHORTEST_STANCE_S` is not settled by it either way
(:func:`closed_readings`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

#: the shortest stance (running's, about 0.1 s, rounded down): a foot on the floor for less
#: cannot be told from the swinging foot touching it (``ContactParams.min_contact_s``), so a
#: landing the recording holds less of than this is neither seen as a step nor not
SHORTEST_STANCE_S = 0.08


@dataclass(frozen=True)
class TruePass:
    start_s: float
    end_s: float
    steps: int


def read_truth(recording: Path) -> list[dict[str, str]]:
    with (Path(recording) / "truth_steps.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def walking_mean_m(rows: list[dict[str, str]]) -> float:
    """Mean true step length of the walking steps (not turns) that have one."""
    lengths = [float(r["step_length_m"]) for r in rows if r["step_length_m"]]
    walking = [
        x for x, r in zip(lengths, [r for r in rows if r["step_length_m"]], strict=True)
        if "turn" not in r["flags"]
    ]  # fmt: skip
    return sum(walking) / len(walking)


def closed_passes(rows: list[dict[str, str]], seen_until_s: float = float("inf")) -> list[TruePass]:
    """The passes two or more turn steps close, in order, of the steps that landed by
    ``seen_until_s`` (the ones the recording shows)."""
    rows = [r for r in rows if float(r["ic_s"]) <= seen_until_s]
    out: list[TruePass] = []
    first = 0  # row of the current pass's first walking step
    turning = 0
    for i, r in enumerate(rows):
        if "turn" not in r["flags"]:
            if turning:
                first = i
            turning = 0
            continue
        turning += 1
        if turning == 2 and i - 2 >= first:
            start = float(rows[first - 1 if first > 0 else 0]["ic_s"])
            out.append(TruePass(start, float(rows[i - 2]["ic_s"]), i - 1 - first))
    return out


def closed_readings(rows: list[dict[str, str]], last_sample_s: float) -> list[list[TruePass]]:
    """The truth's closed passes as a recording ending at ``last_sample_s`` can have them:
    with the steps that landed by its last sample and, when one that landed in its last
    :data:`SHORTEST_STANCE_S` closes a pass, without it. Such a step shows at most a foot
    touching down, the step not completed in the recording (its force may or may not have
    reached the contact detector's confirmation level), so either reading is the truth's:
    one rule for every landing, by its time."""
    seen = closed_passes(rows, last_sample_s)
    settled = closed_passes(rows, last_sample_s - SHORTEST_STANCE_S)
    return [seen] if settled == seen else [seen, settled]


def matches(record: dict[str, object], passes: list[TruePass], tol_s: float = 0.1) -> bool:
    """Whether a pass course mode reported has the ends and step count of a true pass."""
    start, end = float(record["start_s"]), float(record["end_s"])  # type: ignore[arg-type]
    return any(
        abs(p.start_s - start) <= tol_s and abs(p.end_s - end) <= tol_s
        and p.steps == record["steps"]
        for p in passes
    )  # fmt: skip
