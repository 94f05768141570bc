"""The documents' examples are collected as tests (conftest.py at the root, sybil): here,
that every fenced block says what it is (so no command hides in an untagged block) and that
no document links outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
RUN = {"sh", "python"}  # run by the collector
SHOWN = {"text", "sql", "json", "c", "toml", "yaml", "csv", "ini"}  # shown, not run


def _fences(text: str) -> list[tuple[int, str]]:
    """(line, info string) of every opening fence."""
    out, inside = [], False
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"^(\s*)```(.*)$", line)
        if m:
            if not inside:
                out.append((n, m.group(2).strip()))
            inside = not inside
    return out


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_fenced_block_names_its_language(doc: Path) -> None:
    bad = [
        f"{doc.name}:{n}: {info or '(none)'}"
        for n, info in _fences(doc.read_text(encoding="utf-8"))
        if info.split(" ")[0] not in RUN | SHOWN
    ]
    assert not bad, "tag each block sh/python (run) or text/sql/... (shown): " + ", ".join(bad)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_no_command_hides_in_a_block_shown_as_text(doc: Path) -> None:
    # a command in a ```text block is never run: it goes in ```sh (with a skip directive
    # saying why, where it needs hardware); a synopsis, with its [OPTIONS], stays text
    bad, info = [], None
    for n, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
        m = re.match(r"^\s*```(.*)$", line)
        if m:
            info = m.group(1).strip() if info is None else None
        elif (
            info == "text"
            and re.match(r"^\s*(\$ |stride |python |pip |pytest\b)", line)
            and "[" not in line
        ):
            bad.append(f"{doc.name}:{n}: {line.strip()[:60]}")
    assert not bad, "commands shown as text, not run: " + ", ".join(bad)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_links_stay_inside_the_repository(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)", text):
        if "://" in target or target.startswith("mailto:"):
            continue
        path = (doc.parent / target).resolve()
        assert path.is_relative_to(REPO), f"{doc.name} links outside the repository: {target}"
        assert path.exists(), f"{doc.name} links to a missing file: {target}"
    assert "../shared" not in text, f"{doc.name} refers to ../shared"


def test_the_code_names_only_documents_in_the_repository() -> None:
    # a reader of a module follows the document it cites: it must be in the clone (the
    # treadmill drivers once cited ../shared/docs/protocols.md, outside it)
    code = [
        p
        for folder in ("stride", "devices", "sim", "benchmarks", "firmware")
        for p in sorted((REPO / folder).rglob("*"))
        if p.suffix in {".py", ".ino", ".h", ".c", ".cpp"}
    ]
    bad = []
    for path in code:
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(REPO)
        if "../shared" in text:
            bad.append(f"{where}: refers to ../shared")
        for name in re.findall(r"(?<![\w/.-])((?:docs/)?[\w-]+\.md)\b", text):
            if not (REPO / "docs" / Path(name).name).exists() and not (REPO / name).exists():
                bad.append(f"{where}: names {name}, not in the repository")
    assert not bad, "; ".join(bad)


def test_extras_are_installed_from_the_checkout() -> None:
    # "stride" on PyPI is another project: an extra is `pip install ".[dask]"` from the
    # checkout, never `pip install "stride[dask]"` (once in docs/recovery.md, docs/view.md
    # and the --view error's fix)
    files = DOCS + [
        p for folder in ("stride", "devices", "sim") for p in sorted((REPO / folder).rglob("*.py"))
    ]
    bad = [
        f"{p.relative_to(REPO)}: {m.group(0)}"
        for p in files
        for m in re.finditer(r"pip install\s+['\"]?stride\[\w+\]", p.read_text(encoding="utf-8"))
    ]
    assert not bad, "; ".join(bad)


def _cells(row: str) -> int:
    """A Markdown table row's cells: a "|" inside a code span splits it too unless escaped."""
    return len(re.split(r"(?<!\\)\|", row.strip().strip("|")))


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_table_row_has_its_header_s_cells(doc: Path) -> None:
    # a row with more cells loses the last ones as it is shown (README's course-mode row lost
    # three of its --variant names, split at `end-final|end-learning`); with fewer, its
    # command lands in the figures' column
    bad, header, inside = [], None, False
    for n, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith("```"):
            inside = not inside
        if inside or not line.startswith("|"):
            header = None
            continue
        if header is None:
            header = _cells(line)
        elif _cells(line) != header:
            bad.append(f"{doc.name}:{n}: {_cells(line)} cells, the header {header}")
    assert not bad, "escape a | inside a cell as \\|: " + "; ".join(bad)
