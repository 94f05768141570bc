"""Raw key presses through a pseudo-terminal, as a user's terminal would send them."""

from __future__ import annotations

import io
import os
import pty

from hypothesis import given
from hypothesis import strategies as st

from stride.session.screen.keys import KeyReader, actions_for, allowed


def test_actions_for_maps_only_known_keys() -> None:
    assert actions_for("+-= mqx\x1b") == [
        "faster",
        "slower",
        "faster",
        "pause",
        "metronome",
        "quit",
    ]
    assert actions_for("") == []


def test_a_replay_takes_only_pause_and_quit() -> None:
    typed = actions_for("+-m q")
    assert allowed(typed, replay=False) == typed
    assert allowed(typed, replay=True) == ["pause", "quit"]
    # with a walker's view, m clicks the view's metronome in a replay too
    assert allowed(typed, replay=True, view=True) == ["metronome", "pause", "quit"]


def test_key_reader_on_a_pty_reads_without_enter() -> None:
    master, slave = pty.openpty()
    try:
        with os.fdopen(os.dup(slave), "r") as tty_in, KeyReader(tty_in) as keys:
            assert keys.active
            assert keys.poll(0.0) == []
            os.write(master, b"+ m")
            assert keys.poll(1.0) == ["faster", "pause", "metronome"]
        assert not keys.active
    finally:
        os.close(master)
        os.close(slave)


def test_key_reader_without_terminal_is_inert() -> None:
    with KeyReader(io.StringIO("q")) as keys:
        assert not keys.active
        assert keys.poll(0.01) == []


@given(st.text(max_size=50))
def test_any_typing_maps_only_to_known_actions(chars: str) -> None:
    acts = actions_for(chars)
    assert set(acts) <= {"faster", "slower", "pause", "metronome", "quit"}
    assert len(acts) == sum(c in "+=-_ mMqQ" for c in chars)
