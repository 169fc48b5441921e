"""Assignments and declarations (`x=1`, `export`, `declare`, `unset`), and the checks on
values bash would evaluate again: variables that change how later commands run (GLOBIGNORE,
BASH_ENV ...) and operands a builtin expands as a subscript or arithmetic."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from tree_sitter import Node

from claude_guard.shell import words
from claude_guard.shell.model import safe_name
from claude_guard.shell.state import Output, State
from claude_guard.shell.syntax import text
from claude_guard.shell.words import Arg, Value

if TYPE_CHECKING:  # the interpreter calls in here; only its type is needed
    from claude_guard.shell.interp import Interpreter

_ARITHMETIC_COMMAND = re.compile(r"\[[^]]*(\$\(|`)")

# Builtins that take variable names (with array subscripts) or arithmetic among operands; for
# `printf` and `test` only the operand of `-v` is one.
_REEVALUATING = frozenset(
    {
        "declare",
        "typeset",
        "local",
        "export",
        "readonly",
        "let",
        "read",
        "unset",
        "mapfile",
        "readarray",
        "getopts",
    }
)
_REEVALUATING_AFTER_V = frozenset({"printf", "test", "[", "[["})


def _harmless_if_empty(value: Value) -> bool:
    return value == ("",)


def _harmless_prompt(value: Value) -> bool:
    return value is not None and not any("$" in v or "`" in v for v in value)


# Shell variables that change globbing (GLOBIGNORE turns on dotglob), `cd` (CDPATH), what a
# new bash runs first (BASH_ENV, ENV) or what `set -x` expands (PS4).
_SETTINGS: tuple[tuple[str, Callable[[Value], bool]], ...] = (
    ("GLOBIGNORE", _harmless_if_empty),
    ("CDPATH", _harmless_if_empty),
    ("BASH_ENV", _harmless_if_empty),
    ("ENV", _harmless_if_empty),
    ("PS4", _harmless_prompt),
)


def run_assignment(
    interp: Interpreter, node: Node, state: State, stdin: Output, piped: bool
) -> Output:
    assign(interp, node, state, state)
    return ""


def run_assignments(
    interp: Interpreter, node: Node, state: State, stdin: Output, piped: bool
) -> Output:
    for child in node.named_children:
        assign(interp, child, state, state)
    return ""


def assign(interp: Interpreter, node: Node, read_state: State, write_state: State) -> None:
    if node.type != "variable_assignment":
        interp.run_nested(node, read_state, "", False)
        return
    name_node = node.child_by_field_name("name")
    value_node = node.child_by_field_name("value")
    name = text(name_node) if name_node is not None else ""
    if name_node is not None and name_node.type != "variable_name":
        name = ""  # array element: value not tracked
    value: Value = ("",)
    if value_node is not None:
        scope = interp.scope(read_state)
        alternatives = words.expand_node(value_node, scope)
        fields = words.to_fields(alternatives, scope, glob_paths=False)
        value = None if any(f.dynamic for f in fields) else tuple(f.text for f in fields)
        if value_node.type == "array":
            value = value if value else ("",)
    if name:
        append = any(c.type == "+=" for c in node.children)
        old = write_state.vars.get(name, ("",)) if append else ("",)
        write_state.vars[name] = _append(old, value) if append else value
    check_settings(interp, write_state)


def run_declaration(
    interp: Interpreter, node: Node, state: State, stdin: Output, piped: bool
) -> Output:
    keyword = text(node.children[0]) if node.children else ""
    names = 0
    flags = ""
    for child in node.named_children:
        if child.type == "variable_assignment":
            assign(interp, child, state, state)
            names += 1
        elif child.type == "variable_name":
            names += 1
        else:
            for arg in interp.fields(child, state):
                if arg.text.startswith(("-", "+")):
                    flags += arg.text[1:]
                else:
                    names += 1
                    check_reevaluated(interp, keyword, arg)
    if "n" in flags and keyword != "export":
        interp.findings.blind(f"{keyword}: a name reference (-n) is not followed")
    if names == 0 and keyword != "local" and not (set(flags) & set("fF")):
        interp.findings.env_dump = True  # export / export -p / declare -x / typeset
    return "" if names else None


def run_unset(interp: Interpreter, node: Node, state: State, stdin: Output, piped: bool) -> Output:
    for child in node.named_children:
        state.vars.pop(text(child), None)
    return ""


def check_reevaluated(interp: Interpreter, name: str, arg: Arg) -> None:
    """Builtins that parse an operand as a variable name (`declare 'a[$(cmd)]=1'`,
    `read`, `printf -v`, `let`, `test -v`) expand a subscript in it, running commands."""
    if "$(" in arg.text or "`" in arg.text:
        interp.findings.blind(f"{safe_name(name)}: an operand would be expanded again")


def check_operands(interp: Interpreter, name: str, args: list[Arg]) -> None:
    """Operands `name` parses as variable names or arithmetic (see `check_reevaluated`)."""
    if name in _REEVALUATING:
        for arg in args:
            check_reevaluated(interp, name, arg)
    elif name in _REEVALUATING_AFTER_V:
        for before, arg in itertools.pairwise(args):
            if before.text == "-v":
                check_reevaluated(interp, name, arg)


def check_settings(interp: Interpreter, state: State) -> None:
    """Variables that change what later globs, `cd`s and shells do are not followed, nor
    values that bash runs a command from when it evaluates them as arithmetic
    (`x='a[$(cmd)]'; echo $((x))`: an array subscript is expanded)."""
    for name, is_harmless in _SETTINGS:
        if name in state.vars and not is_harmless(state.vars[name]):
            interp.findings.blind(f"{name} is set, which changes how later commands run")
    for value in state.vars.values():
        if value is not None and any(_ARITHMETIC_COMMAND.search(v) for v in value):
            interp.findings.blind("a variable holds a command that arithmetic would run")
            return


def _append(old: Value, new: Value) -> Value:
    if old is None or new is None:
        return None
    return tuple(a + b for a in old for b in new) if len(old) * len(new) < 64 else None
