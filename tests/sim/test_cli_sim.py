"""``stride sim`` on the command line: bad rates refused in one line, history registration."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from devices.errors import InputError
from sim.box import RATE_MAX_HZ, RATE_MIN_HZ, BoxConfig, check_rate
from sim.urlhandler.protocol_sim import parse_sim_url
from sim.world import WorldOptions


def _stride(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The installed CLI as a user runs it (own process: exit code, stderr, no traceback)."""
    code = "import sys; from stride.cli.app import main; sys.argv[0] = 'stride'; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_rate_limits_follow_protocol_v1() -> None:
    # uint16 microseconds of sample period, uint16 Hz in HELLO
    assert round(1e6 / RATE_MIN_HZ) <= 0xFFFF < round(1e6 / (RATE_MIN_HZ - 1))
    assert RATE_MAX_HZ == 0xFFFF
    for ok in (RATE_MIN_HZ, 100, 1000, RATE_MAX_HZ):
        assert check_rate(ok) == ok
        assert BoxConfig(rate_hz=ok).period_us <= 0xFFFF
    for bad in (0, 10, 15, RATE_MAX_HZ + 1, -1000):
        with pytest.raises(InputError, match=f"{RATE_MIN_HZ}..{RATE_MAX_HZ} Hz"):
            BoxConfig(rate_hz=bad)
        with pytest.raises(InputError, match="sample rate"):
            WorldOptions(rate_hz=bad)
        with pytest.raises(InputError, match=f"{RATE_MIN_HZ}..{RATE_MAX_HZ} Hz"):
            parse_sim_url(f"sim://box?rate={bad}")
    with pytest.raises(InputError, match="whole number"):
        check_rate(1000.5)  # type: ignore[arg-type]


def test_lowest_rate_encodes_and_simulates(tmp_path: Path) -> None:
    from sim.cli_support import run_session

    line = run_session(
        out=tmp_path / "slow", minutes=0.1, speed="3.6kmh", profile="healthy", seed=1, rate=16
    )
    assert "at 16 Hz" in line
    assert (tmp_path / "slow" / "truth_steps.csv").stat().st_size > 0


@pytest.mark.parametrize("rate", ["10", "15", "70000"])
def test_cli_refuses_unencodable_rate_in_one_line(tmp_path: Path, rate: str) -> None:
    out = _stride(
        "sim", "session", "--out", str(tmp_path / "s"), "--minutes", "0.1", "--rate", rate,
        cwd=tmp_path,
    )  # fmt: skip
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert f"sample rate {rate} Hz" in lines[0] and "16..65535 Hz" in lines[0]
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "s").exists()  # refused before anything is written
