"""Splitting an expanded command line into options and operands, getopt style."""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field

from claude_guard.shell.words import Arg


@dataclass
class Parsed:
    options: list[tuple[str, Arg | None]] = field(default_factory=list)
    operands: list[Arg] = field(default_factory=list)

    def has(self, *names: str) -> bool:
        return any(name in names for name, _ in self.options)

    def values(self, *names: str) -> list[Arg]:
        return [value for name, value in self.options if name in names and value is not None]


def parse(
    args: Iterable[Arg],
    takes_value: Iterable[str] = (),
    stop_at_operand: bool = False,
    single_dash_long: bool = False,
) -> Parsed:
    """`takes_value` names options that consume a value ("-n", "--lines"). With
    `single_dash_long` (`find`, `openssl`, `java`), `-name` is one option, not a cluster."""
    wanted = frozenset(takes_value)
    parsed = Parsed()
    items = list(args)
    index = 0
    while index < len(items):
        arg = items[index]
        index += 1
        word = arg.text
        if word == "--" and not arg.dynamic:
            parsed.operands.extend(items[index:])
            break
        if not word.startswith("-") or word == "-" or (arg.dynamic and word.startswith("*")):
            parsed.operands.append(arg)
            if stop_at_operand:
                parsed.operands.extend(items[index:])
                break
            continue
        index = _option(arg, items, index, wanted, parsed, single_dash_long)
    return parsed


def _option(
    arg: Arg,
    items: list[Arg],
    index: int,
    wanted: frozenset[str],
    parsed: Parsed,
    single_dash_long: bool,
) -> int:
    word = arg.text
    if word.startswith("--") or single_dash_long:
        name, eq, value = word.partition("=")
        if eq:
            parsed.options.append((name, Arg(value, arg.dynamic)))
        elif name in wanted and index < len(items):
            parsed.options.append((name, items[index]))
            index += 1
        else:
            parsed.options.append((name, None))
        return index
    for position in range(1, len(word)):
        name = "-" + word[position]
        if name in wanted:
            rest = word[position + 1 :]
            if rest:
                parsed.options.append((name, Arg(rest, arg.dynamic)))
            elif index < len(items):
                parsed.options.append((name, items[index]))
                index += 1
            else:
                parsed.options.append((name, None))
            return index
        parsed.options.append((name, None))
    return index


def split_words(value: str) -> list[str]:
    """Words of a text the way a shell splits a plain command line (xargs input, `env -S`,
    ip batch lines); text that does not split cleanly (an open quote) at whitespace."""
    try:
        return shlex.split(value)
    except ValueError:
        return value.split()
