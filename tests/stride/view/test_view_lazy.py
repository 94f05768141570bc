"""The web library loads only when a view server starts."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_view_and_publishing_does_not_load_aiohttp() -> None:
    code = (
        "import sys\n"
        "from stride.view import ViewServer\n"
        "v = ViewServer('127.0.0.1', 0)\n"
        "v.publish_step({'side': 'L', 'step_length_m': 0.6})\n"
        "v.publish_belt(0.0, 1.0, 0.0)\n"
        "print(sorted(m for m in ('aiohttp', 'numpy', 'numba') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
