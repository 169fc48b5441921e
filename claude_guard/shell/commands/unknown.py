"""What a command the table does not know is taken to do: every operand and option value
counts as a possible read. Handlers of known commands fall back to it for subcommands and
forms they do not model, so it lives apart from the table they are part of."""

from __future__ import annotations

from claude_guard.shell.interp import Invocation, Output
from claude_guard.shell.words import Arg


def unknown_command(inv: Invocation) -> Output:
    for arg in inv.args:
        text = arg.text
        if text.startswith("-"):
            _, eq, value = text.partition("=")
            if eq and value:
                inv.read(Arg(value, arg.dynamic), f"{inv.via} (option value)")
            continue
        inv.read(arg, f"{inv.via} (operand)")
        name, eq, value = text.partition("=")
        if eq and value and name and not arg.dynamic:
            inv.read(Arg(value), f"{inv.via} (operand)")
    return None
