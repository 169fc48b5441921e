"""Bash: a shell command. What it reads, writes and sends comes from the shell analysis."""

from __future__ import annotations

from typing import Any, ClassVar

from claude_guard.policy.schema import Access
from claude_guard.shell import analyse
from claude_guard.tools.base import Tool, ToolInput, register
from claude_guard.touches.recursive import recursive_read
from claude_guard.touches.touchset import TouchContext, TouchSet, host_of


class BashInput(ToolInput):
    command: str
    description: str | None = None
    timeout: int | None = None
    run_in_background: bool | None = None


@register
class Bash(Tool):
    """Response: {stdout, stderr, interrupted, isImage, noOutputExpected} (stderr arrives merged
    into stdout; over ~30 KB the client persists the ORIGINAL to tool-results/<id>.txt before
    hooks run and shows the model a 2 KB preview)."""

    names = ("Bash",)
    input_model: ClassVar[type[ToolInput] | None] = BashInput
    output_keys: ClassVar[tuple[str, ...]] = ("stdout", "stderr")

    def touches(self, tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
        command = str(tool_input.get("command", ""))
        found.add_text("command", command)
        analysis = analyse(command, ctx.cwd, ctx.home)
        for access in analysis.accesses:
            via = f"command ({access.via})"
            if access.mode == "write":
                found.add(access.path, ctx.cwd, (Access.WRITE,), via)
                continue
            found.add_readable(access.path, ctx.cwd, (Access.READ,), via)
        for directory in analysis.recursive_reads:
            start = found.add(directory, ctx.cwd, (Access.READ,), "command (recursive read)")
            if start is not None and start.is_dir:
                recursive_read(start, ctx, found, None, "command")
        if analysis.env_dump:
            # The environment holds tokens: treated as a read of the process environment, so
            # the policy's rule for /proc/*/environ decides.
            found.add("/proc/self/environ", ctx.cwd, (Access.READ,), "command (environment dump)")
        # Only the host: a destination URL can carry a token in its path or query.
        found.egress.extend(
            f"{e.kind} to {host_of(e.destination or '')} via {e.via}" for e in analysis.egress
        )
        found.unresolved.extend(f"command: {reason}" for reason in analysis.unanalysable)
        for code in analysis.inline_code:
            found.add_text("command (inline code)", code)
