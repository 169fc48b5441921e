"""The `claude-guard` command line: one entry of the shape (the hook and the service are the
others). `main` is the console script."""

from claude_guard.cli.main import main

__all__ = ["main"]
