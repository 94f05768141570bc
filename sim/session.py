"""Simulate a whole session to a recording (devices.recording format) with its ground truth.

Python API::

    from sim.session import SessionSpec, simulate_session, simulate
    spec = SessionSpec(minutes=5, speed_mps=1.0, params=parse_profile("antalgic-left:0.4").params,
                       seed=7)
    result = simulate_session("out/session1", spec)      # writes the directory
    world = simulate(spec)                                # in memory: bytes, contacts, truth

The same spec and seed give the same bytes in every file but session.json. Separate random
streams drive the gait, the sensors, the link and the faults, so changing the noise or the
faults leaves the gait (and its truth) unchanged.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray

from devices.errors import FileSystemError, InputError
from devices.files import fs_error
from devices.recording import SessionWriter
from sim.box import BoxConfig, BoxOutput, SensorBox
from sim.contact import Contact, reach
from sim.contact import overlapping as overlapping_contacts
from sim.link import Faults, LinkConfig, apply_faults, host_reads, link_for
from sim.params import Feedback, GaitParams
from sim.treadmill import Treadmill
from sim.truth import TRUTH_COLUMNS, TruthStep, truth_steps
from sim.walker import Walker

BOX_STREAM = "box"
BOX_PROTOCOL = "sensorbox-v1"
TRUTH_FILE = "truth_steps.csv"
BLOCK_S = 30.0  # render this much box time at once (bounded memory for long sessions)
SIM_VERSION = 1


@dataclass(frozen=True)
class SessionSpec:
    """Everything that defines a simulated session (all of it goes into session.json)."""

    minutes: float = 5.0
    speed_mps: float = 1.0
    params: GaitParams = field(default_factory=GaitParams)
    profile: str = "healthy"
    seed: int = 0
    box: BoxConfig = field(default_factory=BoxConfig)
    link: LinkConfig = field(default_factory=LinkConfig)
    faults: Faults = field(default_factory=Faults)
    feedback: Feedback = field(default_factory=Feedback)
    overground: bool = False
    pass_length_m: float = 10.0
    split_belt: bool = False
    split_speeds_mps: tuple[float, float] | None = None  # (left, right) with split_belt
    speed_changes: tuple[tuple[float, float], ...] = ()  # (true seconds, m/s)
    treadmill_accel_mps2: float = 0.5
    subject: str | None = None  # session.json's ``subject`` (the history's key)

    def __post_init__(self) -> None:
        if not (0.05 <= self.minutes <= 24 * 60):
            raise InputError(
                f"session length {self.minutes} min is outside 0.05..1440",
                fix="give --minutes between 0.05 and 1440",
            )
        if not self.overground and not (0.2 <= self.speed_mps <= 3.0):
            raise InputError(
                f"belt speed {self.speed_mps:.2f} m/s ({self.speed_mps * 3.6:.1f} km/h) is not a "
                "walking speed (0.2..3.0 m/s, 0.7..10.8 km/h)",
                fix="give e.g. --speed 3.6kmh",
            )
        if self.seed < 0:
            raise InputError("seed is negative", fix="give a seed >= 0")
        if self.subject is not None and not self.subject.strip():
            raise InputError("the subject id is empty", fix="give --subject ID or leave it out")


@dataclass
class SimulatedSession:
    """A simulated session in memory: what the box sent, how the host read it, the truth."""

    spec: SessionSpec
    data: bytes
    read_t: NDArray[np.float64]  # host time of each read (simulated seconds)
    read_end: NDArray[np.int64]  # byte offset each read ends at
    contacts: list[Contact]
    truth: list[TruthStep]
    treadmill: Treadmill | None
    gaps: list[tuple[float, float]]
    timing: dict[str, float]
    box_stats: dict[str, int]

    def chunks(self) -> list[tuple[float, bytes]]:
        """(host_t, bytes) of every read, in order."""
        starts = np.concatenate([[0], self.read_end[:-1]])
        return [
            (float(t), self.data[a:b])
            for t, a, b in zip(self.read_t, starts.tolist(), self.read_end.tolist(), strict=True)
        ]


def simulate(spec: SessionSpec) -> SimulatedSession:
    """Run the walker (SimPy), render the box's frames, deliver them; nothing is written."""
    seeds = np.random.SeedSequence(spec.seed).spawn(4)
    gait_rng, box_rng, link_rng, fault_rng = (np.random.default_rng(s) for s in seeds)
    duration = spec.minutes * 60.0
    timing: dict[str, float] = {}

    t0 = time.perf_counter()
    treadmill = _treadmill(spec)
    env = simpy.Environment()
    if treadmill is not None and spec.speed_changes:
        env.process(_speed_schedule(env, treadmill, spec.speed_changes))
    walker = Walker(
        env,
        spec.params,
        gait_rng,
        treadmill,
        feedback=spec.feedback,
        pass_length_m=spec.pass_length_m,
    )
    env.run(until=duration + 3.0)  # past the end, so the last contacts have their FC
    contacts = walker.contacts
    timing["simpy_s"] = time.perf_counter() - t0

    box, rendered = _render(spec, contacts, treadmill, box_rng, duration, timing)
    t2 = time.perf_counter()
    data = np.frombuffer(rendered.data, dtype=np.uint8)
    emit_true = box.true_time(rendered.emit_us)
    lengths = rendered.lengths
    link = link_for(spec.link, lengths.sum() / max(duration, 1e-9))
    read_t, read_end = host_reads(emit_true, lengths, link, link_rng)
    data, read_end, read_t, unplugged = apply_faults(data, read_end, read_t, spec.faults, fault_rng)
    gaps = rendered.gaps + unplugged
    timing["link_s"] = time.perf_counter() - t2

    t3 = time.perf_counter()
    truth = truth_steps(
        contacts, belt=treadmill, end_s=duration, clock_scale=box.cfg.clock_scale, gaps=gaps
    )
    timing["truth_s"] = time.perf_counter() - t3
    stats = {
        "samples_dropped": box.dropped_samples,
        "bounces": box.bounces,
        "freezes": walker.state.freezes,
        "turns": walker.state.turns,
        "frames": int(lengths.size),
        "link_baud": link.baud,
    }
    return SimulatedSession(
        spec, data.tobytes(), read_t, read_end, contacts, truth, treadmill, gaps, timing, stats
    )


def _treadmill(spec: SessionSpec) -> Treadmill | None:
    """The session's treadmill (None overground), split belts at their own speeds."""
    if spec.overground:
        return None
    treadmill = Treadmill(
        spec.speed_mps,
        accel_mps2=spec.treadmill_accel_mps2,
        split=spec.split_belt,
        body_mass_kg=spec.params.body_mass_kg,
    )
    if spec.split_belt and spec.split_speeds_mps is not None:
        left, right = spec.split_speeds_mps
        treadmill = Treadmill(
            left,
            accel_mps2=spec.treadmill_accel_mps2,
            split=True,
            body_mass_kg=spec.params.body_mass_kg,
        )
        treadmill.set_split_speeds(left, right, 0.0)
    return treadmill


def _render(
    spec: SessionSpec,
    contacts: list[Contact],
    treadmill: Treadmill | None,
    box_rng: np.random.Generator,
    duration: float,
    timing: dict[str, float],
) -> tuple[SensorBox, BoxOutput]:
    """The box's frames of the whole session, rendered in blocks of :data:`BLOCK_S` (bounded
    memory); the output's ``gaps`` are the samples the box dropped."""
    box_cfg = spec.box
    if spec.overground and box_cfg.belt_counts_per_m:
        box_cfg = BoxConfig(**{**_fields(box_cfg), "belt_counts_per_m": 0.0})
    ics = [c.ic for c in contacts]
    reaches = np.maximum.accumulate(np.array([reach(c) for c in contacts] or [0.0]))

    def overlapping(a: float, b: float) -> Sequence[Contact]:
        return overlapping_contacts(contacts, ics, a, b, reaches)

    box = SensorBox(
        box_cfg,
        body_mass_kg=spec.params.body_mass_kg,
        heel_to_toe_s=spec.params.heel_to_toe_s,
        contacts=overlapping,
        belt_position=(lambda t: treadmill.positions(t, "L")) if treadmill else None,
        rng=box_rng,
    )
    t1 = time.perf_counter()
    end_us = box.box_us(duration)
    blobs: list[bytes] = []
    emits: list[NDArray[np.int64]] = []
    lens: list[NDArray[np.int64]] = []
    gaps: list[tuple[float, float]] = []
    done = 0
    block_us = int(BLOCK_S * 1e6)
    while done < end_us:
        done = min(done + block_us, end_us)
        out = box.render(done)
        blobs.append(out.data)
        emits.append(out.emit_us)
        lens.append(out.lengths)
        gaps.extend(out.gaps)
    timing["render_encode_s"] = time.perf_counter() - t1
    timing["render_s"] = box.timing["render_s"]
    timing["encode_s"] = box.timing["encode_s"]
    rendered = BoxOutput(b"".join(blobs), np.concatenate(emits), np.concatenate(lens), gaps)
    return box, rendered


#: Makes derived files (name -> text) from a finished session directory, e.g. steps.csv and
#: summary.json from an analysis: ``sim`` cannot analyse (it never imports ``stride``), so
#: the caller brings the analysis.
Derive = Callable[[Path], Mapping[str, str]]


def simulate_session(
    out: str | Path,
    spec: SessionSpec,
    *,
    force: bool = False,
    url: str | None = None,
    derive: Derive | None = None,
) -> SimulatedSession:
    """Simulate ``spec`` and write it as a session directory at ``out`` (refused if it
    exists and is not empty, unless ``force``): streams/box.rec, session.json and
    truth_steps.csv, then whatever ``derive`` makes of the complete directory (written
    through the session writer, so they are listed in session.json ``files`` and a later
    ``--force`` replaces them with the rest of the session)."""
    t_wall = datetime.now(UTC)
    try:
        writer = SessionWriter(out, force=force)  # refuses before any work is done
    except FileSystemError as err:  # the folder was made (and removed), session.json not
        raise _unfinished(err) from err
    # only what this run made: a folder another run made at the same moment is not ours
    created = writer.made[0] if writer.made else None
    try:
        sim = simulate(spec)
        t0 = time.perf_counter()
        rec = writer.add_stream(BOX_STREAM, BOX_PROTOCOL)
        starts = np.concatenate([[0], sim.read_end[:-1]]).astype(np.int64)
        read = sim.read_end > starts  # empty reads are not recorded (as append() does)
        rec.append_many(sim.data, starts[read], sim.read_t[read])  # the same file, in blocks
        writer.write_table(TRUTH_FILE, TRUTH_COLUMNS, (s.row() for s in sim.truth))
        sim.timing["write_s"] = time.perf_counter() - t0
        writer.write_meta(session_meta(spec, sim, t_wall, url))
        if derive is not None:
            for name, text in derive(Path(out)).items():
                writer.write_text(name, text)
        writer.close()
    except BaseException as err:
        with contextlib.suppress(OSError):  # the disk that failed may fail this too
            writer.close()
        if isinstance(err, KeyboardInterrupt | OSError):
            # Ctrl-C or a full or failing disk: leave nothing that looks recorded (a
            # simulated session is made again by the same command).
            _remove_partial(Path(out), writer.meta, created)
        if isinstance(err, OSError):
            raise _unfinished(err) from err
        raise
    return sim


def _unfinished(err: OSError) -> FileSystemError:
    """The one line for a session that could not be written (its files were removed)."""
    if not isinstance(err, FileSystemError):
        err = fs_error(err, doing="write")
    return FileSystemError(f"{err.problem}; the unfinished session was removed", fix=err.fix)


def _remove_partial(out: Path, meta: Mapping[str, Any], created: Path | None) -> None:
    """Remove what an interrupted run wrote, so no partial session looks like a recording:
    every folder this run created, else only the files this run listed."""
    if created is not None:
        shutil.rmtree(created, ignore_errors=True)
        return
    streams = [s.get("file") for s in meta.get("streams", {}).values()]
    for name in [*meta.get("files", []), *streams, "session.json"]:
        if isinstance(name, str):
            (out / name).unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # only if empty: other files there are not ours
        (out / "streams").rmdir()


def session_meta(
    spec: SessionSpec, sim: SimulatedSession, started: datetime, url: str | None
) -> dict[str, Any]:
    """session.json content of a simulated session (the only file that may differ between
    runs with the same seed: it holds the wall-clock start and timings)."""
    cfg = spec.box
    return {
        "kind": "sim",
        "started_utc": started.isoformat(timespec="seconds"),
        "subject": spec.subject,
        "devices": [
            {
                "kind": "box",
                "port": url or f"sim://box?profile={spec.profile}&seed={spec.seed}",
                "protocol": BOX_PROTOCOL,
            }
        ],
        "belt_source": None if spec.overground else "box",
        "sample_rate_hz": cfg.rate_hz,
        "channels": [c.name for c in cfg.channels()],
        "speed_changes": [list(x) for x in spec.speed_changes],
        "target": (
            {"step_length_m": spec.feedback.step_length_m}
            if spec.feedback.step_length_m is not None
            else None
        ),
        "sim": {
            "version": SIM_VERSION,
            "profile": spec.profile,
            "seed": spec.seed,
            "minutes": spec.minutes,
            "speed_mps": None if spec.overground else spec.speed_mps,
            "overground": spec.overground,
            "pass_length_m": spec.pass_length_m if spec.overground else None,
            "params": _jsonable(asdict(spec.params)),
            "box": _jsonable(_fields(cfg)),
            "link": _jsonable(asdict(spec.link)),
            "faults": _jsonable(asdict(spec.faults)),
            "feedback": _jsonable(asdict(spec.feedback)),
            "truth_file": TRUTH_FILE,
            "gaps_s": [[a, b] for a, b in sim.gaps],
            "stats": sim.box_stats,
            "timing_s": {k: round(v, 4) for k, v in sim.timing.items()},
        },
    }


def _fields(cfg: BoxConfig) -> dict[str, Any]:
    return {k: getattr(cfg, k) for k in cfg.__dataclass_fields__}


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, bytes):
        return obj.decode("ascii", "replace")
    if hasattr(obj, "__dataclass_fields__"):
        return _jsonable(asdict(obj))
    return obj


def _speed_schedule(
    env: simpy.Environment, treadmill: Treadmill, changes: Sequence[tuple[float, float]]
) -> Any:
    for t, v in sorted(changes):
        if t > env.now:
            yield env.timeout(t - env.now)
        treadmill.set_speed_mps(v, env.now)
