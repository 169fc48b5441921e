"""The touches of a prompt: its text, the files its `@path` mentions inline, and the memory files
(CLAUDE.md and their imports) the client sends along. None of them pass through a tool call."""

from __future__ import annotations

import re

from claude_guard.policy.schema import Access
from claude_guard.touches.claude_md import memory_files
from claude_guard.touches.touchset import Touch, TouchSet


def touches_of_prompt(prompt: str, cwd: str, home: str) -> TouchSet:
    """The prompt, the files its `@path` mentions inline, and the memory files (CLAUDE.md and
    their imports) that the client sends along: none of them pass through a tool call."""
    found = TouchSet(home)
    found.add_text("prompt", prompt)
    for memory, via in memory_files(cwd, home):
        found.touches.append(Touch(memory, Access.READ, via))
        if not memory.is_dir:
            found.add_file(via, memory)
    for mention in _MENTION.finditer(prompt):
        raw = mention.group(1).strip('"').split("#", 1)[0].rstrip(".,;:!?)]}'\"")
        path = found.add(raw, cwd, (Access.READ,), "prompt @mention")
        if path is not None and not path.is_dir:
            found.add_file(f"@{path.raw}", path)
    return found


_MENTION = re.compile(r"(?:^|(?<=[\s(\[{'\"]))@(\"[^\"]+\"|[^\s]+)")
