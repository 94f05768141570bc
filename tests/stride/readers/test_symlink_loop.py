"""A recording path that is a symlink loop is said to be one, by every command that reads a
recording (it was "no such file": ``exists()`` is False for a loop as for a missing file)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import stride_in_process


@pytest.mark.parametrize("command", ["analyze", "replay", "report"])
@pytest.mark.parametrize("hops", [1, 2])
def test_a_symlink_loop_is_named_as_one(tmp_path: Path, command: str, hops: int) -> None:
    links = [tmp_path / f"rec{i}" for i in range(hops)]
    for i, link in enumerate(links):
        link.symlink_to(links[(i + 1) % hops])
    run = stride_in_process(command, str(links[0]))
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr, run.stderr
    assert f"stride: error: {links[0]}: a symlink loop" in run.stderr, run.stderr
    assert "no such file" not in run.stderr and "no recording" not in run.stderr


def test_a_missing_recording_is_still_no_such_file(tmp_path: Path) -> None:
    run = stride_in_process("analyze", str(tmp_path / "gone"))
    assert run.returncode == 1 and "no such file or directory" in run.stderr, run.stderr


@pytest.mark.parametrize("command", ["analyze", "replay", "report", "history"])
@pytest.mark.parametrize("given", ["rec", "rec2", "mnt/rec", "rec.hea"])
def test_a_link_to_a_missing_target_names_the_target(
    tmp_path: Path, command: str, given: str
) -> None:
    """A recording moved, or a disk not mounted, leaves a link to nothing: it was said as
    "no such file" of the link, which is there for the user to see (``ls`` lists it)."""
    (tmp_path / "rec").symlink_to(tmp_path / "moved")
    (tmp_path / "rec2").symlink_to("rec")  # a link to a link to nothing
    (tmp_path / "mnt").symlink_to(tmp_path / "disk")  # a part of the path
    (tmp_path / "rec.hea").symlink_to("gone.hea")
    args = ["history", "add"] if command == "history" else [command]
    run = stride_in_process(*args, given, cwd=tmp_path)
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr, run.stderr
    link, target = {
        "rec2": ("rec2", "moved"),
        "mnt/rec": ("mnt (a part of mnt/rec)", "disk"),
        "rec.hea": ("rec.hea", "gone.hea"),
    }.get(given, (given, "moved"))
    said = f"stride: error: {link}: a symbolic link to {tmp_path / target}, which does not exist"
    assert said in run.stderr, run.stderr


@pytest.mark.parametrize(
    "command", [["demo", "--no-ui", "--duration", "2", "--record"], ["sim", "session", "--out"]]
)
@pytest.mark.parametrize("given", ["rec", "mnt/rec"])
def test_recording_into_a_link_to_nothing_names_it(
    tmp_path: Path, command: list[str], given: str
) -> None:
    """A session cannot record through a link to nothing (a disk not mounted): it was
    "cannot create the recording directory: it already exists"."""
    (tmp_path / "rec").symlink_to(tmp_path / "moved")
    (tmp_path / "mnt").symlink_to(tmp_path / "disk")
    run = stride_in_process(*command, given, "--no-history", cwd=tmp_path)
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr, run.stderr
    link, target = ("rec", "moved") if given == "rec" else ("mnt", "disk")
    said = f"cannot record to {given}: {link} is a symbolic link to {tmp_path / target}, which"
    assert said in run.stderr, run.stderr
    assert not (tmp_path / target).exists()
