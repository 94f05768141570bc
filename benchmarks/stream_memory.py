"""Memory of reading a recording's stream file, independent of the file's size.

Not a test. Run: ``python benchmarks/stream_memory.py [--gb 2] [--dir /tmp]``.
Each figure is the peak resident memory (``ru_maxrss``) of a fresh process, measured side by
side in this run against the same process reading a small recording (the baseline: Python,
numpy and the numba kernels), so the difference is what the stream file costs:

1. ``zeros``: a valid stream header followed by ``--gb`` GB of zeros (a sparse file), read
   with ``SessionReader.read_stream`` and reported as damaged (not empty);
2. ``chunks``: a valid stream of ``--gb`` GB of real sensor-box chunks (a simulated
   session's chunks repeated), iterated with ``SessionReader.chunks``;
3. ``analyze``: ``stride analyze`` of the zeros recording, end to end through the CLI.

Goal: at most 100 MB above the baseline for any file size.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_CHILD = """
import json, resource, sys, time
from devices.recording import SessionReader
from devices.errors import InputError
mode, rec = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
reader = SessionReader(rec)
n = size = 0
said = ""
if mode == "chunks":
    for _, data in reader.chunks("box"):
        n += 1
        size += len(data)
else:
    try:
        size = len(reader.require_data("box", "sensor-box stream").data)
    except InputError as err:
        said = str(err)
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rss_mb": rss_mb, "chunks": n, "bytes": size, "said": said,
                  "s": time.perf_counter() - t0}))
"""


def child(mode: str, rec: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, str(rec)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def cli_rss(rec: Path) -> tuple[float, str]:
    """Peak memory of ``stride analyze REC`` (GNU time's maximum resident set), its stderr."""
    t = subprocess.run(
        ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "stride.cli.app", "analyze", str(rec)],
        capture_output=True,
        text=True,
    )
    lines = t.stderr.strip().splitlines()
    return int(lines[-1]) / 1024, (lines[0] if len(lines) > 1 else "")


def make_recordings(root: Path, gb: float) -> tuple[Path, Path, Path]:
    """A small recording, the same with zeros after its header, one with ``gb`` GB of chunks."""

    from devices.recording import SessionReader, SessionWriter
    from devices.recording.layout import FILE_HEAD
    from sim.params import GaitParams
    from sim.session import SessionSpec, simulate_session

    small = root / "small"
    simulate_session(small, SessionSpec(minutes=1.0, params=GaitParams()))
    sd = SessionReader(small).read_stream("box")
    zeros = root / "zeros"
    simulate_session(zeros, SessionSpec(minutes=1.0, params=GaitParams()))
    box = zeros / "streams" / "box.rec"
    raw = box.read_bytes()
    _, _, jlen = FILE_HEAD.unpack_from(raw)
    with box.open("wb") as fh:
        fh.write(raw[: FILE_HEAD.size + jlen])
        fh.truncate(FILE_HEAD.size + jlen + int(gb * (1 << 30)))
    big = root / "chunks"
    with SessionWriter(big) as w:
        rec = w.add_stream("box", "sensorbox-v1")
        written = 0
        t = 0.0
        while written < gb * (1 << 30):
            rec.append_many(sd.data, sd.offsets, sd.host_t + t)
            written += len(sd.data)
            t += float(sd.host_t[-1]) + 0.01
    return small, zeros, big


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gb", type=float, default=2.0, help="size of the large stream files")
    ap.add_argument("--dir", type=Path, default=None, help="where to write them (temp dir)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        t0 = time.perf_counter()
        small, zeros, big = make_recordings(Path(tmp), args.gb)
        print(f"made the recordings in {time.perf_counter() - t0:.0f} s")
        base = child("read", small)
        base_chunks = child("chunks", small)
        z = child("read", zeros)
        c = child("chunks", big)
        cli_base, _ = cli_rss(small)
        cli_zeros, said = cli_rss(zeros)
    size = f"{args.gb:g} GB"
    print(
        f"baseline (1-minute recording): read_stream {base['rss_mb']:.0f} MB, "
        f"chunks {base_chunks['rss_mb']:.0f} MB, stride analyze {cli_base:.0f} MB"
    )
    print(
        f"zeros   ({size} after a valid header): {z['rss_mb']:.0f} MB, "
        f"+{z['rss_mb'] - base['rss_mb']:.0f} MB over the baseline, {z['s']:.1f} s: {z['said']}"
    )
    print(
        f"chunks  ({size} of intact chunks, {c['chunks']} chunks, {c['bytes']} bytes): "
        f"{c['rss_mb']:.0f} MB, +{c['rss_mb'] - base_chunks['rss_mb']:.0f} MB, {c['s']:.1f} s"
    )
    print(
        f"stride analyze of the zeros recording: {cli_zeros:.0f} MB, "
        f"+{cli_zeros - cli_base:.0f} MB: {said}"
    )


if __name__ == "__main__":
    main()
