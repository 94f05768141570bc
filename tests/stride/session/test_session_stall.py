"""A box whose bytes stop decoding mid-session (restarted at another baud rate): the
dashboard says the bytes do not decode, not that the walker left the belt, and without a
dashboard (``--no-ui``) stderr says it once. Live, on a pseudo-terminal."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
import synthbox

from stride.session.live import Session
from stride.session.screen.alerts import current_alerts


def _ui(box: synthbox.PtyBox, data: bytes, seen: list[str]) -> Callable[[Session], None]:
    def ui(session: Session) -> None:
        box.play(data, seconds=24.0, chunk=512)  # the port is open: the box starts
        start = time.monotonic()
        for period in session.ticks():
            st = session.state
            if st.health.decoder_stalled:
                seen.extend(a.text for a in current_alerts(st, st.now() + 10.0))
                session.request_stop("test done")
            if time.monotonic() - start > 20.0:
                session.request_stop("timed out")
            time.sleep(period)

    return ui


@pytest.mark.slow
def test_bytes_that_stop_decoding_are_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = synthbox.stream(4.0)
    wrong_baud = synthbox.misread_at_baud(synthbox.stream(20.0, start_s=4.0), 0.5)
    box = synthbox.PtyBox()
    seen: list[str] = []
    assert synthbox.run_live_on(box, tmp_path / "rec", _ui(box, good + wrong_baud, seen)) == 0
    err = capsys.readouterr().err
    text = " | ".join(seen)
    assert "bytes arrive but no frames decode - wrong baud rate or protocol" in text, text
    assert "is the walker on the belt?" not in text and "do not decode" in text
    # without a dashboard (--no-ui), the alert is said on stderr, once
    said = [line for line in err.splitlines() if "do not decode" in line or "no frames" in line]
    assert said == [
        "stride: warning: sensor box bytes arrive but no frames decode - wrong baud rate or "
        "protocol (the box restarted in another mode?)"
    ], err
