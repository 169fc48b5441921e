"""Path normalisation: turn whatever a tool call names into the absolute paths it really touches.

A path is checked under two spellings: the lexical one (absolute, `~`/`$HOME` expanded, `.` and `..`
collapsed, duplicate slashes folded) and the real one (every symlink resolved). A rule that matches
either spelling applies, so `src/link -> ../.env` is caught by its target and a file *named* `.env`
is caught by its name wherever it points.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

_HOME_VAR = re.compile(r"^(\$HOME|\$\{HOME\})(?=/|$)")


class PathError(ValueError):
    """A path that cannot be interpreted safely (e.g. it contains a NUL byte)."""


@dataclass(frozen=True, slots=True)
class NormalPath:
    """One path a call touches, under both spellings."""

    raw: str
    lexical: str
    real: str
    is_dir: bool
    exists: bool = True

    def spellings(self) -> tuple[str, ...]:
        return (self.lexical,) if self.real == self.lexical else (self.lexical, self.real)


def expand_home(raw: str, home: str) -> str:
    """Expand a leading `~`, `~user`, `$HOME` or `${HOME}`; `home` is the user's, from the
    call's context."""
    replaced = _HOME_VAR.sub(lambda _m: home, raw, count=1)
    if replaced != raw:
        return replaced
    if raw == "~" or raw.startswith("~/"):
        return home + raw[1:]
    if raw.startswith("~"):
        return os.path.expanduser(raw)
    return raw


def absolute_joined(raw: str, cwd: str, home: str) -> str:
    """`raw` made absolute against `cwd` with home expanded, but `..` not yet collapsed."""
    if "\x00" in raw or "\x00" in cwd:
        raise PathError("path contains a NUL byte")
    if raw.startswith("file://"):
        raw = raw[len("file://") :]
    expanded = expand_home(raw, home)
    return expanded if expanded.startswith("/") else posixpath.join(cwd or "/", expanded)


def lexical_absolute(raw: str, cwd: str, home: str) -> str:
    """Absolute path with home expanded and `.`/`..`/`//` collapsed, without touching the disk."""
    normal = posixpath.normpath(absolute_joined(raw, cwd, home))
    # POSIX keeps a leading "//" as implementation-defined; for matching it is just "/".
    return "/" + normal.lstrip("/")


def normalise(raw: str, cwd: str, home: str) -> NormalPath:
    """Both spellings of `raw` as seen from `cwd`."""
    joined = absolute_joined(raw, cwd, home)
    lexical = "/" + posixpath.normpath(joined).lstrip("/")
    try:
        # Resolve from the uncollapsed path: the kernel applies `..` after a symlink to the
        # symlink's target, not lexically, and so must we.
        real = os.path.realpath(joined)
    except (OSError, ValueError):
        real = lexical
    is_dir = os.path.isdir(real)
    exists = is_dir or os.path.lexists(real)
    return NormalPath(raw=raw, lexical=lexical, real=real, is_dir=is_dir, exists=exists)


def find_project_root(cwd: str, declared: str | None = None) -> str:
    """The project a call belongs to: the one Claude Code declares ($CLAUDE_PROJECT_DIR, read by
    the entry), else the nearest ancestor of `cwd` holding `.git` or `.claude-guard.yaml`, else
    `cwd` itself."""
    if declared and declared.startswith("/"):
        return os.path.realpath(declared)
    start = Path(os.path.realpath(cwd or "/"))
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists() or (candidate / ".claude-guard.yaml").is_file():
            return str(candidate)
    return str(start)


def is_within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def relative_to(path: str, root: str) -> str | None:
    """`path` relative to `root`, or None when it lies outside."""
    if not is_within(path, root):
        return None
    return posixpath.relpath(path, root) if path != root else "."
