"""``stride analyze``: the JSON contract, the CSV and plot outputs, and bad input as one
line with exit 1 (never a traceback)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import without_kernel_notice

from stride.cli import app as cli_app
from stride.core.signals import Channel, GaitSignals

Walk = Callable[..., tuple[GaitSignals, dict[str, np.ndarray]]]

STEP_KEYS = {
    "side",
    "ic_s",
    "fc_s",
    "step_time_s",
    "stride_time_s",
    "stance_s",
    "swing_s",
    "step_length_m",
    "stride_length_m",
    "flags",
}


def _run(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["stride", *args])
    code = 0
    try:
        cli_app.main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def session(tmp_path: Path, synth_walk: Walk) -> Path:
    from stride_testkit import box_wire, write_box_session  # type: ignore[import-not-found]

    sig, _ = synth_walk(seconds=40.0, fs=200.0, heel_toe=True, seed=21)
    path = tmp_path / "session"
    write_box_session(path, box_wire(sig, drop=frozenset({200})))
    return path


def test_json_document(
    session: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(
        ["analyze", str(session), "--json", "--spacing", "0.3", "--lines-per-step", "2"],
        monkeypatch,
        capsys,
    )
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == {"summary", "steps", "timing", "recording"}  # a session: what was read
    assert doc["recording"]["skipped_chunks"] == 0 and doc["recording"]["torn_tail"] is False
    assert set(doc["timing"]) == {"read_s", "analysis_s", "samples", "prepare_s", "output_s"}
    assert doc["timing"]["samples"] == 8000 - 10
    s = doc["summary"]
    for key in ("steps", "cadence_spm", "L", "R", "symmetry", "variability", "belt_speed_mps"):
        assert key in s
    for side in ("L", "R"):
        for q in ("step_length_m", "step_time_s", "stride_time_s", "stance_s", "swing_s"):
            assert set(s[side][q]) == {"mean", "sd", "n"}
        assert "heel_first_share" in s[side] and "impulse" in s[side]
    for q in ("step_length", "step_time", "stance", "swing", "loading"):
        assert set(s["symmetry"][q]) == {"si", "ga", "sa", "ratio"}
    assert "pci" in s["symmetry"]
    assert set(s["variability"]["stride_time_cv"]) == {"L", "R"}
    dfa = s["variability"]["dfa_alpha"]
    assert set(dfa) >= {"L", "R", "n"}
    # a DFA alpha carries what it needs to be read: its strides, the minimum, the verdict
    assert dfa["min_strides"] == 600
    assert dfa["reliable"] == {k: dfa["n"][k] >= 600 for k in "LR"}
    assert s["variability"]["reference"]["stride_time_cv_pct"] == [2.0, 4.0]
    assert set(s["target"]) >= {"step_length_m", "tolerance_m", "within"}
    assert s["target"]["step_length_m"] == pytest.approx(0.6)
    assert s["steps"] == len(doc["steps"])
    for row in doc["steps"]:
        assert set(row) >= STEP_KEYS | {"target_error_m"}
        assert row["side"] in ("L", "R")
    assert any("gap" in r["flags"] for r in doc["steps"])


def test_table_csv_plot_and_no_overwrite(
    session: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    csv_path, png = tmp_path / "steps.csv", tmp_path / "plot.png"
    args = ["analyze", str(session), "--steps-csv", str(csv_path), "--plot", str(png)]
    code, out, err = _run(args, monkeypatch, capsys)
    assert code == 0, err
    assert "Symmetry" in out and "stride time" in out and "assumed zero" in out
    # under the symmetry table, the range its indices are read against, with its source
    said = " ".join(out.split())
    assert "normal symmetry: ratio L/R 0.9-1.1, |SI| ≤ 9.5 % (Patterson et al. 2008)" in said
    rows = list(csv.reader(csv_path.open()))
    assert rows[0][:9] == [
        "side",
        "ic_s",
        "fc_s",
        "step_time_s",
        "stride_time_s",
        "stance_s",
        "swing_s",
        "step_length_m",
        "stride_length_m",
    ]
    assert rows[1][0] in ("L", "R") and "" in rows[1]  # the first step has empty cells
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    before = csv_path.read_bytes()
    code, out, err = _run(args, monkeypatch, capsys)
    assert code == 1 and "already exists" in err and "--force" in err
    err = without_kernel_notice(err)
    assert err.count("\n") == 1 and "Traceback" not in err
    assert csv_path.read_bytes() == before
    code, _, err = _run([*args, "--force"], monkeypatch, capsys)
    assert code == 0, err


def test_bad_input_is_one_line_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from stride_testkit import box_wire, write_box_session  # type: ignore[import-not-found]

    cases: list[tuple[Path, str]] = [(tmp_path / "missing", "no such file")]
    # a session whose box stream holds no walking (both feet still)
    n = 3000
    t = np.arange(n) / 200.0
    still = GaitSignals(
        t,
        np.full((n, 2), 400.0) + np.random.default_rng(1).normal(0, 2, (n, 2)),
        (Channel("L"), Channel("R")),
        200.0,
    )
    write_box_session(tmp_path / "still", box_wire(still))
    cases.append((tmp_path / "still", "no usable strides"))
    # a corrupt session.json
    bad = tmp_path / "corrupt"
    bad.mkdir()
    (bad / "session.json").write_text("{not json")
    cases.append((bad, "corrupt"))
    # an empty box stream
    write_box_session(tmp_path / "empty", [])
    cases.append((tmp_path / "empty", "empty"))
    # a file of unknown format, and an empty file
    (tmp_path / "notes.txt").write_text("hello\nworld\n")
    cases.append((tmp_path / "notes.txt", "unknown format"))
    (tmp_path / "nothing.txt").write_bytes(b"")
    cases.append((tmp_path / "nothing.txt", "empty"))
    # a WFDB record whose signal file was cut short
    src = Path(__file__).resolve().parents[3] / "data" / "physionet" / "gaitndd"
    for ext in (".hea", ".let", ".rit"):
        data = (src / f"control1{ext}").read_bytes()
        (tmp_path / f"cut{ext}").write_bytes(data if ext == ".hea" else data[: len(data) // 3])
    hea = (tmp_path / "cut.hea").read_text().replace("control1", "cut")
    (tmp_path / "cut.hea").write_text(hea)
    cases.append((tmp_path / "cut.hea", "cut"))
    for path, words in cases:
        code, _out, err = _run(["analyze", str(path)], monkeypatch, capsys)
        # a cold cache's status line (stride.cli.kernel_notice) is not an error line
        err = without_kernel_notice(err)
        assert code == 1, (path, err)
        assert err.startswith("stride: error: ") and words in err, err
        assert str(path.parent / path.stem) in err  # names the file (or its signal file)
        assert err.count("\n") == 1 and "Traceback" not in err


def test_option_mix_is_a_usage_error(
    session: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for extra in (
        ["--lines-per-step", "2"],
        ["--spacing", "0.3", "--lines-per-step", "2", "--step-length", "0.6"],
        ["--tolerance", "0.1"],
    ):
        code, _, err = _run(["analyze", str(session), *extra], monkeypatch, capsys)
        assert code == 2, err


def test_spacing_alone_means_two_lines_per_step_as_live(
    session: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(
        ["analyze", str(session), "--json", "--spacing", "0.3"], monkeypatch, capsys
    )
    assert code == 0, err
    target = json.loads(out)["summary"]["target"]
    assert target["step_length_m"] == 0.6 and target["lines_per_step"] == 2
    assert target["spacing_m"] == 0.3


def test_subprocess_has_no_traceback(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "stride.cli.app", "analyze", str(tmp_path / "none.hea")],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1
    assert out.stderr.startswith("stride: error:") and "none.hea" in out.stderr
    assert "Traceback" not in out.stderr


def test_session_target_is_used_unless_options_give_one(
    tmp_path: Path,
    synth_walk: Walk,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from stride_testkit import box_wire, write_box_session  # type: ignore[import-not-found]

    sig, _ = synth_walk(seconds=20.0, fs=200.0, seed=22)
    path = tmp_path / "with_target"
    meta = {"target": {"step_length_m": 0.55, "tolerance_m": 0.02, "cadence_spm": None}}
    write_box_session(path, box_wire(sig), meta=meta)
    code, out, err = _run(["analyze", str(path), "--json"], monkeypatch, capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["summary"]["target"]["step_length_m"] == 0.55
    assert doc["summary"]["target"]["tolerance_m"] == 0.02
    assert "target_error_m" in doc["steps"][0]
    code, out, err = _run(
        ["analyze", str(path), "--json", "--step-length", "0.7"], monkeypatch, capsys
    )
    assert code == 0, err
    assert json.loads(out)["summary"]["target"]["step_length_m"] == 0.7


def test_the_plot_draws_each_side_as_the_reports_do(
    session: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`stride analyze --plot`: left blue circles, right orange squares, named in words, the
    legends beside the axes (docs/report.md says so of stride's every plot). Its step plot
    drew both feet as circles labelled "L" and "R", its legends inside over the lines."""
    import matplotlib.pyplot as plt

    from stride.report.plots import SIDE_COLOURS

    figures: list[object] = []
    close = plt.close
    monkeypatch.setattr(plt, "close", lambda fig=None: figures.append(fig) or close(fig))
    png = tmp_path / "plot.png"
    code, _, err = _run(["analyze", str(session), "--plot", str(png)], monkeypatch, capsys)
    assert code == 0, err
    (fig,) = figures
    ax_sig, ax_len = fig.axes  # type: ignore[attr-defined]
    steps = {ln.get_label(): ln for ln in ax_len.get_lines()}
    assert {k: (ln.get_marker(), ln.get_color()) for k, ln in steps.items()} == {
        "left": ("o", SIDE_COLOURS["L"]),
        "right": ("s", SIDE_COLOURS["R"]),
    }
    assert {ln.get_label() for ln in ax_sig.get_lines()} >= {"left force", "right force"}
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)  # type: ignore[arg-type]
    canvas.draw()  # laid out as saved
    renderer = canvas.get_renderer()
    for ax in (ax_sig, ax_len):
        legend = ax.get_legend().get_window_extent(renderer)
        assert legend.x0 >= ax.get_window_extent(renderer).x1  # beside, over no line


def test_symmetry_table_says_each_columns_sign() -> None:
    """SI is positive when the left side is larger, GA never negative, and SA as published
    negative then (docs/metrics.md): the table's heading must not say "positive = left
    larger" of all of them."""
    from rich.console import Console

    from stride.cli.analyze_tables import _symmetry_table
    from stride.core.symmetry import symmetry

    left_longer = {"step_length": symmetry(0.65, 0.55).as_dict()}
    console = Console(width=100, record=True, color_system=None)
    console.print(_symmetry_table({"symmetry": left_longer}))
    text = " ".join(console.export_text().split())
    assert "16.7" in text and "-5.3" in text  # SI +16.7 %, SA -5.3 % for the longer left step
    assert "positive = left larger)" not in text
    assert "SI > 0: left larger" in text and "SA as published: < 0" in text


@pytest.mark.parametrize(
    ("option", "value", "example"),
    [("--step-length", "5", "--step-length 0.60"), ("--spacing", "-0.3", "--spacing 0.30")],
)
def test_an_implausible_target_is_refused_with_an_example_of_its_own(
    session: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    option: str,
    value: str,
    example: str,
) -> None:
    """--step-length 5 (metres) was answered "give metres, e.g. 0.30": a spacing, half a
    step. Each option's own example and the plausible range are named."""
    code, _out, err = _run(["analyze", str(session), option, value], monkeypatch, capsys)
    err = without_kernel_notice(err)
    assert code == 1 and err.count("\n") == 1, err
    assert f"{option} {float(value)} m is implausible (0.05-3 m)" in err and example in err, err
