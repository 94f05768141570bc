"""numba's cache never runs a kernel compiled from older source: every module a kernel's
machine code may hold is in its package's ``KERNEL_SOURCES``, whose content stamps the
cache (``_kernel_cache``)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import devices
import stride
from devices import _kernel_options as devices_options
from stride.core import _kernel_options as core_options

#: decorators that put code into a compiled kernel
NUMBA_DECORATORS = {"njit", "jit", "intrinsic", "overload", "overload_method",
                    "overload_attribute", "register_jitable", "generated_jit", "vectorize",
                    "guvectorize", "cfunc", "stencil"}  # fmt: skip

PACKAGES = [
    (Path(stride.__file__).parent, core_options.KERNEL_SOURCES),
    (Path(devices.__file__).parent, devices_options.KERNEL_SOURCES),
]

ONSET = (
    "from stride.core._contact_bounds import onset_time\n"
    "print(onset_time(0.0, 1.0, 0.0, 1.0, 0.5, 0.1, 0.0))\n"
)
CROSSING = "    return t0 + frac * (t1 - t0)\n"


def _decorator_name(node: ast.expr) -> str:
    node = node.func if isinstance(node, ast.Call) else node
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def _numba_lines(tree: ast.Module) -> list[int]:
    """Lines of the module's numba decorators (kernels, overloads, intrinsics)."""
    return [d.lineno for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
            for d in node.decorator_list if _decorator_name(d) in NUMBA_DECORATORS]  # fmt: skip


def _imported(tree: ast.Module, root: Path) -> dict[str, int]:
    """Module-level imports from the same package: file below ``root`` -> line."""
    found: dict[str, int] = {}
    for node in tree.body:
        mods = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            mods = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            mods = [a.name for a in node.names]
        for mod in mods:
            parts = mod.split(".")
            if parts[0] != root.name:
                continue
            for rel in ("/".join(parts[1:]) + ".py", "/".join([*parts[1:], "__init__.py"])):
                if (root / rel).is_file():
                    found.setdefault(rel, node.lineno)
    return found


@pytest.mark.parametrize(("root", "sources"), PACKAGES, ids=["stride", "devices"])
def test_every_module_kernels_depend_on_is_covered(root: Path, sources: tuple[str, ...]) -> None:
    """A module defining numba code, or imported by one, missing from KERNEL_SOURCES would
    let an edit to it leave stale kernels in the cache; a kernel decorated before
    ``_kernel_options`` is imported would be stamped by numba alone."""
    assert all((root / s).is_file() for s in sources), "KERNEL_SOURCES names a missing file"
    needed: set[str] = set()
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        lines = _numba_lines(tree)
        if not lines:
            continue
        imports = _imported(tree, root)
        needed |= {rel, *imports}
        if "cache=True" in path.read_text(encoding="utf-8"):
            options = imports.get("_kernel_options.py") or imports.get("core/_kernel_options.py")
            assert options is not None and options < min(lines), rel
    missing = sorted(needed - set(sources) - {"__init__.py"})
    assert not missing, f"add to KERNEL_SOURCES: {missing}"


def test_the_two_copies_of_the_cache_stamp_are_the_same() -> None:
    core = Path(stride.__file__).parent / "core" / "_kernel_cache.py"
    assert core.read_bytes() == (Path(devices.__file__).parent / "_kernel_cache.py").read_bytes()


def test_numba_flags_hash_and_compare_as_numba_hashes_and_compares_them() -> None:
    """Importing a kernel module has numba's flags hashed once per class and compared by
    the options set (both done at every implementation look-up during type inference):
    the hash numba's own formula gives and the comparison numba's own makes, for flags
    whatever they hold, so a dict keyed by flags finds what it found before."""
    from numba.core import targetconfig
    from numba.core.compiler import Flags

    import devices._kernel_options  # noqa: F401
    import stride.core._kernel_options  # noqa: F401

    assert getattr(targetconfig.TargetConfig.__hash__, "once_per_class", False)
    plain, other, same, default_set = Flags(), Flags(), Flags(), Flags()
    other.nrt, other.error_model, other.boundscheck = True, "numpy", True
    same.nrt, same.error_model, same.boundscheck = True, "numpy", True
    default_set.nrt = Flags().nrt  # set, to the value it holds when not set
    flags = (plain, other, same, default_set)
    for a in flags:
        assert hash(a) == hash(tuple(sorted(a.values())))  # numba's formula
        for b in flags:
            assert (a == b) is (a.values() == b.values())  # numba's comparison
    assert other == same and plain == default_set and plain != other
    by_flags = {plain: "plain", other: "other"}
    assert by_flags[same] == "other" and by_flags[default_set] == by_flags[Flags()] == "plain"


def test_covered_kernels_keep_numba_cache_folder_and_add_to_its_stamp() -> None:
    from numba.core import caching

    from stride.core import _contact_bounds

    kernel = _contact_bounds.onset_time
    ours = kernel._cache._impl.locator  # the locator numba chose for it
    standard = next(c for c in type(ours).__mro__ if c.__module__ == caching.__name__)
    theirs = standard(kernel.py_func, kernel.py_func.__code__.co_filename)
    assert ours.get_cache_path() == theirs.get_cache_path()
    assert ours.get_source_stamp() != theirs.get_source_stamp()
    assert ours.get_source_stamp()[0] == theirs.get_source_stamp()
    # a function outside the kernel sources keeps numba's own stamp
    mine = type(ours)(_numba_lines, __file__).get_source_stamp()
    assert mine == standard(_numba_lines, __file__).get_source_stamp()


def _run(copy: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", ONSET], capture_output=True, text=True,
                          cwd=copy, env=env, check=True)  # fmt: skip


@pytest.mark.slow
def test_an_edit_to_a_callee_module_recompiles_its_callers(tmp_path: Path) -> None:
    """The stale-cache case end to end: a kernel cached, then a kernel it inlines from
    another module changed, so the result changes: the next run gives the new result (numba
    alone returned the cached old one). An edit to a module without kernels loads the
    cache as before."""
    copy = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc")
    for package in (stride, devices):
        shutil.copytree(Path(str(package.__file__)).parent, copy / package.__name__, ignore=ignore)
    env = {**os.environ, "PYTHONPATH": str(copy), "NUMBA_CACHE_DIR": str(tmp_path / "cache"),
           "NUMBA_DEBUG_CACHE": "1"}  # fmt: skip
    first = _run(copy, env)
    assert first.stdout.splitlines()[-1] == "0.5"
    assert "data saved" in first.stdout
    assert "data loaded" in _run(copy, env).stdout  # cached, as before

    summary = copy / "stride" / "core" / "summary.py"
    summary.write_text(summary.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    unrelated = _run(copy, env)
    assert "data loaded" in unrelated.stdout and "data saved" not in unrelated.stdout

    state = copy / "stride" / "core" / "_contact_state.py"
    text = state.read_text(encoding="utf-8")
    assert CROSSING in text  # _crossing's result, which onset_time inlines
    state.write_text(text.replace(CROSSING, CROSSING[:-1] + " + 100.0\n"), encoding="utf-8")
    edited = _run(copy, env)
    assert edited.stdout.splitlines()[-1] == "100.5"
