"""Shells: `bash -c TEXT`, `sh script.sh`, a script read from stdin, and the startup files
and prompts a new shell runs first ($BASH_ENV, $ENV, $PROMPT_COMMAND, $PS1 ...)."""

from __future__ import annotations

from claude_guard.shell.interp import Handler, Invocation, Output
from claude_guard.shell.words import Arg

_SHELL_VALUES = ("-o", "+o", "-O", "+O")


def _shell(inv: Invocation) -> Output:
    inv = _startup(inv)
    args = list(inv.args)
    command_mode = stdin_mode = False
    index = 0
    while index < len(args) and args[index].text.startswith(("-", "+")) and not args[index].dynamic:
        word = args[index].text
        index += 1
        if word == "--" or word == "-":
            break
        if word in ("--rcfile", "--init-file") and index < len(args):
            inv.read(args[index])
            index += 1
        elif word in _SHELL_VALUES or (
            word.startswith("-") and word[-1:] in "oO" and not word.startswith("--")
        ):
            index += 1
        elif not word.startswith("--"):
            command_mode |= "c" in word
            stdin_mode |= "s" in word
    operands = args[index:]
    if command_mode and operands:
        rest = operands[2:]
        positional = None if any(a.dynamic for a in rest) else tuple(a.text for a in rest)
        return run_shell_text(inv, operands[0], positional)
    if operands and not stdin_mode:
        return _script_file(inv, operands[0], operands[1:])
    return _stdin_script(inv)


def run_shell_text(inv: Invocation, value: Arg, positional: tuple[str, ...] | None = ()) -> Output:
    """Shell text given as one word (`bash -c TEXT`, `su -c TEXT`, `watch TEXT`), run in a
    new shell with `positional` as its $1...; text only known at run time cannot be followed."""
    if value.dynamic:
        inv.blind("runs shell text computed at run time")
        return None
    return inv.run_script(value.text, positional)


_STARTUP_FILES = ("BASH_ENV", "ENV")  # sourced by a new shell before anything else
_PROMPTS = ("PS0", "PS1", "PS2", "PS4")  # expanded (`$(...)` included) when shown


def _startup(inv: Invocation) -> Invocation:
    """A new shell first sources `$BASH_ENV` / `$ENV` and runs `$PROMPT_COMMAND`: when the
    command line set them, follow them, in the new shell's own state (a function defined
    there replaces a command the shell then runs)."""
    names = [n for n in (*_STARTUP_FILES, "PROMPT_COMMAND", *_PROMPTS) if n in inv.state.vars]
    if not names:
        return inv
    shell = Invocation(inv.interp, inv.state.copy(), inv.name, inv.args, inv.stdin, inv.piped)
    for name in names:
        value = shell.state.vars[name]
        texts = [t for t in value or () if t]
        if name == "PROMPT_COMMAND" and value is not None:
            for text in texts:
                shell.run_script(text, new_shell=False)
            continue
        # The startup file's name and the prompts are expanded by the new shell.
        expanded = ("$", "`") if name in _STARTUP_FILES else ("$(", "`")
        if value is None or any(mark in text for text in texts for mark in expanded):
            shell.blind(f"${name} is expanded by the new shell at run time")
        elif name in _STARTUP_FILES:
            for text in texts:
                _source_into(shell, Arg(text))
    return shell


def _source_into(inv: Invocation, script: Arg) -> None:
    inv.read(script)
    content = inv.script_text(script)
    if content is not None:
        inv.run_script(content, new_shell=False)


def _script_file(inv: Invocation, script: Arg, rest: list[Arg]) -> Output:
    inv.read(script)
    content = inv.script_text(script)
    if content is None:
        return None
    positional = None if any(a.dynamic for a in rest) else tuple(a.text for a in rest)
    return inv.run_script(content, positional)


def _stdin_script(inv: Invocation) -> Output:
    if not inv.piped:
        return None
    if inv.stdin is None:
        inv.blind("runs a script read from a pipe")
        return None
    return inv.run_script(inv.stdin, ())


_SHELLS = (
    "bash",
    "sh",
    "zsh",
    "dash",
    "ksh",
    "mksh",
    "ash",
    "fish",
    "rbash",
    "yash",
    "tcsh",
    "csh",
)


def handlers() -> dict[str, Handler]:
    return {name: _shell for name in _SHELLS}
