"""CSV lines read like the sensor box's frames: the column map as a HELLO.

:class:`CsvBoxDecoder` is a :class:`~devices.csvlines.CsvLineDecoder` that gives the map
(channels, rate, ADC bits: :meth:`CsvLineConfig.hello`) as a sensor-box HELLO before the
first samples, so ``stride live --csv-map``, ``stride check`` and the reading of a
recording take the lines exactly like the box's frames.
"""

from __future__ import annotations

from devices.csvlines import CsvLineConfig, CsvLineDecoder
from devices.sensorbox.events import Event, HelloEvent


class CsvBoxDecoder(CsvLineDecoder):
    """A :class:`CsvLineDecoder` that also gives the column map as a sensor-box HELLO
    (:meth:`CsvLineConfig.hello`) before its first samples, so a live session, ``stride
    check`` and the reading of a recording take CSV lines exactly like the box's frames."""

    def __init__(self, config: CsvLineConfig) -> None:
        self._hello = config.hello()
        super().__init__(config)
        self.notes: list[str] = []  # what the box decoder notes (nothing here)
        self._said = False

    def feed(self, data: bytes, host_t: float) -> list[Event]:  # type: ignore[override]
        blocks = super().feed(data, host_t)
        out: list[Event] = list(blocks)
        if blocks and not self._said:
            self._said = True
            out.insert(0, HelloEvent(self._hello, 0, int(blocks[0].t_us[0]), host_t))
        return out

    def new_connection(self, host_t: float) -> list[Event]:  # type: ignore[override]
        return list(super().new_connection(host_t))

    def flush(self) -> list[Event]:  # type: ignore[override]
        return list(super().flush())
