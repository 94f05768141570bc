"""An output path that is a symbolic link (``--steps-csv``, ``--plot``, ``--out``) is written
where it points and the link kept: the atomic write's rename put a file in the link's place,
the link gone and its target left as it was. A link into a folder that does not exist is
one line before the analysis."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_helpers import one_line_error, stride_in_process

OUTPUTS = [("analyze", "--steps-csv", "steps.csv"), ("report", "--out", "r.html")]


@pytest.fixture(scope="module")
def recording(
    tmp_path_factory: pytest.TempPathFactory, simulated_session: Callable[..., Path]
) -> Path:
    return simulated_session(tmp_path_factory.mktemp("rec") / "s", minutes=0.5)


@pytest.mark.parametrize(("command", "option", "name"), OUTPUTS)
def test_an_output_through_a_link_is_written_where_it_points(
    recording: Path, tmp_path: Path, command: str, option: str, name: str
) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    (disk / name).write_text("an earlier output")
    old, new = tmp_path / f"old-{name}", tmp_path / f"new-{name}"
    old.symlink_to(disk / name)  # to an earlier output: replaced with --force
    new.symlink_to(disk / f"made-{name}")  # to a file not made yet
    for link, force in ((old, ["--force"]), (new, [])):
        run = stride_in_process(command, str(recording), option, str(link), *force)
        assert run.returncode == 0, run.stderr
        assert link.is_symlink(), "the link was replaced by a file"
        assert os.path.getsize(os.path.realpath(link)) > 100
    assert (disk / name).read_text() != "an earlier output"


@pytest.mark.parametrize(("command", "option", "name"), OUTPUTS)
def test_an_output_link_into_a_missing_folder_is_one_line(
    recording: Path, tmp_path: Path, command: str, option: str, name: str
) -> None:
    link = tmp_path / name
    link.symlink_to(tmp_path / "unmounted" / name)
    run = stride_in_process(command, str(recording), option, str(link))
    one_line_error(run, f"{option} {link} is a symbolic link to", "whose folder does not exist")
    assert link.is_symlink() and not (tmp_path / "unmounted").exists()
