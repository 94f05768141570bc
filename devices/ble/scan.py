"""List the Bluetooth FTMS treadmills and RSC foot pods in range, with name, address and
signal strength: ``stride ports --ble [--seconds 5] [--adapter hci0] [--sim]`` (also
``python -m devices.ble.scan`` with the same options).

``--sim`` starts the simulated treadmill and foot pod and scans the virtual radio instead
(to see what the listing looks like without hardware). Errors are one line, exit 1: no
adapter or Bluetooth off (with the fix for this system), bleak not installed (the ``ble``
extra).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

from devices.ble import loop
from devices.ble.gatt import Advertisement, GattBackend, load_backend
from devices.ble.uuids import FTMS_SERVICE, RSC_SERVICE, full_uuid, short_uuid
from devices.errors import InputError, StrideError

#: What each service makes of a device, and the stride option that uses it.
_KINDS = {
    FTMS_SERVICE: ("FTMS treadmill", "--treadmill", "ftms"),
    RSC_SERVICE: ("RSC foot pod", "--speed-source", "rsc"),
}
NOTHING_FOUND = (
    "no FTMS treadmill or RSC foot pod in range "
    "(wake it: start the belt or take a step; close phone apps connected to it)"
)


@dataclass(frozen=True)
class FitnessDevice:
    """One FTMS treadmill or RSC foot pod seen: what it is and how to use it."""

    name: str | None
    address: str
    rssi_dbm: int | None
    kind: str  # "FTMS treadmill" or "RSC foot pod"
    option: str  # "--treadmill ftms:..." / "--speed-source rsc:..."

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "address": self.address,
            "rssi_dbm": self.rssi_dbm,
            "kind": self.kind,
            "option": self.option,
        }

    def describe(self) -> str:
        rssi = "?" if self.rssi_dbm is None else str(self.rssi_dbm)
        return f"{self.name or '(no name)'}  {self.address}  {rssi} dBm  {self.kind}  {self.option}"


def scan_fitness(backend: GattBackend, seconds: float) -> list[Advertisement]:
    """FTMS and RSC devices advertising within ``seconds``, strongest first."""
    if not 0 < seconds <= 60:
        raise InputError(f"scan time {seconds:g} s is not 0..60 s", fix="e.g. --seconds 5")
    services = [full_uuid(FTMS_SERVICE), full_uuid(RSC_SERVICE)]
    return loop.run(backend.scan(seconds, services), seconds + 20.0, "scanning")


def fitness_devices(found: list[Advertisement], *, sim: bool = False) -> list[FitnessDevice]:
    """The listing of :func:`scan_fitness`'s adverts (a device offering both: one line each),
    strongest first; the option names a device by name where it has one, else by address
    (the simulated ones: ``ftms:sim``, ``rsc:sim``)."""
    out: list[FitnessDevice] = []
    for adv in found:
        offered = {short_uuid(s) for s in adv.services}
        for service in sorted(k for k in _KINDS if k in offered):
            kind, option, driver = _KINDS[service]
            target = "sim" if sim else adv.name or adv.address
            quoted = f'"{driver}:{target}"' if " " in target else f"{driver}:{target}"
            out.append(FitnessDevice(adv.name, adv.address, adv.rssi, kind, f"{option} {quoted}"))
    return out


def scan_backend(sim: bool, adapter: str | None) -> GattBackend:
    """The backend to scan with: the simulated devices' virtual radio, or bleak."""
    if sim:
        from sim.ble.serve import ensure_peripheral

        air = ensure_peripheral("ftms", "").air
        ensure_peripheral("rsc", "")
        return load_backend("bumble", air=air)
    return load_backend("bleak", **({"adapter": adapter} if adapter else {}))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m devices.ble.scan", description=__doc__)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--adapter", default=None, help="e.g. hci1 (Linux)")
    ap.add_argument("--sim", action="store_true", help="scan the simulated devices")
    a = ap.parse_args(argv)
    try:
        adverts = scan_fitness(scan_backend(a.sim, a.adapter), a.seconds)
        found = fitness_devices(adverts, sim=a.sim)
    except StrideError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if not found:
        print(NOTHING_FOUND)
    for dev in found:
        print(dev.describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())
