"""stride's pytest plugin in other projects' test runs (pytester): found through its entry
point, its markers accepted under --strict-markers, mistakes in a marker are usage errors
naming the choices, a port left open is closed with a warning naming it, recordings are
simulated once per test session, and loading the plugin imports nothing heavy."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

pytest_plugins = ["pytester"]

ARGS = ("-p", "no:cacheprovider", "--strict-markers", "-q")


def test_fixture_and_marker_in_a_strict_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest, serial

        @pytest.mark.stride_sim(profile="parkinsonian:0.5", seed=4, speed="4kmh", rate=500)
        def test_uses_the_devices(stride_sim):
            with serial.Serial(stride_sim.box, timeout=0.2) as box:
                assert len(box.read(500)) > 0
            assert stride_sim.world.options.rate_hz == 500
            assert stride_sim.world.profile == "parkinsonian:0.5"
            assert stride_sim.belt_speed_mps() == pytest.approx(4 / 3.6, abs=0.05)

        def test_defaults(stride_sim):
            assert stride_sim.treadmill_arg.startswith("trackmaster:")
        """
    )
    before = set(threading.enumerate())
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(passed=2)
    assert set(threading.enumerate()) == before  # the servers' threads are gone


@pytest.mark.parametrize(
    ("marker", "says"),
    [
        ('stride_sim(profile="limp")', ["unknown gait profile 'limp'", "healthy, antalgic-left"]),
        ('stride_sim(treadmill="woodway")', ["unknown treadmill 'woodway'", "trackmaster, csafe"]),
        ('stride_sim(colour="red")', ["no option 'colour'", "profile, seed, treadmill"]),
        ('stride_sim("healthy")', ["keyword arguments only"]),
        ("stride_sim(seed=1.5)", ["seed=1.5", "not a whole number"]),
        ('stride_sim(speed="fast")', ["cannot read speed 'fast'"]),
        ("stride_sim(speedup=0)", ["speedup 0.0 is outside"]),
        ('stride_recording(profile="limp")', ["unknown gait profile 'limp'"]),
        ("stride_recording(minutes=0)", ["session length 0.0 min"]),
    ],
)
def test_marker_mistakes_are_usage_errors(
    pytester: pytest.Pytester, marker: str, says: list[str]
) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        def test_fine():
            pass

        @pytest.mark.{marker}
        def test_marked():
            pass
        """
    )
    result = pytester.runpytest(*ARGS)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "test_marked" in err
    for text in says:
        assert text in err
    result.stdout.no_fnmatch_line("*passed*")  # nothing ran


def test_a_port_left_open_is_closed_and_named(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os, serial

        KEPT = []

        def test_forgets_to_close(stride_sim):
            port = serial.Serial(stride_sim.box, timeout=0.1)
            port.read(10)
            KEPT.append(port)

        def test_after(stride_sim):
            assert not KEPT[0].is_open
            assert not os.path.exists(os.path.dirname(KEPT[0].port))
        """
    )
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(passed=2, warnings=1)
    result.stdout.fnmatch_lines(
        ["*StrideSimWarning: stride_sim: port box (*/box -> /dev/*) was left open (fd *); closed*"]
    )


def test_recordings_are_simulated_once_and_copied(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import json, pytest

        SEEN = {}

        @pytest.mark.stride_recording(profile="antalgic-left:0.4", minutes=0.2, seed=3)
        def test_first(stride_recording, tmp_path):
            assert stride_recording.path == tmp_path / "recording"
            SEEN["first"] = stride_recording.meta
            truth = stride_recording.truth_steps()
            assert len(truth) > 10 and truth[5]["step_length_m"] > 0.3
            (stride_recording.path / "session.json").unlink()  # a test may change its copy

        @pytest.mark.stride_recording(profile="antalgic-left:0.4", minutes=0.2, seed=3)
        def test_same(stride_recording):
            assert stride_recording.meta == SEEN["first"]  # same recording, fresh copy

        @pytest.mark.stride_recording(minutes=0.2, seed=4)
        def test_other(stride_recording):
            assert stride_recording.meta["started_utc"] != SEEN["first"]["started_utc"] or (
                stride_recording.meta["sim"] != SEEN["first"]["sim"])
            assert stride_recording.meta["sim"]["seed"] == 4
        """
    )
    pytester.runpytest(*ARGS).assert_outcomes(passed=3)


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    code = (
        "import sys, stride.testing\n"
        "heavy = [m for m in ('numba', 'numpy', 'simpy', 'serial', 'sim', 'devices') "
        "if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_plugin_is_registered_by_the_entry_point() -> None:
    from importlib.metadata import entry_points

    found = [ep for ep in entry_points(group="pytest11") if ep.value == "stride.testing"]
    assert len(found) == 1
