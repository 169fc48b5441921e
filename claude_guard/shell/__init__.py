"""Shell-command analysis for the Bash tool: every file a command line would read or write,
everything it would send out, and what could not be followed, worked out before it runs.

    analyse("F=.env; cat $F", cwd="/p", home="/h").accesses
    -> (FileAccess(path='/p/.env', mode='read', via='cat'),)

The command is parsed with tree-sitter-bash and interpreted symbolically (see `interp`): words
are expanded like bash does (quotes, escapes, variables, braces, `~`, globs against the real
directory), `cd` moves later words, wrappers and `bash -c`/`eval` are followed into what they
run, and each command's handler (`commands/`) knows which words it reads, writes or sends.
Nothing is ever executed. This function never raises: a parse failure, a cap, or an internal
error becomes a value-free entry in `unanalysable`.
"""

from __future__ import annotations

from collections.abc import Mapping

from claude_guard.shell.model import (
    MAX_COMMAND_CHARS,
    Egress,
    FileAccess,
    Findings,
    ShellAnalysis,
    TooComplex,
)

__all__ = ["Egress", "FileAccess", "ShellAnalysis", "analyse"]


def analyse(
    command: str, cwd: str, home: str, env: Mapping[str, str] | None = None
) -> ShellAnalysis:
    findings = Findings()
    try:
        _analyse(command, cwd, home, env, findings)
    except TooComplex as exc:
        findings.blind(str(exc))  # fixed texts from this package, never input values
    except RecursionError:
        findings.blind("command nested too deeply to follow")
    except Exception as exc:  # any bug must still answer, and answer "could not follow"
        findings.blind(f"internal error in the shell analysis ({type(exc).__name__})")
    return findings.freeze()


def _analyse(
    command: str, cwd: str, home: str, env: Mapping[str, str] | None, findings: Findings
) -> None:
    if not isinstance(command, str) or len(command) > MAX_COMMAND_CHARS:
        findings.blind("command longer than the analysis limit")
        return
    if "\x00" in command:
        findings.blind("command contains a NUL byte")
        return
    # Loaded on the first command, not with the package: the parser and the command table
    # take ~150 ms to import, and the engine imports `analyse` for every kind of tool call.
    from claude_guard.shell.commands import HANDLERS, unknown_command
    from claude_guard.shell.interp import Interpreter, State

    interpreter = Interpreter(findings, home.rstrip("/") or "/", env, HANDLERS, unknown_command)
    state = State(cwd=cwd if cwd.startswith("/") else None)
    interpreter.run_script(command, state, "command", stdin="")
