"""``--view [HOST:]PORT``: golden parses, one-line refusals, and no other outcome on any text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stride.errors import InputError
from stride.view.address import ViewAddress, is_loopback, parse_view_address, url_host


@pytest.mark.parametrize(
    ("text", "host", "port"),
    [
        ("", "127.0.0.1", 8765),
        (None, "127.0.0.1", 8765),
        ("8766", "127.0.0.1", 8766),
        (":9000", "127.0.0.1", 9000),
        ("0.0.0.0:8765", "0.0.0.0", 8765),
        ("localhost:0", "localhost", 0),
        ("[::1]:8765", "::1", 8765),
        ("[::]:80", "::", 80),
        ("tv.local:8765", "tv.local", 8765),
    ],
)
def test_parses_host_and_port(text: str | None, host: str, port: int) -> None:
    assert parse_view_address(text) == ViewAddress(host, port)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("http", "port must be a number"),
        ("65536", "port must be a number"),
        ("-1", "port must be a number"),
        ("::1:8765", "IPv6"),
        ("[::1]8765", "IPv6"),
        ("[::1", "IPv6"),
        ("a b:8765", "not a host"),
        ("evil/x:8765", "not a host"),
    ],
)
def test_refuses_with_one_line_naming_the_problem(text: str, words: str) -> None:
    with pytest.raises(InputError) as err:
        parse_view_address(text)
    message = str(err.value)
    assert words in message and "\n" not in message and "--view" in message


@given(st.text(max_size=40))
def test_any_text_parses_or_is_refused_cleanly(text: str) -> None:
    try:
        address = parse_view_address(text)
    except InputError as err:
        assert "\n" not in str(err)
    else:
        assert 0 <= address.port <= 65535 and address.host


def test_loopback_names() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.1.2.3", "::1", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "192.168.1.10", "tv.local"))


def test_url_host_brackets_ipv6_and_names_unspecified_addresses() -> None:
    assert url_host("::1") == "[::1]"
    assert url_host("127.0.0.1") == "127.0.0.1"
    assert url_host("0.0.0.0") not in ("0.0.0.0", "")
