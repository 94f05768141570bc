"""A history file given as a symbolic link (``--db`` or ``STRIDE_HISTORY_DB``, e.g. a link to
a history on a network disk): one into a folder that is not there (the disk not mounted) is
refused in one line and the link kept. It was taken for a new history that could not be
made, and the link itself removed with what that attempt left: the next session kept its
history in a new file in the link's place, not where the link pointed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_helpers import one_line_error, stride_in_process


@pytest.fixture
def recording(tmp_path: Path, simulated_session: object) -> Path:
    return simulated_session(tmp_path / "rec", minutes=0.5)  # type: ignore[operator]


@pytest.mark.parametrize("command", ["demo", "history add"])
def test_a_link_into_a_missing_folder_is_refused_and_kept(
    tmp_path: Path, recording: Path, command: str
) -> None:
    link = tmp_path / "h.sqlite"
    link.symlink_to(tmp_path / "unmounted" / "h.sqlite")
    args = (
        ["demo", "--duration", "2", "--no-ui", "--no-record"]
        if command == "demo"
        else ["history", "add", str(recording)]
    )
    run = stride_in_process(*args, "--db", str(link))
    one_line_error(run, "is a symbolic link to", str(tmp_path / "unmounted" / "h.sqlite"))
    assert run.stdout == ""  # refused before the session: no step line
    assert link.is_symlink() and os.readlink(link) == str(tmp_path / "unmounted" / "h.sqlite")


def test_a_link_to_a_history_not_made_yet_makes_it_where_it_points(
    tmp_path: Path, recording: Path
) -> None:
    (tmp_path / "disk").mkdir()
    link = tmp_path / "h.sqlite"
    link.symlink_to(tmp_path / "disk" / "h.sqlite")
    run = stride_in_process("history", "add", str(recording), "--db", str(link))
    assert run.returncode == 0, run.stderr
    assert link.is_symlink() and (tmp_path / "disk" / "h.sqlite").is_file()
