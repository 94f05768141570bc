"""Bluetooth FTMS: notification-to-belt-reading latency and reconnect time, on the
simulated treadmill over Bumble's virtual radio (no adapter: a best case for the radio,
which adds its connection interval, 7.5-50 ms, on real hardware).

Not a test. Run: ``python benchmarks/ble_latency.py [--seconds S] [--hz N] [--drops K]``.
Measured side by side in this run, each against the time the simulated peripheral handed
the notification to its GATT server (``time.perf_counter``, one process):

1. baseline: a bare GATT subscription (the Bumble client's callback), no driver;
2. the driver: ``ftms:sim`` opened through ``devices.registry`` like ``stride live``
   does, the driver's ``on_reading`` callback (record, parse, reading, poller);
3. the user's path: a whole ``stride live`` session, ``--treadmill ftms:sim`` with the box
   (1 kHz x 4 channels) on a ``stride sim serve`` pseudo-terminal, as with hardware (the
   simulated peripheral and its Bluetooth stack stay in this process: they share its
   interpreter lock, which a real treadmill does not), to the moment the notification's
   belt sample is fed to the step analysis (recorded, queued behind the box's chunks,
   parsed from the recorded bytes, placed on the box's clock);

reporting p50/p99/max of each, the differences to the bare subscription, the session's
own share per notification (from the GATT callback to the belt sample), and the CPU time
of that work when the session's recording is fed to the pipeline again (the work itself,
without the waits for a processor that a loaded machine adds to every p99 above).

Then ``--drops`` times: the peripheral drops the link and
stays away 0.5 s; the time until the driver has reconnected (``reconnects`` counted) and
data flows again, from the drop and from the peripheral's return.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def match(sent: list[tuple[float, bytes]], got: list[tuple[float, bytes]]) -> list[float]:
    """Latencies (ms) of received values, matched in order to what was sent: the one
    alignment at which every received value equals the sent one (values repeat, so the
    whole sequence is compared)."""
    values = [v for _, v in sent]
    want = [v for _, v in got]
    for start in range(len(values) - len(want) + 1):
        if values[start : start + len(want)] == want:
            return [(t_rx - sent[start + k][0]) * 1e3 for k, (t_rx, _) in enumerate(got)]
    raise SystemExit("received notifications do not match what was sent, in order")


def baseline(world: str, seconds: float, hz: float) -> list[float]:
    from devices.ble import loop
    from devices.ble.bumble_backend import BumbleBackend
    from sim.ble.serve import ensure_peripheral

    dev = ensure_peripheral("ftms", f"world={world}&speed=3.6kmh&notify_hz={hz:g}")
    client = BumbleBackend(air=dev.air).client(dev.address)
    got: list[tuple[float, bytes]] = []

    async def run() -> None:
        await client.connect(5.0)
        await client.discover("1826")
        await client.subscribe("2acd", lambda v, t: got.append((time.perf_counter(), v)))
        await asyncio.sleep(seconds)
        await client.disconnect()

    loop.run(run(), seconds + 30, "baseline")
    return match(list(dev.peripheral.sent), got)


def driver_path(
    world: str, seconds: float, hz: float, drops: int
) -> tuple[list[float], list[tuple[float, float, float]]]:
    from devices.ble import loop
    from devices.ble.record import iter_records
    from devices.registry import parse_treadmill_spec
    from sim.ble.serve import ensure_peripheral

    spec = f"world={world}&speed=3.6kmh&notify_hz={hz:g}"
    tm = parse_treadmill_spec(f"ftms:sim?{spec}")
    dev = ensure_peripheral("ftms", spec).peripheral
    values: list[bytes] = []
    got: list[tuple[float, bytes]] = []
    inside: list[float] = []  # ms from the GATT callback's arrival stamp to on_reading

    def on_bytes(wb: object) -> None:
        for uuid16, value in iter_records(wb.data):  # type: ignore[attr-defined]
            if wb.direction == "rx" and uuid16 == 0x2ACD:  # type: ignore[attr-defined]
                values.append(value)

    def on_reading(r: object) -> None:
        inside.append((time.time() - r.host_t) * 1e3)  # type: ignore[attr-defined]
        if values:  # readings before the recorder was attached have no value here
            got.append((time.perf_counter(), values[-1]))

    tm.start_polling(10, on_reading=on_reading, on_bytes=on_bytes)
    time.sleep(seconds)
    lat = match(list(dev.sent), list(got)[10:])  # past the subscription's first moments
    reconnects = []
    for k in range(drops):
        t0 = time.perf_counter()
        loop.run(dev.drop(0.5), 5, "drop")
        t_back = t0 + 0.5 / dev.world.options.speedup
        while tm.reconnects <= k:
            time.sleep(0.001)
        n = len(got)
        while len(got) <= n:
            time.sleep(0.001)
        t1 = time.perf_counter()
        reconnects.append((t1 - t0, t1 - t_back, tm.last_outage_s or float("nan")))
        time.sleep(0.3)
    tm.close()
    return lat, inside[10 : 10 + len(lat)], reconnects


class BeltTimes:
    """Per treadmill notification: when the session got it and when its belt sample was
    fed to the analysis (``time.perf_counter``), with the notification's value."""

    def __init__(self) -> None:
        self.arrivals: dict[int, tuple[float, bytes]] = {}
        self.inside_ms: list[float] = []
        self.fed: list[tuple[float, bytes]] = []


def timed_session_class(times: BeltTimes) -> type:
    """The live session, timing each treadmill chunk from its arrival (the GATT callback
    hands it to the session's sink) to its belt sample reaching the analysis."""
    from stride.session.live import Session

    class TimedSession(Session):
        def __init__(self, pipeline: Any, *args: Any, **kwargs: Any) -> None:
            super().__init__(pipeline, *args, **kwargs)
            fed: list[float] = []
            publish = self.publisher.belt
            feed = pipeline.feed

            def on_belt(t: Any, v: Any, d: Any) -> None:
                fed.append(time.perf_counter())
                publish(t, v, d)

            def timed_feed(stream: str, data: bytes, host_t: float) -> Any:
                fed.clear()
                rows = feed(stream, data, host_t)
                got = times.arrivals.pop(id(data), None) if stream == "treadmill.rx" else None
                if got is not None and fed:
                    times.inside_ms.append((fed[0] - got[0]) * 1e3)
                    times.fed.append((fed[0], got[1][4:]))  # the value, past its record header
                return rows

            self.publisher.belt = on_belt  # type: ignore[method-assign]
            pipeline.feed = timed_feed

        def _sink(self, stream: str, data: bytes, host_t: float, arrival: float) -> None:
            if stream == "treadmill.rx":
                times.arrivals[id(data)] = (arrival, data)
            super()._sink(stream, data, host_t, arrival)

    return TimedSession


def serve_box(d: Path) -> subprocess.Popen[bytes]:
    """``stride sim serve --dir d``: the simulated box on a pseudo-terminal of its own."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "stride.cli.app", "sim", "serve", "--dir", str(d), "--seed", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(600):
        if (d / "box").exists():
            return proc
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("stride sim serve did not start")


def session_path(
    world: str, seconds: float, hz: float
) -> tuple[list[float], list[float], list[float]]:
    """(send -> belt sample, arrival -> belt sample, the CPU time of feeding each recorded
    notification to the pipeline again) in ms, over a live session."""
    import contextlib
    import io
    import tempfile

    from sim.ble.serve import ensure_peripheral, stop_all
    from stride.session import run as run_module
    from stride.session.run import LiveArgs, run_live

    times = BeltTimes()
    spec = f"world={world}&speed=3.6kmh&notify_hz={hz:g}"
    box_dir = Path(tempfile.mkdtemp())
    box = serve_box(box_dir)
    args = LiveArgs(
        port=str(box_dir / "box"),
        treadmill=f"ftms:sim?{spec}",
        duration_s=seconds,
        no_ui=True,
        record=box_dir / "rec",
        history=False,
    )
    saved = run_module.Session
    run_module.Session = timed_session_class(times)  # type: ignore[misc]
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            run_live(args)
    finally:
        run_module.Session = saved  # type: ignore[misc]
        box.terminate()
        box.wait(10)
    sent = list(ensure_peripheral("ftms", spec).peripheral.sent)
    stop_all()
    return match(sent, times.fed[5:]), times.inside_ms[5:], cpu_per_notification(box_dir / "rec")


def cpu_per_notification(rec: Path) -> list[float]:
    """The session's own work per notification, without waiting for the processor: the
    recording fed to the pipeline again in order, the thread's CPU time (ms) of each
    treadmill chunk (record parse, belt clock, belt sample into the analysis)."""
    from devices.recording import SessionReader
    from stride.ingest.recording import pipeline_for, recorded_chunks

    reader = SessionReader(rec)
    pipeline, streams, _ = pipeline_for(reader)
    pipeline.warm()
    out = []
    for stream, data, host_t in recorded_chunks(reader, streams):
        t0 = time.thread_time()
        pipeline.feed(stream, data, host_t)
        if stream == "treadmill.rx":
            out.append((time.thread_time() - t0) * 1e3)
    return out[5:]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--hz", type=float, default=50.0)
    ap.add_argument("--drops", type=int, default=5)
    a = ap.parse_args()
    base = baseline("bench-base", a.seconds, a.hz)
    drv, inside, rec = driver_path("bench-driver", a.seconds, a.hz, a.drops)
    sess, sess_inside, sess_cpu = session_path("bench-session", a.seconds, a.hz)
    print(
        f"notifications at {a.hz:g} Hz for {a.seconds:g} s; latency from the peripheral's send (ms)"
    )
    rows = (
        ("bare GATT subscription", base),
        ("ftms driver on_reading", drv),
        ("  of which inside driver", inside),
        ("session belt sample", sess),
        ("  of which inside session", sess_inside),
        ("  its CPU time, replayed", sess_cpu),
    )
    print(f"{'path':<28}{'n':>6}{'p50':>9}{'p99':>9}{'max':>9}")
    for name, xs in rows:
        print(f"{name:<28}{len(xs):>6}{pct(xs, 50):>9.3f}{pct(xs, 99):>9.3f}{max(xs):>9.3f}")
    for name, xs in (("driver", drv), ("session belt sample", sess)):
        added50, added99 = pct(xs, 50) - pct(base, 50), pct(xs, 99) - pct(base, 99)
        print(
            f"{name} minus bare: p50 {added50:.3f} ms, p99 {added99:.3f} ms (ratio at p99 "
            f"{pct(xs, 99) / pct(base, 99):.2f}; separate runs, so load moves it)"
        )
    print(
        f"added per notification, from the GATT callback: driver p99 {pct(inside, 99):.3f} ms, "
        f"to the session's belt sample p99 {pct(sess_inside, 99):.3f} ms (target: p99 <= 5 ms)"
    )
    if rec:
        print("reconnect after a drop (peripheral away 0.5 s), seconds:")
        print(
            f"  from the drop to data again: mean {statistics.mean(r[0] for r in rec):.3f}, "
            f"max {max(r[0] for r in rec):.3f}"
        )
        print(
            f"  from the peripheral's return: mean {statistics.mean(r[1] for r in rec):.3f}, "
            f"max {max(r[1] for r in rec):.3f}   (target: reconnect within 5 s)"
        )
        print(f"  driver's last_outage_s: {', '.join(f'{r[2]:.3f}' for r in rec)}")


if __name__ == "__main__":
    main()
