"""The client's helper tools: task lists, plan mode, worktrees, cron, skills, background shells.

claude-guard does not model their inputs: each call is handled like any unmodelled tool (every
path-like argument checked, every string scanned, the output redacted generically), and whether
it may run at all is the policy's `tools:` decision (the default policy allows them by name).
They are registered so that the list of what the client offers is written down in one place.
"""

from __future__ import annotations

from claude_guard.tools.base import UnmodelledTool, register


@register
class HelperTool(UnmodelledTool):
    names = (
        "TodoWrite",
        "TaskCreate",
        "TaskUpdate",
        "TaskList",
        "TaskGet",
        "TaskStop",
        "TaskOutput",
        "CronCreate",
        "CronDelete",
        "CronList",
        "BashOutput",
        "KillShell",
        "KillBash",
        "ExitPlanMode",
        "EnterPlanMode",
        "EnterWorktree",
        "ExitWorktree",
        "AskUserQuestion",
        "ToolSearch",
        "Skill",
        "SlashCommand",
        "SendMessage",
        "Sleep",
        "LSP",
        "ListMcpResourcesTool",
        "ReadMcpResourceTool",
    )
