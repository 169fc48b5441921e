"""The files a recursive search could open."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pathspec

from claude_guard.fsutil import walk_tree
from claude_guard.paths import NormalPath, normalise


@dataclass(frozen=True, slots=True)
class WalkResult:
    files: list[NormalPath]
    truncated: bool
    # How many entries the walk may visit: what `truncated` refers to when the files did not
    # reach their own bound.
    entry_bound: int = 0


# The policy bounds the files a recursive read may reach. The walk is bounded as well, far
# above that (directories and links count here), so that a tree of nothing but directories
# cannot keep the hook walking; a tree that only passes the file bound is never cut short.
ENTRIES_PER_FILE = 64


def walk_files(
    root: NormalPath, max_entries: int, include: pathspec.PathSpec[Any] | None, home: str
) -> WalkResult:
    """The files a recursive search from `root` could open, up to `max_entries` files.

    Symbolic links met on the way are skipped, as `grep -r` and ripgrep do by default (a link
    named on the command line is still resolved by the caller). Followers such as `grep -R` and
    `rg -L` are left to the output redaction.
    """
    files: list[NormalPath] = []
    seen = 0
    bound = max_entries * ENTRIES_PER_FILE
    walk = walk_tree(root.real, max_entries=bound)
    for entry in walk:
        if entry.depth == 0 or entry.is_dir or entry.is_link:
            continue
        seen += 1
        if seen > max_entries:
            return WalkResult(files, truncated=True)
        rel = os.path.relpath(entry.path, root.real)
        if include is not None and not include.match_file(rel):
            continue
        files.append(normalise(entry.path, root.real, home))
    return WalkResult(files, walk.truncated, bound if walk.truncated else 0)
