"""The shell state the interpreter carries from statement to statement, and what it is after
one of several paths (`a && b`, if/else, a loop run 0..n times)."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tree_sitter import Node

from claude_guard.shell.model import MAX_FIELDS
from claude_guard.shell.words import Value

_T = TypeVar("_T")
Output = str | None  # what a command prints, when it can be known; None = unknown


@dataclass
class State:
    cwd: str | None
    vars: dict[str, Value] = field(default_factory=dict)
    positional: tuple[str, ...] | None = ()
    dirstack: list[str | None] = field(default_factory=list)
    functions: dict[str, Node] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    # Function and alias names defined differently on different paths (`x && f() {...}`).
    unsure: set[str] = field(default_factory=set)

    def copy(self) -> State:
        return State(
            self.cwd,
            dict(self.vars),
            self.positional,
            list(self.dirstack),
            dict(self.functions),
            dict(self.aliases),
            set(self.unsure),
        )

    def become(self, other: State) -> None:
        """Take on another state in place (callers hold on to this object)."""
        self.cwd, self.vars, self.positional = other.cwd, dict(other.vars), other.positional
        self.dirstack, self.functions = list(other.dirstack), dict(other.functions)
        self.aliases, self.unsure = dict(other.aliases), set(other.unsure)

    def same(self, other: State) -> bool:
        return (
            self.cwd == other.cwd
            and self.positional == other.positional
            and self.dirstack == other.dirstack
            and self.vars == other.vars
            and self.functions == other.functions
            and self.aliases == other.aliases
            and self.unsure == other.unsure
        )


def merge_states(states: list[State], lookup: Callable[[str, State], Value]) -> State:
    """The state after one of several paths (`a && b`, if/else, a loop run 0..n times):
    each variable takes every value it has on any path (`lookup` gives a path's value of
    one it did not set), a cwd or positional parameters
    that differ become unknown, functions and aliases that differ are marked unsure."""
    first = states[0]
    result = first.copy()
    if len(states) == 1:
        return result
    if any(_folded(s.cwd) != _folded(first.cwd) for s in states):
        result.cwd = None  # (`cd` is logical: `src/..` is the directory it started in)
    if any(s.positional != first.positional for s in states):
        result.positional = None
    if any(s.dirstack != first.dirstack for s in states):
        result.dirstack = [None] * max(len(s.dirstack) for s in states)
    names = dict.fromkeys(name for s in states for name in s.vars)
    for name in names:
        values = [s.vars[name] if name in s.vars else lookup(name, s) for s in states]
        result.vars[name] = _union(values)
    _merge_definitions([s.functions for s in states], result.functions, result.unsure)
    _merge_definitions([s.aliases for s in states], result.aliases, result.unsure)
    for s in states[1:]:
        result.unsure |= s.unsure
    return result


def join_outputs(outputs: list[Output]) -> Output:
    if any(o is None for o in outputs):
        return None
    return "".join(o for o in outputs if o is not None)


def _folded(cwd: str | None) -> str | None:
    return None if cwd is None else posixpath.normpath(cwd)


def _union(values: list[Value]) -> Value:
    if any(v is None for v in values):
        return None
    merged = tuple(dict.fromkeys(item for v in values if v is not None for item in v))
    return merged if len(merged) <= MAX_FIELDS else None


def widen(old: State, new: State) -> None:
    """What still changes from one loop round to the next becomes unknown."""
    for name, value in new.vars.items():
        if old.vars.get(name, value) != value or name not in old.vars:
            new.vars[name] = None
    if _folded(new.cwd) != _folded(old.cwd):
        new.cwd = None
    if new.positional != old.positional:
        new.positional = None
    if new.dirstack != old.dirstack:
        new.dirstack = [None] * len(new.dirstack)
    new.unsure.update(k for k in new.functions if old.functions.get(k) != new.functions[k])
    new.unsure.update(k for k in new.aliases if old.aliases.get(k) != new.aliases[k])


def _merge_definitions(
    tables: list[dict[str, _T]], merged: dict[str, _T], unsure: set[str]
) -> None:
    """A function or alias defined differently (or only) on some paths is marked unsure."""
    for key in dict.fromkeys(key for table in tables for key in table):
        definitions = [table.get(key) for table in tables]
        if any(d != definitions[0] for d in definitions):
            unsure.add(key)
            merged[key] = next(d for d in definitions if d is not None)
