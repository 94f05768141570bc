"""Treadmill drivers found by name (python-can style), opened from ``DRIVER:TARGET`` specs.

Each driver is a dotted path imported only when used, so a missing optional library is a
clear "backend unavailable" line, never an ImportError at start-up. Other packages add
drivers through the ``stride.treadmills`` entry-point group (``name = "module:Class"``),
or at run time with :func:`register_driver`. A driver may use any transport (serial, TCP,
Bluetooth): the registry only calls its ``open(target, **options)``. Its
``parse_recording`` reads back the bytes a session recorded from it
(:func:`reading_parser`), so ``stride analyze`` and ``stride replay`` handle plugin
drivers' sessions too. Specs::

    trackmaster:/dev/ttyUSB0          trackmaster:COM3?start=a1
    csafe:COM3                        csafe:/dev/ttyUSB1?setspeed=off   (sets speed unless off)
    bertec:tcp://10.0.0.5:4000        fixed:3.5kmh        box
    ftms:"KICKR RUN" ftms:AA:BB:CC:DD:EE:FF ftms:sim?seed=1   rsc:Stryd   rsc:sim
    ftms:NAME?pace=uint8              (one-byte pace fields: the ftms-pace8 driver, VARIANTS)
    trackmaster:sim://treadmill?seed=3   (options the driver knows are taken out of the
                                          query; the rest stay in the URL for its handler)
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

from devices.errors import DeviceError, InputError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from devices.treadmill.base import BeltReading, Treadmill, WireBytes

    #: Recorded chunks ``(host_t, direction, data)`` -> belt readings.
    ReadingParser = Callable[[Iterable[WireBytes | tuple[float, str, bytes]]], list[BeltReading]]

#: name -> "module:Class". Add a driver with :func:`register_driver`.
DRIVERS: dict[str, str] = {
    "trackmaster": "devices.treadmill.trackmaster:TrackmasterTreadmill",
    "csafe": "devices.treadmill.csafe:CsafeTreadmill",
    "bertec": "devices.treadmill.bertec:BertecTreadmill",
    "fixed": "devices.treadmill.fixed:FixedTreadmill",
    "box": "devices.treadmill.box:BoxBelt",
    "ftms": "devices.treadmill.ftms:FtmsTreadmill",
    "ftms-pace8": "devices.treadmill.ftms:FtmsPace8Treadmill",
    "rsc": "devices.treadmill.rsc:RscFootPod",
}

#: Options each driver accepts in the spec's query (beyond these, a query belongs to the URL).
OPTIONS: dict[str, frozenset[str]] = {
    "trackmaster": frozenset({"start", "timeout"}),
    "csafe": frozenset({"setspeed", "setspeed_unit", "timeout", "toggle"}),
    "bertec": frozenset({"accel", "timeout"}),
    "fixed": frozenset(),
    "box": frozenset({"stale_after"}),
    "ftms": frozenset({"timeout", "backend", "adapter", "scan_s", "pace"}),
    "ftms-pace8": frozenset({"timeout", "backend", "adapter", "scan_s"}),
    "rsc": frozenset({"timeout", "backend", "adapter", "scan_s"}),
}

#: Drivers whose ``sim`` target takes the simulator's query options.
SIM_QUERY_DRIVERS = frozenset({"ftms", "ftms-pace8", "rsc"})

#: (driver, option) -> {value: the driver that reads that layout}: an option that changes how
#: the recorded bytes are read picks a driver of its own, whose name is the recorded stream's
#: protocol (so `stride analyze` and `stride replay` read it the same way).
VARIANTS: dict[tuple[str, str], dict[str, str]] = {
    ("ftms", "pace"): {"uint16": "ftms", "uint8": "ftms-pace8"},
}

#: Which pip package provides a module a driver may need (for the install hint).
_PIP_NAMES = {
    "serial": "pyserial",
    "bleak": '".[ble]" (the ble extra, from the stride checkout)',
    "bumble": '".[ble]" (the ble extra, from the stride checkout)',
}

_FLOAT_OPTIONS = {"timeout", "stale_after", "scan_s"}


@dataclass(frozen=True)
class TreadmillSpec:
    """A parsed ``DRIVER:TARGET?options`` spec."""

    driver: str
    target: str
    options: dict[str, str | float] = field(default_factory=dict)


def register_driver(name: str, dotted: str, options: frozenset[str] = frozenset()) -> None:
    """Add (or replace) a driver, e.g. ``register_driver("mine", "pkg.mod:Driver")``."""
    if ":" not in dotted:
        raise InputError(f"driver path {dotted!r} needs module:Class")
    DRIVERS[name.lower()] = dotted
    OPTIONS[name.lower()] = options


def parse_spec(text: str) -> TreadmillSpec:
    """Split a spec into driver, target and driver options (nothing is opened)."""
    text = text.strip()
    name, colon, target = text.partition(":")
    if not colon and "?" in name:  # `box?stale_after=2`: options without a target
        name, _, query = name.partition("?")
        target = "?" + query
    name = name.lower()
    if name not in DRIVERS:
        _load_plugins()
    if name not in DRIVERS:
        known = ", ".join(sorted(DRIVERS))
        raise InputError(
            f"unknown treadmill driver {name!r} in {text!r}",
            fix=f"write DRIVER:PORT with DRIVER one of {known} (e.g. trackmaster:/dev/ttyUSB0)",
        )
    base, _, query = target.partition("?")
    options: dict[str, str | float] = {}
    rest: list[tuple[str, str]] = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in OPTIONS.get(name, frozenset()):
            options[key] = _convert(key, value)
        else:
            rest.append((key, value))
    # The simulated Bluetooth devices (`ftms:sim?seed=1`) take sim:// world options.
    if rest and "://" not in base and not (name in SIM_QUERY_DRIVERS and base == "sim"):
        bad = ", ".join(k for k, _ in rest)
        allowed = ", ".join(sorted(OPTIONS.get(name, frozenset()))) or "none"
        raise InputError(
            f"unknown option(s) {bad} for the {name} driver", fix=f"options it takes: {allowed}"
        )
    for (driver, key), variants in VARIANTS.items():
        if driver == name and key in options:
            value = str(options.pop(key))
            if value not in variants:
                raise InputError(
                    f"unknown {key} value {value!r} for the {name} driver",
                    fix=f"{key}={' or '.join(variants)} (docs/treadmills.md)",
                )
            name = variants[value]
    if rest:
        base = f"{base}?{urlencode(rest)}"
    if name not in ("box",) and not base:
        raise InputError(
            f"the {name} driver needs a port or value after the colon",
            fix=f"e.g. {_example(name)}",
        )
    return TreadmillSpec(name, base, options)


def load_driver(name: str) -> type[Treadmill]:
    """Import a driver class by name; a missing library -> one line naming what to install."""
    if name.lower() not in DRIVERS:
        _load_plugins()
    dotted = DRIVERS.get(name.lower())
    if dotted is None:
        raise InputError(f"unknown treadmill driver {name!r}", fix=f"use one of {sorted(DRIVERS)}")
    module_name, _, class_name = dotted.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        missing = err.name or module_name
        pip = _PIP_NAMES.get(missing.split(".")[0], missing.split(".")[0])
        raise DeviceError(
            f"backend unavailable: the {name} driver needs {missing}",
            fix=f"install it: pip install {pip}",
        ) from err
    cls = getattr(module, class_name, None)
    if cls is None:
        raise DeviceError(f"backend unavailable: {dotted} has no {class_name}")
    return cls


def parse_treadmill_spec(text: str) -> Treadmill:
    """Open the treadmill a spec names, e.g. ``parse_treadmill_spec("fixed:3.5kmh")``."""
    spec = parse_spec(text)
    cls = load_driver(spec.driver)
    opener = getattr(cls, "open", None)
    if opener is None:
        raise DeviceError(f"backend unavailable: the {spec.driver} driver cannot be opened")
    return opener(spec.target, **spec.options)


def reading_parser(name: str) -> ReadingParser:
    """The pure parser of the bytes a session recorded from driver ``name``'s treadmill
    (:meth:`Treadmill.parse_recording`), plugins included: what ``stride analyze`` and
    ``stride replay`` read a recorded treadmill stream with."""
    return load_driver(name).parse_recording


#: Entry-point group through which other packages add drivers (value ``module:Class``).
PLUGIN_GROUP = "stride.treadmills"


def _load_plugins() -> None:
    """Add drivers that installed packages declare under :data:`PLUGIN_GROUP`."""
    from importlib.metadata import entry_points

    for ep in entry_points(group=PLUGIN_GROUP):
        if ep.name.lower() not in DRIVERS:
            DRIVERS[ep.name.lower()] = ep.value
            OPTIONS.setdefault(ep.name.lower(), frozenset({"timeout"}))


def _convert(key: str, value: str) -> str | float:
    if key in _FLOAT_OPTIONS:
        try:
            number = float(value)
        except ValueError as err:
            raise InputError(
                f"option {key}={value!r} is not a number", fix=f"e.g. {key}=0.5"
            ) from err
        if not number > 0:
            raise InputError(f"option {key}={value!r} must be > 0", fix=f"e.g. {key}=0.5")
        return number
    return value


def _example(name: str) -> str:
    return {
        "trackmaster": "trackmaster:/dev/ttyUSB0",
        "csafe": "csafe:COM3",
        "bertec": "bertec:tcp://HOST:4000",
        "fixed": "fixed:3.5kmh",
        "ftms": "ftms:TREADMILL_NAME or ftms:sim",
        "rsc": "rsc:POD_NAME or rsc:sim",
    }.get(name, f"{name}:PORT")
