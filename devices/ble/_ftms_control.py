"""FTMS control point (0x2AD9) requests and responses, and machine status (0x2ADA).

Public through :mod:`devices.ble.ftms`. Requests (FTMS 1.0 section 4.16): ``00`` request
control, ``01`` reset, ``02`` + uint16 target speed (0.01 km/h), ``03`` + sint16 target
inclination (0.1 %), ``07`` start or resume, ``08 01`` stop, ``08 02`` pause. The machine
answers each with an indication ``80 <request op> <result>``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from devices.ble._fields import FieldReader, put
from devices.ble.errors import (
    ControlNotPermittedError,
    ControlPointError,
    InvalidParameterError,
    OpCodeNotSupportedError,
    OperationFailedError,
    ValueOutOfRangeError,
)
from devices.errors import InputError, ProtocolError

#: request name -> (op code, parameter type or fixed parameter byte, unit divisor)
CONTROL_OPS: dict[str, tuple[int, str | int | None, int]] = {
    "request_control": (0x00, None, 1),
    "reset": (0x01, None, 1),
    "set_target_speed": (0x02, "uint16", 100),
    "set_target_inclination": (0x03, "sint16", 10),
    "start": (0x07, None, 1),
    "stop": (0x08, 0x01, 1),
    "pause": (0x08, 0x02, 1),
}
_ALIASES = {
    "set_speed": "set_target_speed",
    "set_inclination": "set_target_inclination",
    "resume": "start",
}
RESPONSE_CODE = 0x80

#: result code -> (name, error class raised for it; None for success)
RESULTS: dict[int, tuple[str, type[ControlPointError] | None]] = {
    0x01: ("success", None),
    0x02: ("op code not supported", OpCodeNotSupportedError),
    0x03: ("invalid parameter", InvalidParameterError),
    0x04: ("operation failed", OperationFailedError),
    0x05: ("control not permitted", ControlNotPermittedError),
}

_OP_NAMES = {
    0x00: "request control",
    0x01: "reset",
    0x02: "set target speed",
    0x03: "set target inclination",
    0x07: "start or resume",
    0x08: "stop or pause",
}

_RESULT_FIXES = {
    0x02: "this treadmill does not take that request; use its console",
    0x03: "the value is outside what the treadmill accepts (see its supported range)",
    0x04: "the treadmill could not do it now (belt stopped, safety key out?); try again",
    0x05: "request control first; if the treadmill refuses, another app or the console "
    "holds it: close other fitness apps",
}


def control_point(op: str, value: float | None = None) -> bytes:
    """The bytes of one control point request, e.g. ``control_point("set_target_speed",
    3.6)`` -> ``02 68 01`` (speed in km/h, inclination in %). :class:`InputError` names a
    wrong op, a missing or extra value, or a value outside the field's range."""
    name = _ALIASES.get(op, op)
    if name not in CONTROL_OPS:
        known = ", ".join(sorted(CONTROL_OPS))
        raise InputError(f"unknown FTMS control request {op!r}", fix=f"use one of {known}")
    code, param, divisor = CONTROL_OPS[name]
    if not isinstance(param, str):
        if value is not None:
            raise InputError(f"FTMS {name} takes no value (got {value!r})")
        return bytes([code]) if param is None else bytes([code, param])
    if value is None or not math.isfinite(value):
        raise InputError(f"FTMS {name} needs a finite value", fix="e.g. 3.6 (km/h) or 2.5 (%)")
    raw = round(value * divisor)
    lo, hi = (0, 0xFFFF) if param == "uint16" else (-0x8000, 0x7FFF)
    if not lo <= raw <= hi:
        unit = "km/h" if divisor == 100 else "%"
        raise InputError(
            f"FTMS {name} value {value} {unit} is outside {lo / divisor}..{hi / divisor}"
        )
    return bytes([code]) + put(param, raw)


@dataclass(frozen=True)
class ControlResponse:
    """A control point indication ``80 <op> <result>``."""

    request_op: int
    result: int

    @property
    def ok(self) -> bool:
        return self.result == 0x01

    @property
    def result_name(self) -> str:
        return RESULTS[self.result][0]

    def raise_for_result(self) -> None:
        """Raise the :class:`ControlPointError` subclass of a failed request."""
        cls = RESULTS[self.result][1]
        if cls is not None:
            what = _OP_NAMES.get(self.request_op, f"op {self.request_op:#04x}")
            raise cls(
                f"treadmill answered {what}: {self.result_name}",
                result=self.result,
                fix=_RESULT_FIXES.get(self.result),
            )


def parse_control_response(
    data: bytes | bytearray | memoryview, *, check: bool = True
) -> ControlResponse:
    """Decode a control point indication; with ``check`` (default) a failure result raises
    its own error (:class:`ControlNotPermittedError`, :class:`InvalidParameterError`, ...)."""
    reader = FieldReader(data, "control point response")
    code = reader.take("uint8", "the response code")
    if code != RESPONSE_CODE:
        raise ProtocolError(
            f"control point indication starts with {code:#04x}, not the response code 0x80: "
            f"{bytes(data).hex(' ')}"
        )
    op = reader.take("uint8", "the request op code")
    result = reader.take("uint8", "the result code")
    reader.done()
    if result not in RESULTS:
        raise ValueOutOfRangeError(
            f"control point result code {result:#04x} is reserved (answer to op {op:#04x})"
        )
    response = ControlResponse(op, result)
    if check:
        response.raise_for_result()
    return response


#: status op code -> (name, parameter type or None, divisor)
STATUS_OPS: dict[int, tuple[str, str | None, int]] = {
    0x01: ("reset", None, 1),
    0x02: ("stopped or paused by the user", "uint8", 1),
    0x03: ("stopped by safety key", None, 1),
    0x04: ("started or resumed by the user", None, 1),
    0x05: ("target speed changed", "uint16", 100),
    0x06: ("target inclination changed", "sint16", 10),
    0x07: ("target resistance level changed", "uint8", 10),
    0x08: ("target power changed", "sint16", 1),
    0x09: ("target heart rate changed", "uint8", 1),
    0xFF: ("control permission lost", None, 1),
}


@dataclass(frozen=True)
class MachineStatus:
    """A Fitness Machine Status notification. ``value``: the decoded parameter (km/h for a
    target speed, % for an inclination, 1 = stop / 2 = pause for 0x02) or None;
    ``raw`` keeps the parameter bytes of op codes not decoded here (0x0A..0x15)."""

    op: int
    name: str
    value: float | int | None = None
    raw: bytes = b""


def parse_machine_status(data: bytes | bytearray | memoryview) -> MachineStatus:
    """Decode a Fitness Machine Status (0x2ADA) value, e.g. ``05 69 00`` -> target speed
    changed to 1.05 km/h."""
    reader = FieldReader(data, "Fitness Machine Status")
    op = reader.take("uint8", "the op code")
    if op in STATUS_OPS:
        name, kind, divisor = STATUS_OPS[op]
        value: float | int | None = None
        if kind is not None:
            raw = reader.take(kind, name)
            value = raw / divisor if divisor != 1 else raw
        reader.done()
        return MachineStatus(op, name, value)
    if 0x0A <= op <= 0x15:  # other machines' targets: kept raw, not needed by a treadmill
        return MachineStatus(op, f"status {op:#04x}", None, reader.data[1:])
    raise ValueOutOfRangeError(
        f"Fitness Machine Status op code {op:#04x} is reserved: {reader.data.hex(' ')}"
    )
