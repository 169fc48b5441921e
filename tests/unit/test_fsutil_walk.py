"""fsutil.walk_tree: one bounded tree walk with one rule for links (never followed below the
root, as find, grep -r and ripgrep do by default)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from claude_guard.fsutil import TreeEntry, walk_tree


def _tree(root: Path) -> None:
    (root / "a" / "b").mkdir(parents=True)
    (root / "top.txt").write_text("x")
    (root / "a" / "mid.txt").write_text("x")
    (root / "a" / "b" / "deep.txt").write_text("x")


def _relative(root: Path, entries: list[TreeEntry]) -> dict[str, tuple[int, bool, bool]]:
    return {os.path.relpath(e.path, root): (e.depth, e.is_dir, e.is_link) for e in entries}


def test_every_entry_with_its_depth_root_first(tmp_path: Path) -> None:
    _tree(tmp_path)
    walk = walk_tree(str(tmp_path), max_entries=100)
    entries = list(walk)
    assert entries[0] == TreeEntry(str(tmp_path), 0, True, False)
    assert _relative(tmp_path, entries) == {
        ".": (0, True, False),
        "top.txt": (1, False, False),
        "a": (1, True, False),
        "a/mid.txt": (2, False, False),
        "a/b": (2, True, False),
        "a/b/deep.txt": (3, False, False),
    }
    assert not walk.truncated


def test_links_are_reported_and_not_followed(tmp_path: Path) -> None:
    _tree(tmp_path / "tree")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("x")
    (tmp_path / "tree" / "to_outside").symlink_to(outside, target_is_directory=True)
    (tmp_path / "tree" / "loop").symlink_to(tmp_path / "tree", target_is_directory=True)
    (tmp_path / "tree" / "to_file").symlink_to(outside / "secret.txt")
    found = _relative(tmp_path / "tree", list(walk_tree(str(tmp_path / "tree"), max_entries=100)))
    assert found["to_outside"] == (1, False, True)
    assert found["loop"] == (1, False, True)
    assert found["to_file"] == (1, False, True)
    assert not any("secret" in name for name in found)
    assert len(found) == 9


def test_a_root_that_is_a_link_is_followed(tmp_path: Path) -> None:
    _tree(tmp_path / "real")
    (tmp_path / "named").symlink_to(tmp_path / "real", target_is_directory=True)
    entries = list(walk_tree(str(tmp_path / "named"), max_entries=100))
    assert entries[0] == TreeEntry(str(tmp_path / "named"), 0, True, True)
    assert str(tmp_path / "named" / "a" / "b" / "deep.txt") in {e.path for e in entries}


def test_max_depth_stops_descending(tmp_path: Path) -> None:
    _tree(tmp_path)
    depth_one = _relative(tmp_path, list(walk_tree(str(tmp_path), max_entries=100, max_depth=1)))
    assert set(depth_one) == {".", "top.txt", "a"}
    root_only = list(walk_tree(str(tmp_path), max_entries=100, max_depth=0))
    assert [e.path for e in root_only] == [str(tmp_path)]


@pytest.mark.parametrize("limit", [1, 3, 5])
def test_max_entries_cuts_the_walk_and_says_so(tmp_path: Path, limit: int) -> None:
    _tree(tmp_path)  # six entries with the root
    walk = walk_tree(str(tmp_path), max_entries=limit)
    assert len(list(walk)) == limit
    assert walk.truncated


def test_exactly_max_entries_is_not_truncated(tmp_path: Path) -> None:
    _tree(tmp_path)
    walk = walk_tree(str(tmp_path), max_entries=6)
    assert len(list(walk)) == 6
    assert not walk.truncated


def test_a_missing_root_gives_nothing(tmp_path: Path) -> None:
    walk = walk_tree(str(tmp_path / "absent"), max_entries=10)
    assert list(walk) == []
    assert not walk.truncated


def test_a_file_root_is_the_only_entry(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("x")
    entries = list(walk_tree(str(tmp_path / "f.txt"), max_entries=10))
    assert entries == [TreeEntry(str(tmp_path / "f.txt"), 0, False, False)]


def test_an_unreadable_directory_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(tmp_path)
    locked = str(tmp_path / "a" / "b")
    real_scandir = os.scandir

    def scandir(path: str) -> object:  # chmod 0 does not stop root: refuse the listing here
        if path == locked:
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = _relative(tmp_path, list(walk_tree(str(tmp_path), max_entries=100)))
    assert "a/b" in found and "a/b/deep.txt" not in found
    assert "a/mid.txt" in found


def test_pruned_directories_are_reported_but_not_entered(tmp_path: Path) -> None:
    (tmp_path / ".git" / "objects").mkdir(parents=True)
    (tmp_path / ".git" / "config").write_text("x")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("x")
    found = _relative(
        tmp_path, list(walk_tree(str(tmp_path), max_entries=100, prune=frozenset({".git"})))
    )
    assert ".git" in found and "src/a.py" in found
    assert ".git/config" not in found and ".git/objects" not in found
