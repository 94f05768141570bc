"""A scripted port for byte-exact driver tests (pymeasure's ``expected_protocol`` idea).

``ScriptedPort([(sent, answered), ...])`` answers each expected write with its bytes and
fails the test if the driver writes anything else, or if any pair is left unused.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager


class ScriptedPort:
    """A fake serial port that plays (bytes sent, bytes answered) pairs in order."""

    def __init__(self, pairs: Sequence[tuple[bytes, bytes]], *, initial: bytes = b"") -> None:
        self.pairs = list(pairs)
        self.used = 0
        self.written = bytearray()
        self._pending = bytearray()  # written bytes not yet matched to a pair
        self._rx = bytearray(initial)
        self.closed = False

    @property
    def in_waiting(self) -> int:
        return len(self._rx)

    def write(self, data: bytes) -> int:
        self.written += data
        self._pending += data
        while self._pending:
            if self.used >= len(self.pairs):
                raise AssertionError(f"unexpected write {bytes(self._pending).hex(' ')}")
            sent, answered = self.pairs[self.used]
            if len(self._pending) < len(sent):
                if not sent.startswith(bytes(self._pending)):
                    raise AssertionError(
                        f"pair {self.used}: wrote {bytes(self._pending).hex(' ')}, "
                        f"expected {sent.hex(' ')}"
                    )
                break
            if bytes(self._pending[: len(sent)]) != sent:
                raise AssertionError(
                    f"pair {self.used}: wrote {bytes(self._pending).hex(' ')}, "
                    f"expected {sent.hex(' ')}"
                )
            del self._pending[: len(sent)]
            self._rx += answered
            self.used += 1
        return len(data)

    def read(self, size: int = 1) -> bytes:
        if not self._rx:
            time.sleep(0.001)  # a real port would wait its timeout
            return b""
        out = bytes(self._rx[:size])
        del self._rx[:size]
        return out

    def close(self) -> None:
        self.closed = True

    def assert_done(self) -> None:
        """Every pair was used and nothing extra was written."""
        if self.used != len(self.pairs):
            left = [s.hex(" ") for s, _ in self.pairs[self.used :]]
            raise AssertionError(f"{len(left)} expected exchange(s) never happened: {left}")
        if self._pending:
            raise AssertionError(f"partial write left over: {bytes(self._pending).hex(' ')}")


@contextmanager
def expected_exchange(
    pairs: Sequence[tuple[bytes, bytes]], *, initial: bytes = b""
) -> Iterator[ScriptedPort]:
    """``with expected_exchange(pairs) as port: ...`` then every pair must have been used."""
    port = ScriptedPort(pairs, initial=initial)
    yield port
    port.assert_done()
