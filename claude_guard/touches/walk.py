"""The files a recursive search could open."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pathspec

from claude_guard.paths import NormalPath, normalise


@dataclass(frozen=True, slots=True)
class WalkResult:
    files: list[NormalPath]
    truncated: bool


def walk_files(
    root: NormalPath, max_entries: int, include: pathspec.PathSpec[Any] | None, home: str
) -> WalkResult:
    """The files a recursive search from `root` could open, up to `max_entries` entries.

    Symbolic links met on the way are skipped, as `grep -r` and ripgrep do by default (a link
    named on the command line is still resolved by the caller). Followers such as `grep -R` and
    `rg -L` are left to the output redaction.
    """
    files: list[NormalPath] = []
    seen = 0
    for entry_path in _scan(root.real):
        seen += 1
        if seen > max_entries:
            return WalkResult(files, truncated=True)
        rel = os.path.relpath(entry_path, root.real)
        if include is not None and not include.match_file(rel):
            continue
        files.append(normalise(entry_path, root.real, home))
    return WalkResult(files, truncated=False)


def _scan(directory: str) -> Iterator[str]:
    stack = [directory]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    if entry.is_symlink():
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    else:
                        yield entry.path
        except OSError:
            # Unreadable directories cannot be searched by the tool either.
            continue
