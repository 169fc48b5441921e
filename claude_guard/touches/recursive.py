"""Recursive reads: everything a search or a recursive reader under a directory could open."""

from __future__ import annotations

import os
import re
from typing import Any

import pathspec

from claude_guard.paths import NormalPath
from claude_guard.policy.schema import Access
from claude_guard.touches.touchset import Touch, TouchContext, TouchSet
from claude_guard.touches.walk import walk_files


def recursive_read(
    start: NormalPath,
    ctx: TouchContext,
    found: TouchSet,
    include: pathspec.PathSpec[Any] | None,
    via: str,
) -> None:
    """Everything a recursive reader under `start` could open: path rules for every file,
    and the contents too while they fit the scan budget."""
    walked = walk_files(start, ctx.max_walk_entries, include, ctx.home)
    if walked.truncated:
        entries = (
            f"{walked.entry_bound} entries (directories and links included)"
            if walked.entry_bound
            else f"{ctx.max_walk_entries} entries"
        )
        found.unresolved.append(
            f"{via}: more than {entries} under {start.lexical}; "
            "cannot verify what a recursive read would open"
        )
    reachable = 0
    for file in walked.files:
        found.touches.append(Touch(file, Access.READ, f"{via} (recursive read)"))
        reachable += _size(file)
    if reachable > ctx.max_scan_bytes:
        found.unresolved.append(
            f"{via}: a recursive read would reach {reachable // 1_000_000} MB under "
            f"{start.lexical}, more than the {ctx.max_scan_bytes // 1_000_000} MB that can be "
            "checked first; narrow the path"
        )
        return
    for file in walked.files:
        found.add_file(f"{via} (recursive read)", file)


def _size(path: NormalPath) -> int:
    try:
        return os.path.getsize(path.real) if path.exists and not path.is_dir else 0
    except OSError:
        return 0


def include_spec(glob_value: object) -> pathspec.PathSpec[Any] | None:
    """ripgrep's --glob semantics: gitignore-style; only negations means 'all but these'."""
    if not isinstance(glob_value, str) or not glob_value.strip():
        return None
    globs = _expand_braces(glob_value.strip())
    if all(g.startswith("!") for g in globs):
        globs = ["*", *globs]
    return pathspec.GitIgnoreSpec.from_lines(globs)


def _expand_braces(pattern: str) -> list[str]:
    match = re.search(r"\{([^{}]*)\}", pattern)
    if match is None:
        return [pattern]
    head, tail = pattern[: match.start()], pattern[match.end() :]
    return [e for alt in match.group(1).split(",") for e in _expand_braces(head + alt + tail)]
