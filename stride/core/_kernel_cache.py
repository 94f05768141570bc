"""numba's on-disk cache (``cache=True``) stamped with every source a package's kernels
are compiled from, so that no kernel runs machine code compiled from older source.

numba stamps a kernel's cache with the one file that defines it, though the machine code
also holds the kernels, overloads, intrinsics and constants it took from other modules
(numba issues #1833, #9483). An edit, ``git pull`` or branch switch that changed only
those modules left an editable install running the old code, with different results.

:func:`cover` wraps each cache locator numba chooses from (so the cache stays where numba
puts it: ``NUMBA_CACHE_DIR``, the source's ``__pycache__``, the user-wide folder) and
changes only its source stamp: a kernel defined in one of the package's kernel sources is
stamped with numba's own stamp and a digest of all of them (read once per process), so a
change to any of them recompiles the package's kernels on the next run and a change to
a module without kernels none. A ``NUMBA_CACHE_LOCATOR_CLASSES`` setting replaces the
locators numba chooses from, this wrapping included.

This file is the same in ``stride/core`` and ``devices`` (neither package may import the
other; a test keeps them equal). Each package calls :func:`cover` from its
``_kernel_options``, which every kernel module imports before its first kernel: numba
reads the stamp when the ``@njit(cache=True)`` decorator runs. Each also calls
:func:`quicker_flags` (a first run's compile, not the cache).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from typing import Any


def _norm(path: str) -> str:
    """The path as compared (a string operation: no file system call per kernel)."""
    return os.path.normcase(os.path.abspath(path))


def cover(root: str, sources: Iterable[str]) -> None:
    """Stamp the cache of every kernel defined in ``sources`` (paths below ``root``) with
    the content of all of them, besides numba's own stamp of its file."""
    from numba.core import caching

    names = sorted(sources)
    files = frozenset(_norm(os.path.join(root, s)) for s in names)
    impl: Any = vars(caching).get("CacheImpl") or vars(caching)["_CacheImpl"]  # numba < 0.61
    if any(vars(k).get("covers") == files for c in impl._locator_classes for k in c.__mro__):
        return  # this package's sources are covered already (a module reloaded)
    digest: list[bytes] = []  # computed once, at the first kernel of the package

    def extra() -> bytes:
        if not digest:
            digest.append(_digest(root, names))
        return digest[0]

    impl._locator_classes = [_covering(c, files, extra) for c in impl._locator_classes]


def _covering(base: type, files: frozenset[str], extra: Callable[[], bytes]) -> type:
    """``base`` with the stamp of a kernel defined in ``files`` extended by ``extra()``."""

    def get_source_stamp(self: Any) -> Any:
        stamp = base.get_source_stamp(self)  # type: ignore[attr-defined]
        path = getattr(self, "_py_file", None)  # numba's file-backed locators
        if isinstance(path, str) and _norm(path) in files:
            return (stamp, extra())
        return stamp

    attrs = {"get_source_stamp": get_source_stamp, "covers": files, "__module__": __name__}
    return type(base.__name__, (base,), attrs)


def _digest(root: str, names: list[str]) -> bytes:
    """SHA-256 of the files' names (below ``root``) and contents (a missing file counts
    as empty): the same for a checkout moved elsewhere."""
    h = hashlib.sha256()
    for name in names:
        h.update(name.encode() + b"\0")
        try:
            with open(os.path.join(root, name), "rb") as f:
                h.update(f.read())
        except OSError:
            pass
        h.update(b"\0")
    return h.digest()


def quicker_flags() -> None:
    """numba's compile flags hashed once per class and compared by what is set, instead
    of through all their options at every look-up.

    During type inference numba looks up each call's implementation in a cache keyed by
    the compile's flags. Hashing them (``TargetConfig.__hash__``) builds a dict of all
    ~40 options and sorts it, and a look-up that meets another flags object of the same
    options compares the two such dicts (``__eq__``): in a first run of ``stride
    analyze``, about 25,000 hashes in the command's share and 30,000 in its helper's
    (0.26 s and 0.57 s of CPU), and 32,000 comparisons in the helper's. numba's hash
    sorts the dict's keys, the class's option names, so it is one value per class: it is
    computed once per class. Two flags of one class holding the same options set compare
    by those values alone (an option not set holds its default in both); any other pair
    as numba compares them. The same results either way. Left as it is where numba's
    flags hash their values (checked on two that differ) or keep them elsewhere."""
    from numba.core import targetconfig
    from numba.core.compiler import Flags

    base = targetconfig.TargetConfig
    if getattr(base.__hash__, "once_per_class", False):
        return
    plain, other = Flags(), Flags()
    other.nrt = not plain.nrt  # type: ignore[misc,assignment]
    if hash(plain) != hash(other) or "_values" not in getattr(base, "__slots__", ()):
        return
    original_hash, original_eq = base.__hash__, base.__eq__
    hashes: dict[type, int] = {}

    def once(self: Any) -> int:
        h = hashes.get(type(self))
        if h is None:
            h = hashes[type(self)] = original_hash(self)
        return h

    def same(self: Any, other: Any) -> Any:
        if type(other) is type(self):
            mine, theirs = self._values, other._values
            if mine.keys() == theirs.keys():
                return mine == theirs
        return original_eq(self, other)

    once.once_per_class = True  # type: ignore[attr-defined]
    base.__hash__ = once  # type: ignore[method-assign]
    base.__eq__ = same  # type: ignore[method-assign]
