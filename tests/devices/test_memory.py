"""Giving freed memory back to the system: glibc's malloc_trim where there is one."""

from __future__ import annotations

import platform
from typing import Any

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


def test_written_is_an_empty_array_of_the_shape_asked_for() -> None:
    """Every size (below, inside and above the populated range, and past a huge page):
    a writable C-contiguous array of that shape and type, its memory its own; from a huge
    page's size on, starting at a huge page's boundary."""
    import numpy as np

    sizes = (0, 5, memory.POPULATE_MIN // 8 + 3, memory.HUGE_PAGE // 8 + 5, (3, 700_001))
    for n in sizes:
        for dtype in (np.int64, np.float64, np.bool_):
            a = memory.written(n, dtype)
            assert a.shape == np.empty(n).shape and a.dtype == dtype
            assert a.flags.writeable and a.flags.c_contiguous
            a[...] = 1
            assert a.all()
            if a.nbytes >= memory.HUGE_PAGE:
                assert a.__array_interface__["data"][0] % memory.HUGE_PAGE == 0
    others = [memory.written(memory.HUGE_PAGE // 8 + 5, np.int64) for _ in range(3)]
    for i, b in enumerate(others):  # each its own memory
        b[:] = i
    assert [int(b.min()) for b in others] == [0, 1, 2] == [int(b.max()) for b in others]


def _linux_at_least(major: int, minor: int) -> bool:
    import os

    release = tuple(map(int, os.uname().release.split(".")[:2]))
    return platform.system() == "Linux" and release >= (major, minor)


def test_written_takes_fresh_pages_at_once() -> None:
    """On Linux 5.14 or later every page of a new array is resident before any write (an
    array larger than the C heap keeps, so its memory is fresh: asked of the kernel
    with ``mincore``, page by page, so other threads' memory does not count)."""
    import mmap

    import numpy as np

    if not _linux_at_least(5, 14):
        pytest.skip("MADV_POPULATE_WRITE is Linux 5.14's")
    a = memory.written(FRESH + 3 * mmap.PAGESIZE + 5, np.uint8)
    resident = _resident_pages(a)
    assert resident.size >= a.size // mmap.PAGESIZE - 1 and resident.all()


def _resident_pages(a: Any) -> Any:
    """Whether each whole page inside ``a`` is resident (Linux's ``mincore``)."""
    import ctypes
    import mmap

    import numpy as np

    page = mmap.PAGESIZE
    start = a.__array_interface__["data"][0]
    first = -(-start // page) * page
    n = (start + a.nbytes - first) // page
    vec = np.zeros(n, np.uint8)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mincore.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)
    assert libc.mincore(first, n * page, vec.ctypes.data) == 0
    return vec & 1 == 1


#: Bytes from which glibc's malloc always maps new memory (its largest threshold).
FRESH = 32 << 20


def test_huge_empty_gives_huge_pages_to_whole_stretches_only() -> None:
    """Where the system gives huge pages on request (``madvise``), a new array's whole
    2 MB stretches ask for them, and the stretch after its last boundary takes none: its
    memory is what it writes, not a huge page more. Whether the kernel has free huge
    pages to give is its own affair (fragmented memory gives small ones), so how many
    the body took is not asserted."""
    import numpy as np

    mode = _thp_mode()
    if mode is None or mode == "never" or not _linux_at_least(5, 14):
        pytest.skip("no transparent huge pages to ask for here")
    whole = FRESH // memory.HUGE_PAGE + 1
    size = whole * memory.HUGE_PAGE + memory.HUGE_PAGE // 2  # and half a huge page
    a = memory.written(size, np.uint8)
    a[:] = 1
    start = a.__array_interface__["data"][0]
    body, tail = _mapping(start), _mapping(start + whole * memory.HUGE_PAGE)
    assert start % memory.HUGE_PAGE == 0
    assert "hg" in body["VmFlags"]  # asked for huge pages: numpy's advice or not
    assert "nh" in tail["VmFlags"] and tail["AnonHugePages"] == ["0", "kB"]  # the half not
    del a


def _mapping(address: int) -> dict[str, list[str]]:
    """The ``/proc/self/smaps`` fields of this process's memory mapping holding
    ``address`` (Linux): each field's words after its name."""
    with open("/proc/self/smaps") as f:
        lines = f.read().splitlines()
    fields: dict[str, list[str]] = {}
    inside = False
    for line in lines:
        head = line.split(" ", 1)[0]
        if "-" in head and ":" not in head:
            if inside:
                break
            lo, hi = (int(x, 16) for x in head.split("-"))
            inside = lo <= address < hi
        elif inside:
            name, _, rest = line.partition(":")
            fields[name] = rest.split()
    return fields


def _thp_mode() -> str | None:
    """The system's transparent huge page setting (``always``, ``madvise``, ``never``)."""
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            text = f.read()
    except OSError:
        return None
    return text[text.index("[") + 1 : text.index("]")]
