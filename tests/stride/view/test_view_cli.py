"""``--view`` on the command line: a bad address, a port in use or an address not on this
machine is one line and exit 1 before any device is opened or anything recorded; off
loopback the printed URL carries the token and a request without it gets 403."""

from __future__ import annotations

import json
import socket
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cli_helpers import CMD, env, one_line_error
from cli_helpers import stride as run_process
from cli_helpers import stride_in_process as run_stride


@pytest.mark.parametrize("command", [["demo"], ["live", "--port", "sim://box"]])
def test_a_port_in_use_stops_before_anything_is_recorded(
    command: list[str], tmp_path: Path
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        # demo in a process of its own, as a user's shell runs it; live in this process
        runner = run_process if command == ["demo"] else run_stride
        run = runner(*command, "--view", str(port), "--no-ui", "--record", str(tmp_path / "rec"))
    one_line_error(run, "--view", f"port {port}", "in use", "--view HOST:PORT")
    assert run.stdout == "" and not (tmp_path / "rec").exists()


@pytest.mark.parametrize(
    ("view", "words"),
    [
        ("192.0.2.7:8765", ["192.0.2.7 is not an address of this machine"]),
        ("fe80::1:8765", ["[ADDRESS]:PORT"]),  # (malformed addresses: test_view_address)
    ],
)
def test_an_address_that_cannot_be_served_is_one_line(
    view: str, words: list[str], tmp_path: Path
) -> None:
    run = run_stride("demo", "--view", view, "--no-ui", "--record", str(tmp_path / "rec"))
    one_line_error(run, "--view", *words)
    assert not (tmp_path / "rec").exists()


def test_replay_with_a_bad_view_address_is_one_line(tmp_path: Path) -> None:
    run = run_stride("replay", str(tmp_path), "--view", "x:y", "--no-ui")
    one_line_error(run, "--view 'x:y'")


def test_without_a_value_the_usage_says_so() -> None:
    run = run_stride("demo", "--view")
    assert run.returncode == 2 and "'--view' requires an argument" in run.stderr


@pytest.mark.slow
def test_off_loopback_the_url_carries_the_token_and_others_get_403() -> None:
    cmd = [*CMD, "demo", "--view", "0.0.0.0:0", "--no-ui", "--duration", "30"]
    cmd += ["--no-record", "--no-history"]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env(),
        stdin=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        url = json.loads(proc.stdout.readline())["view"]
        assert "?token=" in url
        port, token = url.split("/")[2].rsplit(":", 1)[1], url.split("token=")[1]
        local = f"http://127.0.0.1:{port}"
        for path in ("/", "/state.json", f"/state.json?token={token}x", "/ws"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(local + path, timeout=10)
            assert refused.value.code == 403, path
        with urllib.request.urlopen(f"{local}/state.json?token={token}", timeout=10) as r:
            assert set(json.load(r)) >= {"steps", "belt_speed_mps", "summary"}
    finally:
        proc.terminate()
        proc.wait(30)
