"""The PhysioNet records shipped under data/physionet are the published ones: every file has
the checksum in SHA256SUMS, none is missing or extra, the licence and citation are stated,
and (where the validation folder ../shared/data exists) they are byte-identical to it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PHYSIONET_DATA = REPO / "data" / "physionet"
#: The validation folder beside the repository (or a worktree's parent), where present.
SHARED_DATA = next(
    (p / "shared" / "data" for p in REPO.parents if (p / "shared" / "data").is_dir()),
    REPO.parent / "shared" / "data",
)


def _sums() -> dict[str, str]:
    lines = (PHYSIONET_DATA / "SHA256SUMS").read_text().splitlines()
    return {name: digest for digest, name in (line.split(maxsplit=1) for line in lines)}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_shipped_file_matches_its_checksum_and_none_is_extra() -> None:
    sums = _sums()
    assert len([n for n in sums if n.endswith(".hea")]) == 33
    assert len([n for n in sums if n.startswith("gaitpdb/GaCo")]) == 4
    on_disk = {
        str(p.relative_to(PHYSIONET_DATA))
        for d in ("gaitndd", "gaitpdb")
        for p in (PHYSIONET_DATA / d).rglob("*")
        if p.is_file()
    }
    assert on_disk == set(sums)
    bad = [n for n, digest in sums.items() if _sha256(PHYSIONET_DATA / n) != digest]
    assert bad == []


def test_licence_citation_and_method_are_shipped() -> None:
    readme = (PHYSIONET_DATA / "README.md").read_text()
    for needed in ("ODC-By 1.0", "opendatacommons.org/licenses/by/1-0", "Hausdorff JM",
                   "Goldberger AL", "Frenkel-Toledo"):  # fmt: skip
        assert needed in readme
    method = (PHYSIONET_DATA / "gaitndd_compare.py").read_text().splitlines(keepends=True)
    assert method[0].startswith("# Provenance")
    original = "".join(method[3:]).encode()
    # the method is the original file below its three-line provenance note
    assert hashlib.sha256(original).hexdigest() in readme


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"{SHARED_DATA} absent: nothing to compare")
def test_shipped_copies_equal_the_validation_folder() -> None:
    for name in _sums():
        assert _sha256(SHARED_DATA / name) == _sha256(PHYSIONET_DATA / name), name
    method = (PHYSIONET_DATA / "gaitndd_compare.py").read_text().splitlines(keepends=True)
    assert "".join(method[3:]) == (SHARED_DATA / "gaitndd_compare.py").read_text()
