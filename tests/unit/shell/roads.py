"""Helpers of the shell analysis tests: run a command in the sandbox (conftest.py) and ask
whether it reached a protected file."""

from __future__ import annotations

import os

from claude_guard.shell import ShellAnalysis, analyse


def run(sandbox: tuple[str, str], command: str) -> ShellAnalysis:
    cwd, home = sandbox
    return analyse(command.replace("HOME/", home + "/"), cwd, home)


def reached(analysis: ShellAnalysis, path: str) -> bool:
    """The path is reported read, or something is sent out, or the command is not followed."""
    read = any(os.path.normpath(a.path) == path for a in analysis.accesses)
    return read or bool(analysis.egress) or bool(analysis.unanalysable)


def env(sandbox: tuple[str, str]) -> str:
    return sandbox[0] + "/.env"


def key(sandbox: tuple[str, str]) -> str:
    return sandbox[1] + "/.ssh/id_rsa"
