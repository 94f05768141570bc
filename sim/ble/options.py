"""Query options of ``ftms:sim?...`` and ``rsc:sim?...``.

World options are those of ``sim://`` URLs (``world``, ``profile``, ``seed``, ``speed``,
``speedup``, ...; see :mod:`sim.urlhandler.protocol_sim`): a Bluetooth device opened with
``world=w`` shares its walker and belt with ``sim://box?world=w``. Device options:

- ``name``: advertised name (default ``STRIDE SIM FTMS`` / ``STRIDE SIM POD``);
- ``notify_hz``: notifications per second (default 4; real treadmills send about 1);
- ``hr``: ``1`` (default) sends a heart rate in Treadmill Data, ``0`` does not;
- ``pod_counts``: ``steps`` (default) or ``strides``: what the pod's cadence counts;
- faults, in world seconds (comma-separated lists): ``disconnect_at`` with
  ``disconnect_s`` (the peripheral drops the link and stays away that long, default 2),
  ``silent_at`` with ``silent_s`` (notifications stop, link up, default 3), and
  ``control=refuse`` (every control request is answered "control not permitted").
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from devices.errors import InputError
from sim.urlhandler.protocol_sim import parse_sim_url
from sim.world import WorldOptions

DEVICE_KEYS = frozenset(
    {
        "name",
        "notify_hz",
        "hr",
        "pod_counts",
        "disconnect_at",
        "disconnect_s",
        "silent_at",
        "silent_s",
        "control",
    }
)
_PORT_ONLY = ("flip", "drop", "protocol")


@dataclass(frozen=True)
class BleSimOptions:
    """What a simulated Bluetooth device does, apart from the world it reads."""

    kind: str
    name: str
    notify_hz: float = 4.0
    heart_rate: bool = True
    pod_counts: str = "steps"
    disconnect_at_s: tuple[float, ...] = ()
    disconnect_s: float = 2.0
    silent_at_s: tuple[float, ...] = ()
    silent_s: float = 3.0
    refuse_control: bool = False


def parse_ble_sim(kind: str, query: str) -> tuple[BleSimOptions, str, WorldOptions, frozenset[str]]:
    """``query`` of ``ftms:sim?QUERY`` -> (device options, world key, world options, the
    world options given). :class:`InputError` names a bad option."""
    if kind not in ("ftms", "rsc"):
        raise InputError(f"no simulated Bluetooth {kind!r} device", fix="use ftms:sim or rsc:sim")
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    device = {k: v for k, v in pairs if k in DEVICE_KEYS}
    world = [(k, v) for k, v in pairs if k not in DEVICE_KEYS]
    for k, _ in world:
        if k in _PORT_ONLY:
            raise InputError(
                f"{k}= is a serial-port fault, not one of a Bluetooth device",
                fix="use disconnect_at=, silent_at= or control=refuse",
            )
    _, key, options, given, _ = parse_sim_url("sim://treadmill?" + urllib.parse.urlencode(world))
    default = "STRIDE SIM FTMS" if kind == "ftms" else "STRIDE SIM POD"
    try:
        opts = BleSimOptions(
            kind=kind,
            name=device.get("name") or default,
            notify_hz=_num(device, "notify_hz", 4.0, 0.5, 50.0),
            heart_rate=device.get("hr", "1") not in ("0", "no", "false"),
            pod_counts=_choice(device, "pod_counts", ("steps", "strides")),
            disconnect_at_s=_times(device.get("disconnect_at", "")),
            disconnect_s=_num(device, "disconnect_s", 2.0, 0.0, 600.0),
            silent_at_s=_times(device.get("silent_at", "")),
            silent_s=_num(device, "silent_s", 3.0, 0.0, 600.0),
            refuse_control=_choice(device, "control", ("grant", "refuse")) == "refuse",
        )
    except ValueError as err:
        raise InputError(
            f"bad option in {kind}:sim?{query}: {err}",
            fix="see the ftms:sim options in docs/simulation.md",
        ) from None
    return opts, key, options, given


def _num(d: dict[str, str], key: str, default: float, lo: float, hi: float) -> float:
    v = float(d[key]) if key in d else default
    if not lo <= v <= hi:
        raise ValueError(f"{key}={v:g} is outside {lo:g}..{hi:g}")
    return v


def _choice(d: dict[str, str], key: str, allowed: tuple[str, ...]) -> str:
    v = d.get(key, allowed[0])
    if v not in allowed:
        raise ValueError(f"{key} is one of {', '.join(allowed)}")
    return v


def _times(text: str) -> tuple[float, ...]:
    out = tuple(float(t) for t in text.split(",") if t.strip())
    if any(not t >= 0 for t in out):
        raise ValueError("fault times are world seconds >= 0")
    return out
