"""The box's reader holds a simulated world that can wait: however late the reader thread
runs (a busy machine), the world never gets more than READ_LAG_S ahead of its last read,
so no seconds of the walk pile up in the port to be stamped late."""

from __future__ import annotations

import itertools
import threading
from typing import Any

from stride.session.sources import READ_LAG_S, PortReader


class World:
    """A clock that can hold; it records who held it where."""

    speedup = 20.0

    def __init__(self) -> None:
        self.t = 5.0
        self.holds: list[tuple[str, float]] = []
        self.released: list[str] = []

    def monotonic(self) -> float:
        return self.t

    def now(self) -> float:
        return 100.0 + self.t

    def wait(self, event: threading.Event, seconds: float) -> bool:
        return event.wait(0)

    def describe(self) -> dict[str, Any]:
        return {"kind": "simulated", "speedup": self.speedup}

    def hold(self, until: float) -> None:
        self.holds.append((threading.current_thread().name, until))

    def release(self) -> None:
        self.released.append(threading.current_thread().name)


class Port:
    def __init__(self, world: World) -> None:
        self.world = world
        self.reads = 0
        self.done = threading.Event()

    def read(self, size: int) -> bytes:
        self.reads += 1
        self.world.t += 0.1
        if self.reads >= 5:
            self.done.set()
        return b"\x00" if self.reads < 5 else b""

    def close(self) -> None:
        pass


def test_the_reader_holds_the_world_at_its_last_read_and_lets_go_at_the_end() -> None:
    world = World()
    port = Port(world)
    reader = PortReader("box", port, clock=world)  # type: ignore[arg-type]
    got: list[bytes] = []
    reader.start(lambda s, d, h, a: got.append(d), lambda s, m: None)
    assert port.done.wait(10.0)
    reader.stop()
    reader.join(10.0)
    assert got
    holds = [until for name, until in world.holds if name == "read-box"]
    assert holds[0] == 5.0 + READ_LAG_S  # before the first read: its time, plus the lag
    assert len(holds) >= 3 and all(b > a for a, b in itertools.pairwise(holds))  # moved on
    assert world.released == ["read-box"]
