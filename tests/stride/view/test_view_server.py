"""The view's server without a browser: the contract of /state.json and the WebSocket, the
read-only and token rules, bad input, and viewers that misbehave."""

from __future__ import annotations

import json
import socket
import sys
import threading
import urllib.error
import urllib.request

import pytest
from viewclient import Viewer, make_steps

from stride.errors import InputError
from stride.view import ViewServer
from stride.view.hub import MAX_BACKLOG


def get(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def ws_url(view: ViewServer, query: str = "") -> str:
    return f"ws://127.0.0.1:{view.port}/ws{query}"


def base(view: ViewServer) -> str:
    return f"http://127.0.0.1:{view.port}"


def test_state_json_counts_steps_and_carries_belt_and_summary(view: ViewServer) -> None:
    status, body = get(base(view) + "/state.json")
    assert status == 200
    assert json.loads(body)["steps"] == 0
    for row in make_steps(5):
        view.publish_step(row)
    view.publish_belt(3.0, 1.1, 3.3)
    view.set_summary({"steps": 5, "cadence_spm": 109.1})
    state = {}
    for _ in range(200):  # the belt frame is rate-limited: wait for it, not a fixed time
        state = json.loads(get(base(view) + "/state.json")[1])
        if state["belt_speed_mps"] is not None:
            break
    assert state["steps"] == 5
    assert state["belt_speed_mps"] == 1.1
    assert state["summary"] == {"steps": 5, "cadence_spm": 109.1}


def test_an_unknown_belt_speed_is_null_and_a_sample_without_time_is_ignored(
    view: ViewServer,
) -> None:
    viewer = Viewer(ws_url(view))
    try:
        assert viewer.wait_for(lambda v: v.frames)
        view.publish_belt(float("nan"), 1.0, 2.0)
        view.publish_belt(1.0, None, 2.0)
        assert viewer.wait_for(lambda v: any(f["t"] == "belt" for f in v.frames))
        view.publish_belt(1.5, float("inf"), float("nan"))
        belts = [f for f in viewer.frames if f["t"] == "belt"]
        assert belts[0]["speed_mps"] is None and belts[0]["distance_m"] == 2.0
        state = json.loads(get(base(view) + "/state.json")[1])
        assert state["belt_speed_mps"] is None
        assert len([f for f in viewer.frames if f["t"] == "belt"]) == 1
    finally:
        viewer.close()


def test_a_viewer_gets_the_board_then_every_step(view: ViewServer) -> None:
    view.set_target(spacing_m=0.3, lines_per_step=2, tolerance_m=0.05)
    for row in make_steps(3):
        view.publish_step(row)
    viewer = Viewer(ws_url(view))
    try:
        assert viewer.wait_for(lambda v: v.frames)
        hello = viewer.frames[0]
        assert hello["t"] == "hello" and hello["steps"] == 3 and len(hello["recent"]) == 3
        assert hello["target"]["goal_m"] == pytest.approx(0.6)
        for row in make_steps(4, start=3):
            view.publish_step(row)
        assert viewer.wait_for(lambda v: len(v.steps()) == 4)
        last = viewer.steps()[-1]
        assert [s["n"] for s in viewer.steps()] == [4, 5, 6, 7]
        assert last["error_m"] == pytest.approx(make_steps(7)[-1]["step_length_m"] - 0.6)  # type: ignore[operator]
        assert last["verdict"] in ("in", "short", "long")
    finally:
        viewer.close()


def test_steps_published_from_many_threads_all_arrive_once(view: ViewServer) -> None:
    viewer = Viewer(ws_url(view))
    assert viewer.wait_for(lambda v: v.frames)
    threads = [
        threading.Thread(
            target=lambda k=k: [view.publish_step(r) for r in make_steps(250, k * 250)]
        )
        for k in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert viewer.wait_for(lambda v: len(v.steps()) == 1000)
        assert [s["n"] for s in viewer.steps()] == list(range(1, 1001))
        assert sorted(s["ic_s"] for s in viewer.steps()) == sorted(
            r["ic_s"]
            for r in make_steps(1000)  # type: ignore[misc]
        )
    finally:
        viewer.close()


def test_status_target_and_cues_reach_the_viewer(view: ViewServer) -> None:
    viewer = Viewer(ws_url(view))
    try:
        assert viewer.wait_for(lambda v: v.frames)
        view.set_status("device-lost")
        view.set_target(mode="course", pass_length_m=10.0)
        view.set_metronome(True)
        assert viewer.wait_for(lambda v: len(v.frames) >= 4)
        kinds = {f["t"]: f for f in viewer.frames[1:]}
        assert kinds["status"]["status"] == "device-lost"
        assert kinds["target"]["target"]["mode"] == "course"
        assert kinds["cues"]["cues"] == {"metronome": True, "tone": False}
        with pytest.raises(ValueError):
            view.set_status("asleep")
    finally:
        viewer.close()


def test_every_route_is_read_only(view: ViewServer) -> None:
    for path in ("/state.json", "/ws", "/"):
        assert get(base(view) + path, method="POST")[0] == 405
    assert get(base(view) + "/static/index.html")[0] == 404
    assert get(base(view) + "/static/..%2Fsite.py")[0] == 404
    assert get(base(view) + "/static/view.js")[0] == 200
    status, body = get(base(view) + "/")
    assert status == 200 and b"step-count" in body and b"%QUERY%" not in body


def test_loopback_server_refuses_other_host_names_and_foreign_origins(view: ViewServer) -> None:
    assert get(base(view) + "/state.json", {"Host": "attacker.example"})[0] == 403
    assert get(base(view) + "/state.json", {"Host": f"localhost:{view.port}"})[0] == 200
    foreign = Viewer(ws_url(view), headers={"Origin": "http://attacker.example"})
    assert foreign.done.wait(10) and foreign.refused == 403 and not foreign.frames
    own = Viewer(ws_url(view), headers={"Origin": f"http://127.0.0.1:{view.port}"})
    try:
        assert own.wait_for(lambda v: v.frames)
    finally:
        own.close()


def test_non_loopback_bind_needs_the_token_of_the_printed_url() -> None:
    view = ViewServer("0.0.0.0", 0)
    url = view.start()
    try:
        token = view.token
        assert token and url.endswith(f"/?token={token}")
        assert get(base(view) + "/state.json")[0] == 403
        assert get(base(view) + "/state.json?token=wrong-token")[0] == 403
        assert get(base(view) + "/?token=" + token[:-1])[0] == 403
        assert get(base(view) + f"/state.json?token={token}")[0] == 200
        status, page = get(base(view) + f"/?token={token}")
        assert status == 200 and f"/static/view.js?token={token}".encode() in page
        denied = Viewer(ws_url(view))
        assert denied.done.wait(10) and denied.refused == 403 and not denied.frames
        allowed = Viewer(ws_url(view, f"?token={token}"))
        assert allowed.wait_for(lambda v: v.frames)
        allowed.close()
    finally:
        view.stop()


def test_port_in_use_is_one_clear_line(view: ViewServer) -> None:
    with pytest.raises(InputError, match=f"port {view.port} on 127.0.0.1 is already in use"):
        ViewServer("127.0.0.1", view.port).start()


def test_address_not_on_this_machine_is_one_clear_line() -> None:
    with pytest.raises(InputError, match=r"192\.0\.2\.1 is not an address of this machine") as err:
        ViewServer("192.0.2.1", 0).start()  # TEST-NET-1: never assigned to a host
    assert "\n" not in str(err.value)


def test_unresolvable_host_is_one_clear_line() -> None:
    with pytest.raises(InputError, match="cannot resolve"):
        ViewServer("no-such-host.invalid", 0).start()


def test_without_aiohttp_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "aiohttp", None)
    monkeypatch.delitem(sys.modules, "stride.view.site", raising=False)
    # the checkout's extra: "stride" on PyPI is another project
    with pytest.raises(InputError) as info:
        ViewServer("127.0.0.1", 0).start()
    fix = info.value.fix or ""
    assert fix == 'install the view extra from the stride checkout: pip install ".[view]"'
    assert "stride[" not in str(info.value) + fix


@pytest.mark.parametrize("message", ["hello", '{"t": "pause"}', b"\x00\x01", "x" * 5000])
def test_a_malformed_message_drops_that_viewer_only(view: ViewServer, message: str | bytes) -> None:
    good = Viewer(ws_url(view))
    bad = Viewer(ws_url(view))
    try:
        assert good.wait_for(lambda v: v.frames) and bad.wait_for(lambda v: v.frames)
        bad.send(message)
        assert bad.done.wait(10)
        assert bad.close_code in (1008, 1009)
        for row in make_steps(3):
            view.publish_step(row)
        assert good.wait_for(lambda v: len(v.steps()) == 3)
        assert view.stats()["viewers"] == 1
    finally:
        good.close()


def test_a_ping_gets_a_pong_with_the_server_clock(view: ViewServer) -> None:
    viewer = Viewer(ws_url(view))
    try:
        assert viewer.wait_for(lambda v: v.frames)
        viewer.send('{"t": "ping", "id": 12.5}')
        assert viewer.wait_for(lambda v: any(f["t"] == "pong" for f in v.frames))
        pong = next(f for f in viewer.frames if f["t"] == "pong")
        assert pong["id"] == 12.5 and pong["server_ms"] > 1.6e12
    finally:
        viewer.close()


def _stalled_socket(port: int) -> socket.socket:
    """A viewer that completes the WebSocket handshake and then never reads."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.sendall(
        f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    return sock


def test_a_viewer_that_never_reads_is_dropped_and_the_others_get_every_step(
    view: ViewServer,
) -> None:
    good = Viewer(ws_url(view))
    stalled = _stalled_socket(view.port)
    try:
        assert good.wait_for(lambda v: v.frames)
        assert good.wait_for(lambda v: view.stats()["viewers"] == 2)
        published = 0
        while view.stats()["dropped_viewers"] == 0 and published < 5 * MAX_BACKLOG:
            for row in make_steps(50, published, pad=4000):
                view.publish_step(row)
                view.publish_belt(row["ic_s"], 1.0, row["ic_s"])  # type: ignore[arg-type]
            published += 50
            behind = published - 200
            good.wait_for(lambda v, n=behind: len(v.steps()) >= n, timeout=10)
        assert view.stats()["dropped_viewers"] == 1
        assert good.wait_for(lambda v: len(v.steps()) == published, timeout=60)
        assert [s["n"] for s in good.steps()] == list(range(1, published + 1))
        assert view.stats()["viewers"] == 1
    finally:
        stalled.close()
        good.close()


def test_published_before_start_is_shown_and_after_stop_ignored() -> None:
    view = ViewServer("127.0.0.1", 0)
    for row in make_steps(2):
        view.publish_step(row)
    view.start()
    try:
        assert json.loads(get(base(view) + "/state.json")[1])["steps"] == 2
    finally:
        view.stop()
    view.publish_step(make_steps(1)[0])
    view.set_status("ended")
    assert view.board.steps == 2
    view.stop()  # twice is fine
