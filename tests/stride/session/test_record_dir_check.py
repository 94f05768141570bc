"""The --record check before a session starts: a folder with something in it is refused
however the path names it, an empty or new one is taken."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.errors import InputError
from stride.session.checks import check_record_dir


@pytest.mark.parametrize("name", ["kept", "new/../kept", "new/deeper/../../kept/"])
def test_a_folder_with_files_is_refused_however_it_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "session.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="already exists and is not empty"):
        check_record_dir(Path(name), force=False)
    check_record_dir(Path(name), force=True)  # --force: the user replaces it knowingly
    assert not (tmp_path / "new").exists()  # a check makes nothing


@pytest.mark.parametrize("name", ["fresh", "new/../fresh", "empty", "new/../empty"])
def test_a_new_or_empty_folder_is_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path)
    check_record_dir(Path(name), force=False)
