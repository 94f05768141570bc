"""User and device text in the terminal tables is printed literally: a subject id, a path
or a channel name with ``[...]`` in it is not read as rich markup (``P1[/]`` made every
``stride history`` end in a traceback), and a newline or a terminal escape in it is
written as an escape instead of splitting a row or colouring the terminal."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_helpers import stride_in_process as _stride
from hypothesis import example, given
from hypothesis import strategies as st
from rich.text import Text

from stride.cli.shown import shown


@given(st.text(max_size=60))
@example("\\")
@example("C:\\data\\")
@example("x\\[bold]")
def test_shown_text_renders_as_itself_and_without_control_characters(text: str) -> None:
    plain = Text.from_markup(shown(text)).plain
    assert plain.isprintable()
    if text.isprintable():
        assert plain == text
        # alone, and inside markup that follows it (a path in bold, then a colon)
        assert Text.from_markup(f"[bold]{shown(text)}[/bold]: x").plain == f"{text}: x"


@pytest.mark.parametrize("subject", ["P1[/]", "[bold red]P2", "a\nb", "x\x1b[31mred"])
def test_history_shows_any_stored_subject_literally(
    subject: str, tmp_path: Path, simulated_session: Callable[..., Path]
) -> None:
    rec = simulated_session(tmp_path / "s", minutes=0.5, seed=1)
    db = tmp_path / "h.db"
    added = _stride("history", "add", str(rec), "--db", str(db), "--subject", subject)
    assert added.returncode == 0, added.stderr
    other = simulated_session(tmp_path / "t", minutes=0.5, seed=2)
    assert _stride("history", "add", str(other), "--db", str(db), "--subject", "P9").returncode == 0
    for args in ([], ["--subject", subject]):  # the overview, then the subject's sessions
        run = _stride("history", "--db", str(db), *args)
        assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
        assert "\x1b" not in run.stdout
        if subject.isprintable():
            assert subject in run.stdout
        else:
            assert repr(subject)[1:-1] in run.stdout
    stored = json.loads(_stride("history", "--db", str(db), "--json").stdout)
    assert subject in {s.get("subject") for s in stored["sessions"]}  # kept as given


def test_several_records_table_shows_bracketed_paths_literally(
    tmp_path: Path, simulated_session: Callable[..., Path]
) -> None:
    rec = simulated_session(tmp_path / "[bold]s", minutes=0.5, seed=1)
    missing = tmp_path / "x[/]"
    run = _stride("analyze", str(rec), str(missing), "--workers", "1")
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    flat = "".join(run.stdout.split())  # the table may fold a long path over lines
    assert "[bold]s" in flat and "x[/]" in flat
    one = _stride("analyze", str(rec))
    assert one.returncode == 0 and f"{rec}:" in one.stdout.replace("\n", ""), one.stdout
