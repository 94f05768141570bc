"""Giving freed memory back to the system: glibc's malloc_trim where there is one."""

from __future__ import annotations

import platform

import pytest

from devices import memory


def test_return_freed_memory_finds_malloc_trim_on_glibc() -> None:
    memory.return_freed_memory()
    memory.return_freed_memory()  # asked once, then called again
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert memory._TRIM
    else:
        assert memory._TRIM is not None


def test_release_pages_drops_whole_pages_inside_and_keeps_the_rest() -> None:
    """The whole pages inside the slice read as zeros afterwards (on Linux: given back);
    the bytes before and after them, on pages partly outside, keep their values."""
    import mmap

    import numpy as np

    page = mmap.PAGESIZE
    buf = np.full(8 * page, 7, np.uint8)
    start = buf.__array_interface__["data"][0]
    lo = page - start % page + page // 2  # half a page into the second page boundary
    memory.release_pages(buf[lo : lo + 3 * page])
    inside = -(-(start + lo) // page) * page - start  # the first whole page in the slice
    assert (buf[:inside] == 7).all()  # before the slice, and its partial page
    assert (buf[inside + 2 * page :] == 7).all()  # its partial last page, and after it
    dropped = buf[inside : inside + 2 * page]
    assert (dropped == (0 if platform.system() == "Linux" else 7)).all()
    memory.release_pages(buf[:0])  # nothing to give back: no call
    memory.release_pages(buf[1:2])  # no whole page inside
    assert buf[1] == 7


def test_populated_keeps_the_array_as_it_is() -> None:
    """The same array (numpy's, contents kept), for every size: below, inside and above
    the populated range, fresh, reused or a view."""
    import numpy as np

    for n in (0, 5, memory.POPULATE_MIN // 8 + 3, memory.POPULATE_MAX // 8):
        for dtype in (np.int64, np.float64, np.bool_):
            a = np.ones(n, dtype)
            assert memory.populated(a) is a and a.all() and a.flags.owndata
            b = np.empty(n, dtype)
            assert memory.populated(b) is b and b.flags.writeable and b.flags.c_contiguous
            b[:] = 0
            assert not b.any()
    c = np.arange(memory.POPULATE_MIN).reshape(4, -1)
    assert memory.populated(c[1:]) is not None and (c.reshape(-1) == np.arange(c.size)).all()


def test_populated_takes_fresh_pages_at_once() -> None:
    """On Linux 5.14 or later the pages of a fresh array are resident before any write."""
    import mmap
    import os

    import numpy as np

    if platform.system() != "Linux" or tuple(map(int, os.uname().release.split(".")[:2])) < (5, 14):
        pytest.skip("MADV_POPULATE_WRITE is Linux 5.14's")
    size = (memory.POPULATE_MIN + memory.POPULATE_MAX) // 2
    mem = mmap.mmap(-1, size)  # fresh pages of its own, as a new array's
    a = np.frombuffer(mem, np.uint8)
    before = _resident()
    memory.populated(a)
    assert _resident() - before >= size - 2 * mmap.PAGESIZE
    del a
    mem.close()


def _resident() -> int:
    """This process's resident bytes (Linux)."""
    import mmap

    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * mmap.PAGESIZE
