"""The command line's conventions: fast help without numba, one-line errors, exit codes."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from stride.cli import app as cli_app
from stride.errors import DeviceError, DeviceTimeoutError, InputError, ProtocolError, StrideError


def test_help_does_not_import_numba() -> None:
    code = (
        "import sys\n"
        "from stride.cli.app import app\n"
        "try:\n"
        "    app(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "bad = sorted(m for m in ('numba', 'numpy', 'matplotlib', 'simpy', 'serial', 'aiohttp') "
        "if m in sys.modules)\n"
        "print('IMPORTED', bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "IMPORTED []" in out.stdout, out.stdout


def test_version_option() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "stride.cli.app", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.startswith("stride ")


def test_toolkit_error_becomes_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom() -> None:
        raise InputError("cannot read 'x.hea': no such file", fix="check the path")

    monkeypatch.setattr(cli_app, "app", boom)
    with pytest.raises(SystemExit) as exc:
        cli_app.main()
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert err == "stride: error: cannot read 'x.hea': no such file (check the path)\n"


def test_usage_error_is_exit_2() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "stride.cli.app", "--no-such-option"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert "Traceback" not in out.stderr


def test_error_hierarchy_derives_from_builtins() -> None:
    assert issubclass(InputError, ValueError) and issubclass(InputError, StrideError)
    assert issubclass(DeviceError, OSError) and issubclass(DeviceError, StrideError)
    assert issubclass(DeviceTimeoutError, TimeoutError)
    assert issubclass(DeviceTimeoutError, DeviceError)
    assert issubclass(ProtocolError, DeviceError)
    assert str(StrideError("no port", fix="plug it in")) == "no port (plug it in)"
    assert str(StrideError("no port")) == "no port"


@pytest.mark.parametrize("command", ["session", "serve", "recovery", "demo"])
def test_sim_help_lists_every_gait_profile(command: str) -> None:
    # a user picks a profile from `stride sim session --help`, not from an error message
    from sim.profiles import DEFAULT_SEVERITY, PROFILES
    from stride.cli.profile_help import DEFAULT_SEVERITY as SAID
    from stride.cli.profile_help import PROFILE_NAMES

    assert tuple(PROFILES) == PROFILE_NAMES and SAID == DEFAULT_SEVERITY
    code = (
        "import sys\n"
        "from stride.cli.app import app\n"
        f"try:\n    app([*{[] if command == 'demo' else ['sim']!r}, {command!r}, '--help'])\n"
        "except SystemExit:\n    pass\n"
        "print('IMPORTED', sorted(m for m in ('numpy', 'sim.profiles') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "IMPORTED []" in out.stdout, out.stdout
    # the help as wrapped (also after a name's hyphen), its words rejoined
    listed = re.sub(r"-\s+", "-", " ".join(out.stdout.split()))
    for name in PROFILES:
        assert f"{name}," in listed or f"{name};" in listed, (name, listed)
    assert "custom:step_length=10,stance=-8" in listed
    # antalgic-left without a severity is antalgic-left:0.5: the help says so
    assert f"severity 0-1; {DEFAULT_SEVERITY:g} when left out" in listed, listed


def test_history_help_names_what_its_json_holds() -> None:
    # `stride history --json` prints {"sessions": [...], "warnings": [...]} (docs/history.md)
    from typer.testing import CliRunner

    from stride.cli.app import app

    out = CliRunner().invoke(app, ["history", "--help"], env={"COLUMNS": "200"})
    assert out.exit_code == 0
    assert '{"sessions": [...], "warnings": [...]}' in " ".join(out.output.split())
    # and sim recovery's --minutes says its unit
    recovery = CliRunner().invoke(app, ["sim", "recovery", "--help"], env={"COLUMNS": "200"})
    assert "Length of each session, minutes." in recovery.output
