"""Where the contact scan's own cold compile goes: numba's compile passes, one by one.

Not a test. Run: ``python benchmarks/scan_compile_passes.py [--dtype float32] [--top 8]``.
In a fresh process on an empty ``NUMBA_CACHE_DIR``, the contact scan
(:func:`stride.core.kernels.compile_scan`) is compiled alone, as a first run's helper
compiles it. Printed: the process's CPU seconds for the compile, numba's own timing of each
pass of the scan's pipeline (wall seconds, so on a busy machine read their shares, not
their sizes; type inference includes the compiles of the kernels the scan calls), and the
size of what was compiled (IR blocks and statements, typed variables), which is what these
costs grow with. docs/performance.md quotes it ("Where the contact scan's own compile goes").
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_CHILD = """
import json, sys, time
from stride.core import _contact_scan
from stride.core.kernels import compile_scan
c0 = time.process_time()
compile_scan(sys.argv[1])
cpu = time.process_time() - c0
(cres,) = _contact_scan.scan.overloads.values()
passes = {}
for pipeline in cres.metadata["pipeline_times"].values():
    for name, t in pipeline.items():
        key = name.split("_", 1)[1]
        passes[key] = passes.get(key, 0.0) + t.init + t.run + t.finalize
blocks = cres.type_annotation.blocks
print(json.dumps({
    "cpu_s": cpu,
    "passes_s": passes,
    "blocks": len(blocks),
    "statements": sum(len(b.body) for b in blocks.values()),
    "typed_variables": len(cres.type_annotation.typemap),
}))
"""


def measure(dtype: str) -> dict[str, object]:
    """The scan's compile on an empty cache, in a fresh process."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, dtype],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
        )
    if done.returncode:
        sys.exit(f"the compile failed: {done.stderr.strip().splitlines()[-1]}")
    out = done.stdout
    result: dict[str, object] = json.loads(out.splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", default="float32", help="forces' dtype (float32, int16)")
    parser.add_argument("--top", type=int, default=8, help="passes to list, the longest first")
    parser.add_argument("--json", action="store_true", help="print the whole result as JSON")
    args = parser.parse_args()
    r = measure(args.dtype)
    if args.json:
        print(json.dumps(r, indent=1))
        return
    passes = r["passes_s"]
    assert isinstance(passes, dict)
    total = sum(passes.values())
    print(
        f"contact scan, {args.dtype} forces, empty cache: {r['cpu_s']:.2f} s of CPU; "
        f"{r['blocks']} blocks, {r['statements']} IR statements, "
        f"{r['typed_variables']} typed variables"
    )
    print(f"numba's passes (wall, {total:.2f} s in all):")
    for name, secs in sorted(passes.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"  {name:<28} {secs:6.2f} s  {100 * secs / total:4.1f} %")


if __name__ == "__main__":
    main()
