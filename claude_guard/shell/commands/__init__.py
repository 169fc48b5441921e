"""The command table: which handler follows which command. Commands not in it get
`unknown_command`: every operand and option value counts as a possible read."""

from __future__ import annotations

from claude_guard.shell.commands import code, execution, files, network, tools, vcs
from claude_guard.shell.interp import Handler, Invocation, Output
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


def _table() -> dict[str, Handler]:
    table: dict[str, Handler] = {}
    for module in (files, execution, network, vcs, code, tools):
        table.update(module.handlers())
    for name in {*execution.COMMAND_VARIABLES, *execution.REMOTE_SHELL_VARIABLES}:
        table[name] = execution.with_command_variables(table.get(name, unknown_command))
    return table


HANDLERS: dict[str, Handler] = _table()
