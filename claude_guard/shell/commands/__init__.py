"""The command table: which handler follows which command. Commands not in it get
`unknown_command`: every operand and option value counts as a possible read."""

from __future__ import annotations

from claude_guard.shell.commands import (
    build_tools,
    builtins,
    code,
    command_variables,
    files,
    find_xargs,
    network,
    no_files,
    shells,
    system,
    tools,
    vcs,
    wrappers,
)
from claude_guard.shell.commands.unknown import unknown_command
from claude_guard.shell.interp import Handler

__all__ = ["HANDLERS", "unknown_command"]


_MODULES = (
    files,
    no_files,
    wrappers,
    builtins,
    shells,
    find_xargs,
    system,
    build_tools,
    network,
    vcs,
    code,
    tools,
)


def _table() -> dict[str, Handler]:
    table: dict[str, Handler] = {}
    # Later modules win a name they share with an earlier one: keep this order.
    for module in _MODULES:
        table.update(module.handlers())
    named = {*command_variables.COMMAND_VARIABLES, *command_variables.REMOTE_SHELL_VARIABLES}
    for name in named:
        table[name] = command_variables.with_command_variables(table.get(name, unknown_command))
    return table


HANDLERS: dict[str, Handler] = _table()
