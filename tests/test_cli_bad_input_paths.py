"""Fuzz of every path-taking option and of user text that names files: long names, names that
are not UTF-8, ``..``, absolute paths, a FIFO, /dev/zero, a folder, a read-only and a full
disk. Every case ends without a traceback (exit 0, 1 or 2) and writes nothing outside the
folder it was given: the sandbox around it is compared file by file before and after.

The cases run through the console entry point in this process (``stride_in_process``) so
that a few hundred of them take seconds; the recording they use is made the same way. One
refusal stays a real ``stride`` process (a ``--subject`` that is a path: one line and exit 1
as a user's shell sees it, with no traceback from the interpreter); the one-line contract of
the other failure paths is checked by subprocess in the other ``test_cli_bad_input*`` files.
A simulated session is 12 s long where the path is what is tried (``sim-out``, ``sim-db``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_helpers import one_line_error, stride, stride_in_process
from fs_helpers import fill, set_read_only, small_disk, tree
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

NON_UTF8 = os.fsdecode(b"caf\xe9-\xff")


@pytest.fixture(scope="module")
def sandbox(
    tmp_path_factory: pytest.TempPathFactory, simulated_session: Callable[..., Path]
) -> Iterator[Path]:
    """``box/work`` (the folder commands are given and run in), a recording in it, and
    ``box/outside`` with a file nothing may touch; a full and a read-only small disk where
    they can be mounted."""
    box = tmp_path_factory.mktemp("box")
    work, outside = box / "work", box / "outside"
    work.mkdir()
    outside.mkdir()
    (outside / "sentinel.txt").write_text("untouched")
    simulated_session(work / "rec", minutes=0.5)  # sim session --minutes 0.5 --no-history
    os.mkfifo(work / "fifo")
    (work / "adir").mkdir()
    yield box


def _bad_paths(box: Path, cmd: str = "") -> dict[str, str]:
    """The path values every option is given (relative ones are taken from ``work``); the
    absolute one is new for each command, whichever cases ran before in the same box."""
    return {
        "long-part": "a" * 300,
        "long-path": "/".join(["d" * 200] * 22),
        "non-utf8": NON_UTF8,
        "dotdot": "../../nowhere/x",
        "dotdot-outside": "../outside/sentinel.txt",
        "absolute": str(box / "outside" / f"absent-{cmd}" / "x"),
        "fifo": "fifo",
        "dev-zero": "/dev/zero",
        "folder": "adir",
    }


def _commands(rec: str) -> dict[str, list[str]]:
    """Each path-taking option, with ``{}`` where the bad value goes."""
    return {
        "analyze": ["analyze", "{}"],
        "steps-csv": ["analyze", rec, "--steps-csv", "{}"],
        "steps-csv-force": ["analyze", rec, "--steps-csv", "{}", "--force"],
        "plot": ["analyze", rec, "--plot", "{}"],
        "report-dir": ["report", "{}", "--out", "r.html"],
        "report-out": ["report", rec, "--out", "{}", "--force"],
        "sim-out": ["sim", "session", "--out", "{}", "--minutes", "0.2", "--no-history"],
        "sim-db": ["sim", "session", "--out", "s1", "--minutes", "0.2", "--db", "{}"],
        "history-db": ["history", "--db", "{}"],
        "history-add": ["history", "add", "{}", "--db", "h.sqlite"],
        "history-add-db": ["history", "add", rec, "--db", "{}"],
        "recovery-recordings": ["sim", "recovery", "--profile", "healthy", "--seed", "1",
                                "--weeks", "1", "--sessions-per-week", "1", "--minutes",
                                "0.5", "--workers", "1", "--db", "h.sqlite",
                                "--recordings", "{}"],
        "recovery-db": ["sim", "recovery", "--profile", "healthy", "--seed", "1", "--fast",
                        "--weeks", "1", "--db", "{}"],
        "replay": ["replay", "{}", "--no-ui", "--speed", "max"],
        "demo-record": ["demo", "--record", "{}", "--duration", "1", "--no-ui",
                        "--no-history"],
        "demo-db": ["demo", "--no-record", "--duration", "1", "--no-ui", "--db", "{}"],
    }  # fmt: skip


def _run_case(box: Path, args: list[str], value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run one case in ``work`` and check: no traceback, a defined exit code, and nothing
    changed outside ``work`` but a new path the value names and the new folders leading to
    it (a path a user gives is theirs, ``../x`` as much as ``/x``; an existing file outside
    stays as it was); a refusal leaves everything as it was."""
    work = box / "work"
    monkeypatch.chdir(work)
    named = "work"
    target = os.path.normpath(os.path.join(work, value))  # a relative value is from work
    outside = not target.startswith(str(work) + os.sep)  # absolute, or ../ out of work
    if outside and not _exists(Path(target)):  # the new path, or its outermost new folder
        top = Path(target)
        while not _exists(top.parent):
            top = top.parent
        named = os.path.relpath(top, box)
    before_box = tree(box)
    run = stride_in_process(*(value if a == "{}" else a for a in args))
    after = tree(box)
    assert "Traceback" not in run.stderr, (args, value, run.stderr)
    assert run.returncode in (0, 1, 2), (args, value, run.returncode, run.stderr)

    def elsewhere(files: dict[str, int]) -> dict[str, int]:
        return {k: v for k, v in files.items() if not k.startswith(("work", named))}

    assert elsewhere(after) == elsewhere(before_box), (args, value)
    if run.returncode != 0:
        assert _ours(after) == _ours(before_box), (args, value, set(after) ^ set(before_box))
        assert run.stderr.strip(), (args, value)


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long: it does not exist
        return False


def _ours(files: dict[str, int]) -> dict[str, int]:
    """Files but SQLite's own -wal and -shm companions (it removes them when the last
    connection to a database closes, wherever that happens)."""
    return {k: v for k, v in files.items() if not k.endswith(("-wal", "-shm"))}


CASES = [
    (cmd, kind)
    for cmd in _commands("rec")
    for kind in _bad_paths(Path("/x"))
    # a folder that demo may make; a file the user names with --force is theirs to replace
    if not (cmd == "demo-record" and kind in ("folder", "non-utf8"))
    and not (cmd == "demo-db" and kind == "absolute")  # a new history there is the user's
    and not (cmd.endswith(("-force", "report-out")) and kind == "dotdot-outside")
]


@pytest.mark.parametrize(("cmd", "kind"), CASES)
def test_every_path_option_refuses_bad_paths_cleanly(
    sandbox: Path, monkeypatch: pytest.MonkeyPatch, cmd: str, kind: str
) -> None:
    args = _commands(str(sandbox / "work" / "rec"))[cmd]
    _run_case(sandbox, args, _bad_paths(sandbox, cmd)[kind], monkeypatch)


SUBJECTS = ["../../../ESCAPED", "/tmp/ESCAPED", "a/b", "..", NON_UTF8, "s" * 300, "x\ny", " "]


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize("recordings", [True, False])
def test_subjects_cannot_name_a_folder_outside(
    sandbox: Path, monkeypatch: pytest.MonkeyPatch, subject: str, recordings: bool
) -> None:
    args = ["sim", "recovery", "--profile", "healthy", "--seed", "1", "--weeks", "1",
            "--sessions-per-week", "1", "--minutes", "0.5", "--workers", "1",
            "--db", "h.sqlite", "--subject", "{}"]  # fmt: skip
    if recordings:
        args += ["--recordings", "recs"]
    _run_case(sandbox, args, subject, monkeypatch)
    assert not (sandbox / "work" / "recs").exists()


def test_subject_refusal_is_one_line_and_the_hint_is_quoted(sandbox: Path) -> None:
    work = sandbox / "work"
    args = ("sim", "recovery", "--profile", "healthy", "--seed", "2", "--weeks", "1",
            "--sessions-per-week", "1", "--fast", "--db", str(work / "hq.sqlite"))  # fmt: skip
    one_line_error(stride(*args, "--subject", "../../../ESCAPED"), "--subject", "path separator")
    run = stride_in_process(*args, "--subject", "P 1; rm -rf x")
    assert run.returncode == 0, run.stderr
    assert f"next: stride history --subject 'P 1; rm -rf x' --db {work / 'hq.sqlite'}" in (
        run.stdout
    )


@pytest.mark.parametrize("state", ["full", "read-only"])
def test_every_output_option_on_a_full_or_read_only_disk(
    sandbox: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, state: str
) -> None:
    outputs = ["steps-csv", "plot", "report-out", "sim-out", "sim-db", "history-add-db",
               "recovery-recordings", "recovery-db", "demo-record", "demo-db"]  # fmt: skip
    with small_disk(tmp_path / "disk") as disk:
        if state == "full":
            fill(disk)
        else:
            set_read_only(disk)
        try:
            before = tree(disk)
            for cmd in outputs:
                args = _commands(str(sandbox / "work" / "rec"))[cmd]
                _run_case(sandbox, args, str(disk / "out"), monkeypatch)
                assert tree(disk) == before, cmd
        finally:
            if state == "read-only":
                set_read_only(disk, False)


_TEXT = st.lists(
    st.sampled_from(["a", "/", ".", "..", " ", "-", "\\", "é", "\udcff", "\n", "~", "b" * 130]),
    max_size=12,
).map(lambda parts: "".join(parts) or ".")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_TEXT, st.sampled_from(["steps-csv", "sim-out", "history-db", "subject"]))
@example("../a\n", "sim-out")  # a new folder beside work: the user's own path
@example("../outside", "sim-out")  # an existing folder outside: refused, left as it was
@example("a/../rec", "sim-out")  # the recording there, through a folder not made yet
def test_fuzz_random_names(
    sandbox: Path, monkeypatch: pytest.MonkeyPatch, text: str, where: str
) -> None:
    commands = _commands(str(sandbox / "work" / "rec"))
    if where == "subject":
        args = ["sim", "recovery", "--profile", "healthy", "--seed", "1", "--fast",
                "--weeks", "1", "--db", "hf.sqlite", "--subject", "{}"]  # fmt: skip
    else:
        args = commands[where]
    _run_case(sandbox, args, text, monkeypatch)
