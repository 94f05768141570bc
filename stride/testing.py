"""stride's pytest plugin: simulated devices and recordings for any project's tests.

Installing stride registers this module with pytest (entry point ``pytest11``), so every
test suite in the same environment gets, without a conftest:

- fixture ``stride_sim``: a running simulated world (walker, treadmill, sensor box) on
  pseudo-terminals, torn down after the test; configured by
  ``@pytest.mark.stride_sim(profile=..., seed=..., treadmill=..., speed=..., rate=...,
  speedup=..., sensors=..., noise=...)``. It yields :class:`sim.harness.SimDevices`:
  ``.box``, ``.treadmill`` (paths pyserial opens), ``.box_url``, ``.treadmill_url``
  (``sim://`` URLs), ``.treadmill_arg``, ``.truth_steps()``, ``.belt_speed_mps()``,
  ``.now()``, and the faults ``.unplug(s)``, ``.garbage(n)``, ``.flip_bits(n)``,
  ``.silence_treadmill(s)``, ``.set_profile(p)``;
- fixture ``stride_recording``: a simulated session directory with its truth
  (:class:`sim.harness.SimRecording`), simulated once per test session for each
  ``@pytest.mark.stride_recording(profile=..., minutes=..., seed=...)`` and copied into
  the test's ``tmp_path``;
- :func:`live_session`: ``stride live`` on a ``stride_sim`` world, run in the test's own
  process on the world's clock (no start-up cost; at any speedup the steps of a real-time
  run).

A marker with an unknown profile, treadmill or option stops the run with a usage error
naming the choices. A port the test left open is closed at teardown with a
:class:`StrideSimWarning` naming it. Guide: docs/testing.md.

This module is imported by every pytest run wherever stride is installed, so it imports
only pytest and the standard library; the simulator loads when a test uses it.
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from sim.harness import SimDevices, SimRecording

SIM_MARKER = "stride_sim"
RECORDING_MARKER = "stride_recording"
_OPTIONS_KEY = pytest.StashKey[Any]()


class StrideSimWarning(UserWarning):
    """Something a test left behind that the fixture had to clean up (an open port)."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{SIM_MARKER}(profile='healthy', seed=0, treadmill='trackmaster', speed='3.6kmh', "
        "rate=1000, speedup=1.0, sensors='heel-toe', noise='nominal'): the simulated "
        "devices of stride's stride_sim fixture",
    )
    config.addinivalue_line(
        "markers",
        f"{RECORDING_MARKER}(profile='healthy', minutes=1.0, seed=0, speed='3.6kmh', "
        "rate=1000, sensors='heel-toe', noise='nominal'): the simulated session of "
        "stride's stride_recording fixture",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Check every stride marker before any test runs: a mistake is a usage error."""
    for item in items:
        for name in (SIM_MARKER, RECORDING_MARKER):
            if item.get_closest_marker(name) is not None:
                _marker_options(item, name)


def _marker_options(node: pytest.Item, name: str) -> Any:
    """The marker's options as the simulator takes them (pytest.UsageError if wrong)."""
    marker = node.get_closest_marker(name)
    given = {} if marker is None else dict(marker.kwargs)
    cached: dict[str, Any] = node.stash.get(_OPTIONS_KEY, {})
    if name in cached:
        return cached[name]
    from devices.errors import InputError
    from sim.harness import device_options, recording_spec

    if marker is not None and marker.args:
        raise pytest.UsageError(
            f"{node.nodeid}: @pytest.mark.{name} takes keyword arguments only, "
            f"e.g. @pytest.mark.{name}(profile='antalgic-left:0.4', seed=1)"
        )
    try:
        value = device_options(given) if name == SIM_MARKER else recording_spec(given)
    except InputError as err:
        raise pytest.UsageError(f"{node.nodeid}: @pytest.mark.{name}: {err}") from None
    node.stash[_OPTIONS_KEY] = {**cached, name: value}
    return value


@pytest.fixture
def stride_sim(request: pytest.FixtureRequest) -> Iterator[SimDevices]:
    """Simulated box and treadmill on pseudo-terminals for this test (see the module)."""
    if os.name != "posix":
        pytest.fail(
            "stride_sim needs pseudo-terminals (Linux, macOS); on this system open the "
            "simulated devices as sim:// URLs (docs/simulation.md)",
            pytrace=False,
        )
    from sim.harness import SimDevices

    options, treadmill = _marker_options(request.node, SIM_MARKER)
    devices = SimDevices(options, treadmill)
    try:
        yield devices
    finally:
        for line in devices.close():
            warnings.warn(
                f"stride_sim: {line}; close ports in the test "
                "(`with serial.Serial(stride_sim.box) as port:`)",
                StrideSimWarning,
                stacklevel=1,
            )


def live_session(
    sim: SimDevices,
    seconds: float,
    *,
    belt: str = "treadmill",
    record: Path | None = None,
    spacing: float | None = None,
    step_length: float | None = None,
) -> dict[str, Any]:
    """``stride live --no-ui --json`` on ``sim``'s box (and its treadmill as the belt
    source; ``belt="box"``: the box's own encoder) for ``seconds`` of simulated walking,
    run in this process: the final JSON document ``{"summary", "steps", "session"}``.

    The session opens the devices as ``sim://`` ports and runs on the world's clock
    (``session.clock``: ``simulated``): polls, stamps and windows are simulated seconds,
    and the world waits whenever this process falls behind, so at any ``speedup`` the
    steps, belt speeds and lengths are those of a real-time run of the same seed.
    ``record``: keep the recording there (a new directory). Nothing goes to the history.
    """
    from stride.core.rows import json_safe
    from stride.core.targets import Target
    from stride.session.run import LiveArgs
    from stride.session.run import live_session as run

    if belt not in ("treadmill", "box"):
        raise ValueError(f"belt is 'treadmill' or 'box', not {belt!r}")
    treadmill = f"{sim.treadmill_protocol}:{sim.treadmill_url}" if belt == "treadmill" else "box"
    target = Target.from_options(spacing_m=spacing, step_length_m=step_length)
    with open(os.devnull, "w", encoding="utf-8") as lines:  # the JSON lines: not wanted
        args = LiveArgs(
            port=sim.box_url,
            treadmill=treadmill,
            target=target,
            duration_s=seconds,
            record=record,
            no_record=record is None,
            no_ui=True,
            history=False,
            out=lines,
        )
        doc = json_safe(run(args).result.document())
    assert isinstance(doc, dict)
    return doc


class _Recordings:
    """Recordings simulated in this test session, by marker options."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.made: dict[str, Path] = {}

    def get(self, spec: Any) -> Path:
        key = repr(spec)
        if key not in self.made:
            from sim.harness import record_session

            out = self.root / f"session-{len(self.made) + 1}"
            record_session(out, spec)
            self.made[key] = out
        return self.made[key]


@pytest.fixture(scope="session")
def _stride_recordings(tmp_path_factory: pytest.TempPathFactory) -> _Recordings:
    return _Recordings(tmp_path_factory.mktemp("stride-recordings"))


@pytest.fixture
def stride_recording(
    request: pytest.FixtureRequest, tmp_path: Path, _stride_recordings: _Recordings
) -> SimRecording:
    """A simulated session recording with its truth, in ``tmp_path/recording`` (a copy of
    the one simulated once per test session for these marker options)."""
    from sim.harness import SimRecording

    made = _stride_recordings.get(_marker_options(request.node, RECORDING_MARKER))
    out = tmp_path / "recording"
    shutil.copytree(made, out)
    return SimRecording(out)
