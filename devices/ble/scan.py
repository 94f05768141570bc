"""List the Bluetooth FTMS treadmills and RSC foot pods in range, with name, address and
signal strength: ``python -m devices.ble.scan [--seconds 5] [--adapter hci0] [--sim]``.

``--sim`` starts the simulated treadmill and foot pod and scans the virtual radio instead
(to see what the listing looks like without hardware). Errors are one line, exit 1.
"""

from __future__ import annotations

import argparse
import sys

from devices.ble import loop
from devices.ble.gatt import Advertisement, GattBackend, load_backend
from devices.ble.uuids import FTMS_SERVICE, RSC_SERVICE, full_uuid
from devices.errors import StrideError


def scan_fitness(backend: GattBackend, seconds: float) -> list[Advertisement]:
    """FTMS and RSC devices advertising within ``seconds``, strongest first."""
    services = [full_uuid(FTMS_SERVICE), full_uuid(RSC_SERVICE)]
    return loop.run(backend.scan(seconds, services), seconds + 20.0, "scanning")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m devices.ble.scan", description=__doc__)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--adapter", default=None, help="e.g. hci1 (Linux)")
    ap.add_argument("--sim", action="store_true", help="scan the simulated devices")
    a = ap.parse_args(argv)
    try:
        if a.sim:
            from sim.ble.serve import ensure_peripheral

            air = ensure_peripheral("ftms", "").air
            ensure_peripheral("rsc", "")
            backend = load_backend("bumble", air=air)
        else:
            backend = load_backend("bleak", **({"adapter": a.adapter} if a.adapter else {}))
        found = scan_fitness(backend, a.seconds)
    except StrideError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if not found:
        print("no FTMS treadmill or RSC foot pod in range (wake it: start the belt, take a step)")
    for adv in found:
        print(adv.describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())
