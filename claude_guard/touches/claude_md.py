"""Claude Code's memory files (CLAUDE.md and friends) and the files they import.

The client sends these to the model with the first request of a session, and `@path` imports in
them inline other files, with no tool call for a hook to see. UserPromptSubmit runs before that
request, so the prompt hook checks every memory file and import like a read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from claude_guard.paths import NormalPath, PathError, normalise

MAX_IMPORT_DEPTH = 5  # Claude Code follows imports this many hops deep
MAX_MEMORY_FILES = 200
_IMPORT = re.compile(r"(?:^|(?<=\s))@((?:~|\.{1,2})?/?[^\s`'\"<>()]+)")
_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"`[^`\n]*`")


def memory_roots(cwd: str, home: str) -> list[str]:
    """The memory files the client loads at start, those that exist."""
    candidates = [Path("/etc/claude-code/CLAUDE.md"), Path(home) / ".claude" / "CLAUDE.md"]
    candidates += sorted((Path(home) / ".claude" / "rules").glob("*.md"))
    directory = Path(cwd)
    for folder in (directory, *directory.parents):
        candidates += [
            folder / "CLAUDE.md",
            folder / "CLAUDE.local.md",
            folder / ".claude" / "CLAUDE.md",
        ]
        candidates += sorted((folder / ".claude" / "rules").glob("*.md"))
    return [str(c) for c in candidates if c.is_file()]


def memory_files(cwd: str, home: str) -> Iterator[tuple[NormalPath, str]]:
    """Every memory file and every file they import, with how it was reached."""
    seen: set[str] = set()
    queue = [(root, 0, "memory file") for root in memory_roots(cwd, home)]
    while queue and len(seen) < MAX_MEMORY_FILES:
        raw, depth, via = queue.pop(0)
        try:
            path = normalise(raw, cwd, home)
        except PathError:
            continue
        if path.real in seen:
            continue
        seen.add(path.real)
        yield path, via
        if depth >= MAX_IMPORT_DEPTH or path.is_dir or not path.exists:
            continue
        base = str(Path(path.lexical).parent)
        for target in imports_of(path.real):
            queue.append((_resolve(target, base), depth + 1, f"import in {path.lexical}"))


def imports_of(path: str) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")[:1_000_000]
    except OSError:
        return []
    found, in_fence = [], False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if not in_fence:
            found += [
                m.group(1).rstrip(".,;:!?") for m in _IMPORT.finditer(_CODE_SPAN.sub("", line))
            ]
    return found


def _resolve(target: str, base: str) -> str:
    if target.startswith(("/", "~")):
        return target
    return f"{base}/{target}"
