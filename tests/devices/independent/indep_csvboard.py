"""An independent DIY insole board printing CSV lines, from ../shared/docs/protocols.md
"The step-sensor box" (DIY boards send ``time_ms,frame,ch0..chN`` CSV at 100 Hz, 115200
baud, no checksum) and docs/hardware.md "Boards that print CSV lines" (the ``default`` map:
``time=0:ms,seq=1,L-heel=2,L-toe=3,R-heel=4,R-toe=5,rate=100``). No imports from devices/
or sim/.

Choices a real board makes that the documents leave open (constructor options): the line
ending (``eol``: Arduino's ``println`` sends ``\\r\\n``), the width of the frame counter
(``frame_wrap``: a byte counter wraps at 256, a uint16 at 65536, 0 = never), where the
board restarts (``restart_at_s``: time and counter back to 0), and lines lost on the way
(``lose``: line indices never sent, their counter values skipped).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from indep_sensorbox import Walker


@dataclass
class CsvBoard:
    rate_hz: int = 100
    walker: Walker = field(default_factory=Walker)
    eol: bytes = b"\n"
    frame_wrap: int = 0
    restart_at_s: float | None = None
    lose: set[int] = field(default_factory=set)
    t0_ms: int = 0
    start: float | None = None
    index: int = 0  # lines made (walker time = index / rate)
    since_boot: int = 0  # lines since the board (re)started
    restarted: bool = False
    sent_rows: list[list[int]] = field(default_factory=list)

    def line(self) -> bytes:
        t = self.index / self.rate_hz
        if self.restart_at_s is not None and not self.restarted and t >= self.restart_at_s:
            self.restarted, self.since_boot, self.t0_ms = True, 0, 0
        time_ms = self.t0_ms + self.since_boot * 1000 // self.rate_hz
        frame = self.since_boot % self.frame_wrap if self.frame_wrap else self.since_boot
        row = self.walker.row(t)
        i = self.index
        self.index += 1
        self.since_boot += 1
        if i in self.lose:
            return b""
        self.sent_rows.append(row)
        return ",".join(map(str, [time_ms, frame, *row])).encode() + self.eol

    def feed(self, data: bytes, now: float) -> bytes:
        return b""

    def tick(self, now: float) -> bytes:
        if self.start is None:
            self.start = now
        out = bytearray()
        while self.index / self.rate_hz <= now - self.start:
            out += self.line()
        return bytes(out)
