"""report/archive.py's EditionWriter on its own: revisions, never an overwrite, all or nothing, the sweep."""

from __future__ import annotations

import os
import time

import pytest

from report import archive
from report.archive import MANIFEST, EditionWriter
from report.errors import ArchiveError

FILES = {"figures.json": b'{"figures": []}\n', "liquidity-brief-2025-12-08.html": b"<html></html>"}


def meta(name: str = "2025-12-08", **extra: str) -> dict:
    """Manifest data of the shape the archive checks."""
    base = {"edition": name, "as_of": "2025-12-08", "built_at": "2025-12-08T07:00:00+00:00"}
    return {**base, "langs": ["zh-Hant", "en"], "formats": ["html"], **extra}


def test_commit_writes_the_files_and_a_manifest_that_verifies(tmp_path):
    w = EditionWriter(tmp_path)
    w.prepare()
    ref = w.commit("2025-12-08", FILES, meta())
    assert ref.name == "2025-12-08" and ref.revision == 1
    assert {p.name for p in ref.folder.iterdir()} == {*FILES, MANIFEST}
    assert archive.verify(ref.folder) == []
    assert ref.manifest()["as_of"] == "2025-12-08"
    assert [p.name for p in ref.files()][-1] == MANIFEST
    assert [p.name for p in tmp_path.joinpath("editions").iterdir()] == ["2025-12-08"]  # no temp folder left


def test_next_name_counts_revisions(tmp_path):
    w = EditionWriter(tmp_path)
    w.prepare()
    assert w.next_name("2025-12-08") == "2025-12-08"
    w.commit("2025-12-08", FILES, meta())
    assert w.next_name("2025-12-08") == "2025-12-08.r2"
    w.commit("2025-12-08.r2", FILES, meta("2025-12-08.r2"))
    assert w.next_name("2025-12-08") == "2025-12-08.r3"
    assert w.existing("2025-12-08").name == "2025-12-08.r2"


def test_an_edition_that_appears_meanwhile_is_never_replaced(tmp_path):
    w = EditionWriter(tmp_path)
    w.prepare()
    name = w.next_name("2025-12-08")
    first = w.commit(name, FILES, meta(who="first"))  # another build took the name
    with pytest.raises(ArchiveError, match="appeared"):
        w.commit(name, {"figures.json": b"{}"}, meta(who="second"))
    assert first.manifest()["who"] == "first" and archive.verify(first.folder) == []
    assert [p.name for p in w.root.iterdir()] == ["2025-12-08"]


def test_a_failed_commit_leaves_nothing(tmp_path):
    w = EditionWriter(tmp_path)
    w.prepare()
    with pytest.raises(ArchiveError, match="writing the edition"):
        w.commit("2025-12-08", {**FILES, "no/such/folder.json": b"{}"}, meta())
    assert list(w.root.iterdir()) == []


def test_sweep_removes_only_stale_temp_folders(tmp_path):
    w = EditionWriter(tmp_path)
    w.prepare()
    stale, fresh = w.root / ".2025-12-01.tmp-abc", w.root / ".2025-12-08.tmp-def"
    stale.mkdir()
    fresh.mkdir()
    old = time.time() - archive.STALE_SECONDS - 5
    os.utime(stale, (old, old))
    w.sweep()
    assert not stale.exists() and fresh.exists()


def test_an_output_folder_that_cannot_be_made_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ArchiveError, match="cannot create the output folder"):
        EditionWriter(blocker / "out").prepare()
