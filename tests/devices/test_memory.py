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
