"""A treadmill simulated in this process is timed on its own world's clock, which waits.

The console answers in its world's seconds; a host slowed down (a busy machine, a session
holding the world while its analysis catches up) must wait for the answer, not time out
in real seconds on an answer its world has not had the time to send. The world here is a
hand-driven clock: it moves only when the test says, whatever real time does.
"""

from __future__ import annotations

import threading
import time

import pytest

from devices.errors import DeviceTimeoutError
from devices.treadmill import trackmaster as tm


class HandClock:
    """A clock that can hold (as a simulated world's) and moves only when told."""

    speedup = 20.0

    def __init__(self) -> None:
        self.t = 0.0
        self.holds: list[float] = []
        self.releases = 0

    def monotonic(self) -> float:
        return self.t

    def now(self) -> float:
        return 1000.0 + self.t

    def wait(self, event: threading.Event, seconds: float) -> bool:
        return event.wait(0)

    def describe(self) -> dict[str, object]:
        return {"kind": "simulated", "speedup": self.speedup}

    def hold(self, until: float) -> None:
        self.holds.append(until)

    def release(self) -> None:
        self.releases += 1


class LateConsole:
    """A Trackmaster port on a world that stands still for ``stalls`` reads (the host is
    far behind in real time), then answers the speed poll; each read after that moves the
    world on by ``step`` seconds."""

    def __init__(self, clock: HandClock, stalls: int, answer: bytes, step: float) -> None:
        self.device_clock = clock
        self.stalls = stalls
        self.answer = answer
        self.step = step
        self.sent = b""

    @property
    def in_waiting(self) -> int:
        return len(self.answer) if self.sent and self.stalls <= 0 else 0

    def read(self, size: int = 1) -> bytes:
        if not self.sent:
            return b""
        if self.stalls > 0:
            self.stalls -= 1
            time.sleep(0.001)  # a port read timing out: real time passes, the world does not
            return b""
        self.device_clock.t += self.step
        out, self.answer = self.answer[:size], self.answer[size:]
        return out

    def write(self, data: bytes) -> int:
        self.sent += data
        return len(data)

    def close(self) -> None:
        pass


def test_an_answer_late_in_real_time_but_in_time_in_its_world_is_taken() -> None:
    clock = HandClock()
    # 200 empty reads: far longer than the 1 ms timeout in real time, no time in the world
    port = LateConsole(clock, stalls=200, answer=bytes.fromhex("D1 30 30 34 30"), step=0.0)
    t = tm.TrackmasterTreadmill(port, timeout=0.001)  # type: ignore[arg-type]
    reading = t.read_speed()
    assert reading.speeds_mps == pytest.approx((4.0 * 0.44704,))
    assert port.sent == b"\xc1"
    assert clock.holds == [pytest.approx(0.001 + 0.01)]  # held just past the deadline
    assert clock.releases == 1  # and let go when the exchange ended


def test_a_silent_console_still_times_out_when_its_world_passes_the_deadline() -> None:
    clock = HandClock()
    port = LateConsole(clock, stalls=0, answer=b"\x55" * 1000, step=0.05)  # junk, time moves
    t = tm.TrackmasterTreadmill(port, timeout=0.2)  # type: ignore[arg-type]
    with pytest.raises(DeviceTimeoutError):
        t.read_speed()
    assert clock.t >= 0.2 and clock.releases == 1


def test_what_waits_at_the_deadline_is_taken_once() -> None:
    # The answer is waiting when the host first looks, after its world's deadline passed.
    clock = HandClock()
    port = LateConsole(clock, stalls=0, answer=bytes.fromhex("D1 30 30 32 32"), step=0.0)
    t = tm.TrackmasterTreadmill(port, timeout=0.1)  # type: ignore[arg-type]
    real_deadline = t._link.deadline

    def late_deadline(timeout: float) -> float:
        d = real_deadline(timeout)
        clock.t = d  # the host looks only now
        return d

    t._link.deadline = late_deadline  # type: ignore[method-assign]
    assert t.read_speed().speeds_mps == pytest.approx((2.2 * 0.44704,))
