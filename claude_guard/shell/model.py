"""The answer of the shell analysis, and the accumulator it is built in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

# Hard caps: over any of them the command is reported unanalysable instead of followed.
MAX_COMMAND_CHARS = 100_000
MAX_NESTING = 12  # bash -c inside eval inside $(...) ...
MAX_NODE_DEPTH = 150  # syntax tree depth (deeply nested parentheses)
MAX_STEPS = 20_000  # nodes and commands visited in one analysis
MAX_FIELDS = 512  # fields one word may expand to (braces x globs x loop values)
MAX_STATIC_BYTES = 64 * 1024  # file content read to follow `cat list | xargs ...`, sourced scripts
MAX_WALK_ENTRIES = 5_000  # entries `find` may visit before it becomes a recursive read
MAX_GLOB_COMPONENTS = 4  # path components with wildcards in one glob (`*/*/*/*`)
MAX_SECONDS = 0.5  # wall-clock budget for one analysis; the hook's own deadline is longer

Mode = Literal["read", "write"]

_SAFE_NAME = re.compile(r"[A-Za-z0-9_.+\-\[]{1,40}")


def safe_name(name: str) -> str:
    """A command name fit for a `via` or reason text; anything odd is not repeated."""
    return name if _SAFE_NAME.fullmatch(name) else "command"


@dataclass(frozen=True)
class FileAccess:
    path: str  # absolute, as the shell would resolve it (`..` kept; the caller folds it)
    mode: Mode
    via: str


@dataclass(frozen=True)
class Egress:
    kind: str
    destination: str | None
    via: str


@dataclass(frozen=True)
class ShellAnalysis:
    accesses: tuple[FileAccess, ...]
    egress: tuple[Egress, ...]
    env_dump: bool
    recursive_reads: tuple[str, ...]
    unanalysable: tuple[str, ...]
    inline_code: tuple[str, ...]

    @property
    def clean(self) -> bool:
        """Nothing that needs the policy beyond the path rules: no egress, dump or blind spot."""
        return not (self.egress or self.env_dump or self.unanalysable)


class TooComplex(Exception):
    """A hard cap was reached; the message is a fixed, value-free reason."""


@dataclass
class Findings:
    """Mutable accumulator; each list keeps first-seen order without duplicates."""

    accesses: dict[FileAccess, None] = field(default_factory=dict)
    egress: dict[Egress, None] = field(default_factory=dict)
    env_dump: bool = False
    recursive_reads: dict[str, None] = field(default_factory=dict)
    unanalysable: dict[str, None] = field(default_factory=dict)
    inline_code: dict[str, None] = field(default_factory=dict)

    def access(self, path: str, mode: Mode, via: str) -> None:
        self.accesses[FileAccess(path, mode, via)] = None

    def send(self, kind: str, destination: str | None, via: str) -> None:
        self.egress[Egress(kind, destination, via)] = None

    def blind(self, reason: str) -> None:
        self.unanalysable[reason] = None

    def freeze(self) -> ShellAnalysis:
        return ShellAnalysis(
            accesses=tuple(self.accesses),
            egress=tuple(self.egress),
            env_dump=self.env_dump,
            recursive_reads=tuple(self.recursive_reads),
            unanalysable=tuple(self.unanalysable),
            inline_code=tuple(self.inline_code),
        )
