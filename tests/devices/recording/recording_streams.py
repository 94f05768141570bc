"""Stream files for the recording tests: built from chunks, then damaged on purpose."""

from __future__ import annotations

from hypothesis import strategies as st

from devices.recording.layout import FILE_HEAD, FILE_MAGIC, pack_chunk

#: (position, junk) overwrites anywhere after the file's head.
damage_st = st.lists(
    st.tuples(st.integers(0, 10**6), st.binary(min_size=1, max_size=8)), max_size=3
)


def stream_file(chunks: list[tuple[float, bytes]]) -> bytes:
    desc = b'{"name": "box", "protocol": "x"}'
    head = FILE_HEAD.pack(FILE_MAGIC, 1, len(desc)) + desc
    return head + b"".join(pack_chunk(d, t) for t, d in chunks)


def damaged(
    chunks: list[tuple[float, bytes]], damage: list[tuple[int, bytes]], cut: int = 0
) -> bytes:
    """The stream file of ``chunks`` with ``damage`` written over its body and its last
    ``cut`` bytes gone (never into the head)."""
    raw = bytearray(stream_file(chunks))
    head = len(stream_file([]))
    for pos, junk in damage:
        if len(raw) > head:
            p = head + pos % (len(raw) - head)
            raw[p : p + len(junk)] = junk
    return bytes(raw[: len(raw) - cut] if cut < len(raw) - head else raw)
