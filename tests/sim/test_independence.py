"""sim never imports stride (not even transitively), and its parsers survive any input."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from devices.errors import InputError
from sim.serve import parse_times
from sim.urlhandler.protocol_sim import parse_sim_url


def test_no_module_of_sim_imports_stride() -> None:
    code = (
        "import sys, pkgutil, importlib, sim\n"
        "for m in pkgutil.walk_packages(sim.__path__, 'sim.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(m for m in sys.modules if m == 'stride' or m.startswith('stride.'))\n"
        "print('STRIDE', bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "STRIDE []" in out.stdout, out.stdout + out.stderr


_KEYS = st.sampled_from(
    ["world", "profile", "seed", "rate", "sensors", "noise", "speed", "belt", "speedup",
     "unplug_at", "unplug_s", "target", "cadence", "symmetry", "metronome", "tau",
     "residual", "flip", "drop", "protocol", "bogus"]
)  # fmt: skip


@given(
    st.sampled_from(["box", "treadmill", "trackmaster", "csafe", "fridge", ""]),
    st.lists(st.tuples(_KEYS, st.text(max_size=12)), max_size=5),
)
def test_any_sim_url_parses_or_is_refused_clearly(
    device: str, query: list[tuple[str, str]]
) -> None:
    from urllib.parse import urlencode

    url = f"sim://{device}?{urlencode(query)}"
    try:
        dev, key, opts, given_, _ = parse_sim_url(url)
    except InputError as err:
        assert err.problem and err.fix
    else:
        assert dev == device and key
        assert given_ <= set(opts.__dataclass_fields__)


@given(st.text(max_size=30))
def test_any_time_list_parses_or_is_refused(text: str) -> None:
    try:
        times = parse_times(text)
    except InputError as err:
        assert err.fix
    else:
        assert all(t >= 0 for t in times)
