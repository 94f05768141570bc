"""Giving freed memory back to the system: glibc's malloc_trim where there is one."""

from __future__ import annotations

import platform

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
