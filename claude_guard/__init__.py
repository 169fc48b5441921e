"""claude-guard: a policy enforcement agent for Claude Code hooks."""

__version__ = "0.1.0"
