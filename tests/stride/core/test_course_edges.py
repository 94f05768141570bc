"""A pass a step longer than the session's next to a turn a step shorter (or the reverse):
the step between them placed by its time against the walking step next to it in the pass
(:mod:`stride.core.course_edges`)."""

from __future__ import annotations

import numpy as np

from stride.core.course_edges import settle_edges

SLOW = 1.25


def _session(n: int = 5, count: int = 10, turn: int = 4) -> tuple[list, np.ndarray]:
    """``n`` passes of ``count`` steps between turns of ``turn`` steps, every step 0.5 s:
    the passes' ends and their step times."""
    passes, i = [], 0
    for _ in range(n):
        passes.append((i, i + count))
        i += count + turn
    return passes, np.full(i, 0.5)


def test_a_turn_step_read_as_walking_on_a_quick_cycle_goes_back_to_the_turn() -> None:
    passes, st = _session()
    # the third turn's last step, on a quick cycle, read as the fourth pass's first step:
    # a pass of 11 after a turn of 3; that step is 1.5 times the pass's next step
    i, j = passes[3]
    passes[3] = (i - 1, j)
    st[i - 1], st[i] = 0.45, 0.30
    closed = [True] * 4 + [False]
    out, moved = settle_edges(passes, closed, st, SLOW)
    assert out[3] == (i, j) and moved == [False, False, False, True, False]
    assert out[:3] == passes[:3]


def test_a_step_no_slower_than_its_neighbour_stays_in_the_pass() -> None:
    passes, st = _session()
    i, j = passes[3]
    passes[3] = (i - 1, j)
    st[i - 1], st[i] = 0.45, 0.40  # 1.125 times the next step: not slow
    out, moved = settle_edges(passes, [True] * 4 + [False], st, SLOW)
    assert out == passes and not any(moved)


def test_a_walking_step_read_as_a_turn_s_goes_back_to_the_pass() -> None:
    passes, st = _session()
    # the second pass's last step read as the second turn's first: a pass of 9 before a
    # turn of 5, that step no slower than the one before it
    i, j = passes[1]
    passes[1] = (i, j - 1)
    out, moved = settle_edges(passes, [True] * 4 + [False], st, SLOW)
    assert out[1] == (i, j) and moved[1] and sum(moved) == 1
    st[j - 1] = 0.7  # as slow as a turn step against the pass's step before it: stays
    out, moved = settle_edges(passes, [True] * 4 + [False], st, SLOW)
    assert out == passes and not any(moved)


def test_counts_that_do_not_say_which_end_or_too_few_passes_move_nothing() -> None:
    passes, st = _session(7)
    # a pass of 11 with a turn of 3 at each end (the pass before it a step longer too, its
    # last step no slower than the one before), both its end steps 1.5 times their
    # neighbours: which end is not said
    i, j = passes[3]
    passes[2] = (passes[2][0], passes[2][1] + 1)
    passes[3] = (i, j + 1)
    st[i], st[j] = 0.75, 0.75
    closed = [True] * 6 + [False]
    assert sorted(b - a for a, b in passes[:6])[3] == 10  # typical: 10
    out, moved = settle_edges(passes, closed, st, SLOW)
    assert out[3] == passes[3] and not moved[3]
    # fewer than three closed passes: nothing typical to compare with
    passes, st = _session(3)
    i, j = passes[1]
    passes[1] = (i - 1, j)
    st[i - 1], st[i] = 0.75, 0.5
    out, moved = settle_edges(passes, [True, True, False], st, SLOW)
    assert out == passes and not any(moved)


def test_a_pause_or_an_unknown_step_time_moves_nothing() -> None:
    passes, st = _session()
    i, j = passes[3]
    passes[3] = (i - 1, j)
    st[i - 1], st[i] = np.nan, 0.30
    out, moved = settle_edges(passes, [True] * 4 + [False], st, SLOW)
    assert out == passes and not any(moved)
