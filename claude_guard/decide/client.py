"""What the entry found out about the client and the installation a call runs in: the client's
version (entry/client_version.py) and, at SessionStart, which posture checks failed
(entry/posture.py). The engine decides with them; it never looks them up itself."""

from __future__ import annotations

from dataclasses import dataclass

UPDATE_HOW = (
    "update Claude Code (`claude update`, or `npm install -g @anthropic-ai/claude-code@latest`) "
    "and start a new session"
)


@dataclass(frozen=True, slots=True)
class PostureProblem:
    check: str  # a doctor check's name, e.g. "managed-drop-in"
    detail: str  # what is wrong (paths and modes, never contents)
    fix: str  # what an administrator does about it


@dataclass(frozen=True, slots=True)
class ClientFacts:
    version: str | None = None  # None: the client's version could not be told
    posture: tuple[PostureProblem, ...] = ()

    def too_old_reason(self, minimum: str) -> str:
        running = f"Claude Code {self.version}" if self.version else "this Claude Code client"
        known = "" if self.version else " (its version could not be determined)"
        return (
            f"{running}{known} is older than {minimum}, the oldest version this organisation's "
            f"policy allows (client.min_version); {UPDATE_HOW}"
        )
