"""Bad input to ``stride analyze``: one line on stderr and exit 1, checked before the
analysis runs; a damaged recording is analysed but the skipped damage is said (stderr
warning, and a ``recording`` field in --json).

Most cases run through the console entry point in this process (``stride_in_process``): what
they test is the message, exit code and output, not the process. Two stay a real ``stride``
process (``_process``):

- an output path under a file (``--steps-csv``): the operating system's error turned into one
  line (the entry point's ``OSError`` handling), with no traceback from the interpreter;
- a clean recording's ``--json`` with an empty stderr: nothing at all (a warning, a status
  line, anything printed at interpreter exit) reaches a real process's stderr.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_helpers import one_line_error as _one_line_error
from cli_helpers import stride as _process
from cli_helpers import stride_in_process as _stride
from cli_helpers import without_kernel_notice


@pytest.fixture(scope="module")
def recording(
    tmp_path_factory: pytest.TempPathFactory, simulated_session: Callable[..., Path]
) -> Path:
    """A half-minute simulated session (sensor-box stream only)."""
    """``stride sim session --minutes 0.5 --seed 1 --no-history``: a copy of its own."""
    return simulated_session(tmp_path_factory.mktemp("rec") / "s", minutes=0.5, seed=1)


@pytest.mark.parametrize(
    "option,name,runner",
    [
        pytest.param("--steps-csv", "s.csv", _process, id="steps-csv-process"),
        pytest.param("--plot", "s.png", _stride, id="plot-in-process"),
    ],
)
def test_output_under_a_file_is_one_line_and_the_file_is_kept(
    recording: Path,
    tmp_path: Path,
    option: str,
    name: str,
    runner: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me")
    run = runner("analyze", str(recording), option, str(notes / name))
    _one_line_error(run, str(notes), "is a file")
    assert notes.read_text() == "keep me"


@pytest.mark.parametrize("name", ["plot.txt", "plot", "plot.jpg"])
def test_a_plot_name_no_figure_format_has_is_refused_before_the_analysis(
    recording: Path, tmp_path: Path, name: str
) -> None:
    """``--plot out.txt`` wrote a PNG under that name, silently."""
    run = _stride("analyze", str(recording), "--plot", str(tmp_path / name))
    _one_line_error(run, "--plot", ".png, .svg or .pdf")
    assert run.stdout == "" and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("name", "head"), [("p.svg", b"<?xml"), ("p.PDF", b"%PDF")])
def test_a_plot_is_written_in_the_format_its_extension_names(
    recording: Path, tmp_path: Path, name: str, head: bytes
) -> None:
    run = _stride("analyze", str(recording), "--plot", str(tmp_path / name))
    assert run.returncode == 0, run.stderr
    assert (tmp_path / name).read_bytes().startswith(head)


def test_output_in_a_missing_folder_is_one_line(recording: Path, tmp_path: Path) -> None:
    run = _stride("analyze", str(recording), "--steps-csv", str(tmp_path / "nope" / "s.csv"))
    _one_line_error(run, "does not exist")


def test_a_300_m_line_target_is_refused(recording: Path) -> None:
    run = _stride("analyze", str(recording), "--spacing", "0.3", "--lines-per-step", "1000")
    _one_line_error(run, "--lines-per-step 1000", "300 m")


def test_a_plausible_line_target_is_accepted(recording: Path) -> None:
    run = _stride("analyze", str(recording), "--spacing", "0.3", "--lines-per-step", "2", "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["summary"]["target"]["step_length_m"] == pytest.approx(0.6)


def _damaged(recording: Path, tmp_path: Path, how: str) -> Path:
    rec = tmp_path / "copy"
    shutil.copytree(recording, rec)
    box = rec / "streams" / "box.rec"
    if how == "zeros":
        with box.open("r+b") as f:
            f.seek(60000)
            f.write(bytes(100))
    else:
        os.truncate(box, box.stat().st_size - 37)
    return rec


@pytest.mark.parametrize("how", ["zeros", "tail"])
def test_damaged_recording_is_analysed_with_the_damage_said(
    recording: Path, tmp_path: Path, how: str
) -> None:
    rec = _damaged(recording, tmp_path, how)
    run = _stride("analyze", str(rec), "--json")
    assert run.returncode == 0, run.stderr
    lines = without_kernel_notice(run.stderr).strip().splitlines()
    # the zeros hit a chunk in the middle: the frames it held are lost, and said so
    assert len(lines) == (2 if how == "zeros" else 1), run.stderr
    assert all(ln.startswith("stride: warning: stream 'box'") for ln in lines), run.stderr
    doc = json.loads(run.stdout)
    assert {"summary", "steps", "timing"} <= doc.keys()
    damage = doc["recording"]
    assert damage["stream"] == "box"
    assert damage["skipped_chunks"] == 1
    assert damage["torn_tail"] is (how == "tail")
    assert damage["bytes_skipped"] > 0
    assert (damage["frames_lost"] > 0) is (how == "zeros")
    if how == "zeros":
        assert f"{damage['frames_lost']} frame(s) were lost" in lines[1]
    table = _stride("analyze", str(rec))
    assert table.returncode == 0 and "stride: warning:" in table.stderr


@pytest.mark.parametrize("json_out", [False, True])
def test_a_torn_recording_without_strides_says_the_damage_in_its_error(
    recording: Path, tmp_path: Path, json_out: bool
) -> None:
    """Torn a second in (a few frames, no stride): the error said only "check that each
    foot's sensor works", dropping the damage a recording with strides is warned of."""
    rec = tmp_path / "copy"
    shutil.copytree(recording, rec)
    os.truncate(rec / "streams" / "box.rec", 3000)
    run = _stride("analyze", str(rec), *(["--json"] if json_out else []))
    _one_line_error(run, "no usable strides", "stream 'box'", "1 torn", "restore it from a backup")
    assert run.stdout == ""


def test_clean_recording_has_no_warning_and_zero_damage(recording: Path) -> None:
    run = _process("analyze", str(recording), "--json")
    assert run.returncode == 0 and run.stderr == ""
    damage = json.loads(run.stdout)["recording"]
    recorded = damage.pop("recorded_s")
    assert damage == {
        "stream": "box",
        "skipped_chunks": 0,
        "torn_tail": False,
        "bytes_skipped": 0,
        "discarded_bytes": 0,
        "frames_lost": 0,
        "complete": True,
    }
    assert 29.0 < recorded <= 30.1  # the 0.5-minute session's box stream


def test_a_foot_of_blips_gives_a_warning_and_no_strides_for_it(tmp_path: Path) -> None:
    """A loose cable under the right foot (40 ms spikes at random): that foot gets no
    contacts and one warning line naming the blips, never invented strides."""
    import numpy as np

    repo = Path(__file__).resolve().parents[1]
    table = np.loadtxt(repo / "data" / "physionet" / "gaitpdb" / "GaCo01_01.txt")
    rng = np.random.default_rng(3)
    chatter = np.zeros(len(table))
    at = 100
    while at < len(table) - 10:
        chatter[at : at + 4] = rng.uniform(300, 600)
        at += int(rng.choice([rng.integers(6, 12), rng.integers(30, 150)]))
    table[:, 9:17] = chatter[:, None] / 8
    table[:, 18] = chatter
    rec = tmp_path / "GaCo99_01.txt"
    np.savetxt(rec, table, fmt="%.4f", delimiter="\t")
    run = _stride("analyze", str(rec), "--json")
    assert "Traceback" not in run.stderr
    said = [line for line in run.stderr.splitlines() if "blips" in line]
    assert len(said) == 1 and said[0].startswith("stride: "), run.stderr
    assert "foot R" in said[0]
    if run.returncode == 0:
        steps = json.loads(run.stdout)["steps"]
        assert not [s for s in steps if s["side"] == "R"]
    else:
        _one_line_error(run, "no usable strides", "blips")


@pytest.fixture(scope="module")
def treadmill_recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``stride live`` on a simulated box whose belt speed comes from a simulated Trackmaster
    (a ``treadmill.rx`` stream beside the box's), 20 s of walking at 10x."""
    key = f"damage-{os.getpid()}"
    rec = tmp_path_factory.mktemp("treadmill") / "rec"
    run = _stride(
        "live", "--port", f"sim://box?world={key}&speedup=10&seed=3",
        "--treadmill", f"trackmaster:sim://treadmill?world={key}",
        "--duration", "20", "--no-ui", "--record", str(rec), "--no-history",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return rec


@pytest.mark.parametrize("how", ["cut", "flips", "all"])
def test_a_damaged_treadmill_stream_is_said_as_replay_says_it(
    treadmill_recording: Path, tmp_path: Path, how: str
) -> None:
    """The treadmill's stream cut short or with damaged chunks: analyze says what it
    skipped (replay said it, analyze did not), and the steps its readings no longer cover
    are flagged ``belt-unknown``, never given a stale belt's length. ``all``: no chunk
    left intact; replay too gives the steps and says so (it refused the recording)."""
    rec = tmp_path / "copy"
    shutil.copytree(treadmill_recording, rec)
    rx = rec / "streams" / "treadmill.rx.rec"
    data = bytearray(rx.read_bytes())
    if how == "cut":  # inside the header of the chunk at half the file: always torn
        os.truncate(rx, max(at for at, _, _ in _chunks(data) if at < len(data) // 2) + 10)
    else:
        # flips: a byte of every chunk from 12 s to 16 s of the box's time (from its first
        # chunk), then of one in four: a 4 s outage (> the 1 s silence limit) whose steps
        # have no length in every run, whatever the load the recording was made under
        start = _chunks((rec / "streams" / "box.rec").read_bytes())[0][1]
        late = [(at, h) for at, h, _ in _chunks(data) if h - start >= 12.0]
        hit = [at for k, (at, h) in enumerate(late) if h - start < 16.0 or k % 4 == 0]
        flips = [at + 20 for at in hit] if how == "flips" else range(64, len(data), 7)
        for i in flips:
            data[i] ^= 0xFF
        rx.write_bytes(bytes(data))
    run = _stride("analyze", str(rec), "--json")
    assert run.returncode == 0, run.stderr
    said = [ln for ln in run.stderr.splitlines() if "treadmill.rx" in ln]
    assert len(said) == 1 and said[0].startswith("stride: warning: stream 'treadmill.rx'")
    doc = json.loads(run.stdout)
    assert any("treadmill.rx" in w for w in doc["warnings"])
    late = [s for s in doc["steps"] if s["ic_s"] > 15.0]
    assert late and all("belt-unknown" in s["flags"] for s in late if s["step_length_m"] is None)
    if how == "flips":  # the outage's steps, the same ones each run
        assert any(s["step_length_m"] is None for s in doc["steps"] if 13.5 < s["ic_s"] < 15.5)
    replayed = _stride("replay", str(rec), "--speed", "max", "--no-ui")
    assert replayed.returncode == 0, replayed.stderr
    count = said[0].split(": skipped")[1].split("; the rest")[0]
    assert count in replayed.stderr  # the same count, both ways


def _chunks(raw: bytes | bytearray) -> list[tuple[int, float, int]]:
    """(file offset, host_t, data length) of each chunk of an intact stream file
    (docs/formats.md: header, then ``CHNK`` n host_t crc data)."""
    at = 12 + int.from_bytes(raw[10:12], "little")
    out = []
    while at < len(raw):
        assert raw[at : at + 4] == b"CHNK"
        n = int.from_bytes(raw[at + 4 : at + 8], "little")
        out.append((at, struct.unpack("<d", raw[at + 8 : at + 16])[0], n))
        at += 20 + n
    return out


def test_steps_past_the_treadmills_last_reading_say_why_they_have_no_length(
    treadmill_recording: Path, tmp_path: Path
) -> None:
    """The treadmill's last reading 0.75 s before the box's last chunk (more than a step
    time, under the 1 s silence limit: no outage): the steps after it have no length, as the
    belt is measured
    between readings only, and are flagged ``belt-unknown`` by analyze and replay alike
    (they had neither a length nor a flag: the last step of a recording whose treadmill
    answered last a little before it)."""
    rec = tmp_path / "copy"
    shutil.copytree(treadmill_recording, rec)
    box = _chunks((rec / "streams" / "box.rec").read_bytes())
    rx = rec / "streams" / "treadmill.rx.rec"
    cut = next(at for at, h, _ in _chunks(rx.read_bytes()) if h > box[-1][1] - 0.75)
    os.truncate(rx, cut)  # at a chunk's start: an intact stream that ends earlier
    run = _stride("analyze", str(rec), "--json")
    assert run.returncode == 0 and "treadmill" not in run.stderr, run.stderr
    steps = json.loads(run.stdout)["steps"]
    measured = [s["ic_s"] for s in steps if s["step_length_m"] is not None]
    past = [s for s in steps if s["ic_s"] > max(measured)]
    assert past and all(s["step_length_m"] is None for s in past)
    assert all(s["flags"] == ["belt-unknown"] for s in past)
    replayed = _stride("replay", str(rec), "--speed", "max", "--no-ui", "--json")
    assert replayed.returncode == 0, replayed.stderr
    again = json.loads(replayed.stdout.strip().splitlines()[-1])["steps"]
    assert [s["flags"] for s in again] == [s["flags"] for s in steps]


@pytest.mark.parametrize("how", ["header", "empty", "cut-in-header", "header-only", "missing"])
def test_an_unreadable_treadmill_stream_leaves_the_steps(
    treadmill_recording: Path, tmp_path: Path, how: str
) -> None:
    """The treadmill's stream file with its header destroyed, empty, cut before its first
    chunk or missing: analyze and replay give every step from the intact box stream, step
    lengths null and flagged ``belt-unknown`` alike (analyze left the flag out), one warning
    naming the file, exit 0 (before: both refused the recording, or analyze said nothing of
    a file cut inside its header)."""
    rec = tmp_path / "copy"
    shutil.copytree(treadmill_recording, rec)
    rx = rec / "streams" / "treadmill.rx.rec"
    data = rx.read_bytes()
    header = 12 + int.from_bytes(data[10:12], "little")  # magic, version, JSON length
    cut = {"header": data, "empty": b"", "cut-in-header": data[:20]}
    rx.write_bytes(b"X" * 12 + data[12:] if how == "header" else cut.get(how, data[:header]))
    if how == "missing":
        rx.unlink()
    run = _stride("analyze", str(rec), "--json")
    assert run.returncode == 0, run.stderr
    said = without_kernel_notice(run.stderr).strip().splitlines()
    assert len(said) == 1 and said[0].startswith("stride: warning: the treadmill stream")
    assert str(rx) in said[0] and "step lengths are not measured" in said[0]
    doc = json.loads(run.stdout)
    whole = json.loads(_stride("analyze", str(treadmill_recording), "--json").stdout)
    assert [s["ic_s"] for s in doc["steps"]] == [s["ic_s"] for s in whole["steps"]]
    assert doc["summary"]["cadence_spm"] == whole["summary"]["cadence_spm"]
    assert doc["summary"]["symmetry"]["step_time"] == whole["summary"]["symmetry"]["step_time"]
    assert all(s["step_length_m"] is None for s in doc["steps"])
    assert any(s["step_length_m"] is not None for s in whole["steps"])
    replayed = _stride("replay", str(rec), "--speed", "max", "--no-ui", "--json")
    assert replayed.returncode == 0, replayed.stderr
    assert said[0] in replayed.stderr  # the same words, both ways
    steps = json.loads(replayed.stdout.strip().splitlines()[-1])["steps"]
    assert len(steps) == len(doc["steps"]) and all(s["step_length_m"] is None for s in steps)
    # a treadmill was there and its speed is unknown: every step says so, both ways (as
    # when the stream's bytes are all damaged, or the treadmill never answered live)
    assert [s["flags"] for s in steps] == [s["flags"] for s in doc["steps"]]
    assert all("belt-unknown" in s["flags"] for s in doc["steps"])


def test_an_unreadable_box_stream_is_still_an_error(
    treadmill_recording: Path, tmp_path: Path
) -> None:
    """With the sensor box's stream header destroyed there are no steps to give: one line."""
    rec = tmp_path / "copy"
    shutil.copytree(treadmill_recording, rec)
    box = rec / "streams" / "box.rec"
    box.write_bytes(b"X" * 12 + box.read_bytes()[12:])
    _one_line_error(_stride("analyze", str(rec), "--json"), "box.rec", "not a stride stream")
    _one_line_error(_stride("replay", str(rec), "--speed", "max", "--no-ui"), "box.rec")
