"""Where the contact scan's CPU goes, instruction by instruction: ``perf record`` of one
foot's scan run in a loop, its samples mapped onto the scan's machine code.

Not a test. Run: ``python benchmarks/scan_perf.py [--profile healthy] [--sensors insole8]
[--dtype float32] [--seconds 5] [--top 25] [--dump FILE]``. The session is simulated as
``benchmarks/scan_compare.py`` simulates it (5 minutes, 1 kHz; float32 as a reader scales
the counts). numba's cached code has no symbols for ``perf``, so the scan's code is read
from this process's memory (the mapping that holds its entry point) and disassembled with
``objdump``; ``perf record -e cpu-clock`` (this virtual machine has no cycle counters)
samples the process while it scans the left foot again and again. Printed: the share of
samples in the scan's code, then each 512-byte stretch of it above 0.5 % and the
instructions with the most samples (a sample often lands on the instruction after a slow
one: a load that missed the cache, a store not forwarded). Needs ``perf`` and ``objdump``.

``--time N`` instead: the best CPU time of N scans of the left foot, no ``perf``
(``--cold``: 64 MB written before each scan, so its rows come from memory, as on a machine
whose other jobs took the shared cache); ``--tree DIR`` scans with another checkout's
``stride`` (its own numba cache: ``NUMBA_CACHE_DIR``), so two versions can be timed in
turns. ``--dump FILE`` writes the scan's machine code with each instruction's share of
the samples (the stretches' shares change little between profiles: the same code).
"""

from __future__ import annotations

import argparse
import collections
import ctypes
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def code_range(addr: int) -> tuple[int, int]:
    """The mapping of this process that holds ``addr``."""
    for line in Path("/proc/self/maps").read_text().splitlines():
        lo, hi = (int(v, 16) for v in line.split()[0].split("-"))
        if lo <= addr < hi:
            return lo, hi
    raise SystemExit("the scan's code is not mapped")


def _cpu(run: Any, *args: Any, cold: np.ndarray | None = None) -> float:
    if cold is not None:  # the caches filled with other data first (each scan's rows cold)
        cold += 1
    t0 = time.process_time()
    run(*args, "L")
    return time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="healthy")
    ap.add_argument("--sensors", default="insole8")
    ap.add_argument("--dtype", default="float32", choices=("float32", "int16"))
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--time", type=int, default=0, help="time this many scans instead")
    ap.add_argument("--tree", type=Path, help="another checkout's stride to scan with")
    ap.add_argument("--cold", action="store_true", help="with --time: 64 MB written before "
                    "each scan, so its rows come from memory, not from the caches")  # fmt: skip
    ap.add_argument("--dump", type=Path, help="also write the scan's code here, each "
                    "instruction with its share of the samples")  # fmt: skip
    a = ap.parse_args()
    if a.tree is not None:
        sys.path.insert(0, str(a.tree.resolve()))
    from benchmarks.realistic import simulated
    from benchmarks.scan_compare import run_scan
    from stride.core import _contact_scan as scan

    sig = simulated(a.profile, a.sensors, 5.0)
    x = np.asarray(sig.forces)
    if a.dtype == "float32":
        x = (x.astype(np.float64) * 0.0625 - 3.3).astype(np.float32)
    run_scan(scan, sig, x, "L")
    if a.time:
        cold = np.zeros(8 << 20) if a.cold else None
        best = min(_cpu(run_scan, scan, sig, x, cold=cold) for _ in range(a.time))
        print(f"{a.profile} {a.sensors} {a.dtype}{' cold' * a.cold}, {scan.__file__}: "
              f"best of {a.time} "
              f"{best * 1e3:.3f} ms of CPU a foot ({best * 1e9 / sig.n:.2f} ns a row); "
              f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
        return
    cres = next(iter(scan.scan.overloads.values()))
    entry = cres.library.get_pointer_to_function(cres.fndesc.llvm_func_name)
    lo, hi = code_range(entry)
    with tempfile.TemporaryDirectory() as tmp:
        code, data = Path(tmp, "code.bin"), Path(tmp, "perf.data")
        code.write_bytes(ctypes.string_at(lo, hi - lo))
        cmd = ["perf", "record", "-q", "-e", "cpu-clock", "-F", "20000", "-o", str(data),
               "-p", str(os.getpid()), "--", "sleep", str(a.seconds)]  # fmt: skip
        perf = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        end = time.monotonic() + a.seconds
        rounds = 0
        while time.monotonic() < end:
            run_scan(scan, sig, x, "L")
            rounds += 1
        perf.wait()
        ips = subprocess.run(["perf", "script", "-i", str(data), "-F", "ip"], check=True,
                             capture_output=True, text=True).stdout.split()  # fmt: skip
        asm = subprocess.run(["objdump", "-D", "-b", "binary", "-mi386:x86-64",
                              f"--adjust-vma={lo}", str(code)], check=True,
                             capture_output=True, text=True).stdout  # fmt: skip
    samples = collections.Counter(int(ip, 16) for ip in ips)
    ins = {}
    for line in asm.splitlines():
        head, _, rest = line.partition(":")
        parts = rest.split("\t")
        if len(parts) > 2 and head.strip():
            ins[int(head.strip(), 16)] = parts[-1].strip()
    inside = {ip: n for ip, n in samples.items() if lo <= ip < hi}
    total = sum(inside.values())
    print(f"{a.profile} {a.sensors} {a.dtype}: {rounds} scans of one foot; "
          f"{total} of {sum(samples.values())} samples in the scan's code "
          f"({hex(lo)}-{hex(hi)}); load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    stretch = collections.Counter({(ip - lo) // 512: 0 for ip in inside})
    for ip, n in inside.items():
        stretch[(ip - lo) // 512] += n
    for k in sorted(stretch):
        if stretch[k] > 0.005 * total:
            print(f"  +{k * 512:#07x}  {100 * stretch[k] / total:5.1f} %")
    for ip, n in sorted(inside.items(), key=lambda kv: -kv[1])[: a.top]:
        print(f"  +{ip - lo:#07x}  {100 * n / total:4.1f} %  {ins.get(ip, '?')}")
    if a.dump is not None:
        a.dump.write_text("".join(
            f"+{ip - lo:#07x} {100 * inside.get(ip, 0) / total:5.2f}  {ins[ip]}\n"
            for ip in sorted(ins) if lo <= ip < hi
        ))  # fmt: skip


if __name__ == "__main__":
    main()
