"""What does this call touch? The paths, contents and destinations one call would reach.

Each tool (claude_guard/tools/) fills a `TouchSet` from its input; the prompt fills one from its
text, `@mentions` and memory files. The decision then judges the set as a whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from claude_guard.paths import NormalPath, PathError, normalise
from claude_guard.policy.schema import Access

READ_WRITE = (Access.READ, Access.WRITE)


@dataclass(frozen=True, slots=True)
class Touch:
    path: NormalPath
    access: Access
    via: str  # which argument named it, for the explanation


@dataclass(frozen=True, slots=True)
class ContentTarget:
    """Text the call would show the model or write somewhere: given inline or as a file."""

    via: str
    text: str | None = None
    path: NormalPath | None = None
    # For reads of files too large to scan whole: the line window the tool will return.
    first_line: int = 1
    line_limit: int | None = None


@dataclass
class TouchSet:
    home: str  # the user's home, for `~` in the paths added
    touches: list[Touch] = field(default_factory=list)
    contents: list[ContentTarget] = field(default_factory=list)
    # Ways the call sends data off the machine (a URL host, a shell network sender).
    egress: list[str] = field(default_factory=list)
    # Things that could not be worked out completely; the policy's fallback decides them.
    unresolved: list[str] = field(default_factory=list)

    def add_text(self, via: str, text: object) -> None:
        if isinstance(text, str) and text:
            self.contents.append(ContentTarget(via, text=text))

    def add_file(
        self, via: str, path: NormalPath, first_line: int = 1, limit: int | None = None
    ) -> None:
        target = ContentTarget(via, path=path, first_line=first_line, line_limit=limit)
        self.contents.append(target)

    def add(self, raw: str, cwd: str, accesses: tuple[Access, ...], via: str) -> NormalPath | None:
        """Record `raw` as touched; the path, or None if there is none (an unusable path is
        recorded as unresolved, so the policy's fallback decides it)."""
        if not raw:
            return None
        try:
            path = normalise(raw, cwd, self.home)
        except PathError as exc:
            self.unresolved.append(f"{via}: {exc}")
            return None
        for access in accesses:
            self.touches.append(Touch(path, access, via))
        return path

    def add_readable(
        self, raw: str, cwd: str, accesses: tuple[Access, ...], via: str
    ) -> NormalPath | None:
        """`add`, and queue the file's content for a scan when it exists: whatever reads it
        shows the content to the model."""
        path = self.add(raw, cwd, accesses, via)
        if path is not None and path.exists and not path.is_dir:
            self.add_file(via, path)
        return path


@dataclass(frozen=True, slots=True)
class TouchContext:
    """What a tool needs to work out its touches: where the call runs and the policy's bounds."""

    cwd: str
    home: str  # the user's home
    max_walk_entries: int
    # Content a recursive search may reach and still be scanned before the call runs.
    max_scan_bytes: int = 8 * 1024 * 1024


def host_of(destination: str) -> str:
    """The host of a URL or `user@host:path` destination; never credentials, path or query:
    this text ends up in deny reasons and the audit log."""
    match = re.match(
        r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?(?:[^/@\s]*@)?([A-Za-z0-9.\-\[\]]+)", destination
    )
    return match.group(1)[:100] if match else "?"
