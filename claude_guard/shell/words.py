"""Word expansion as bash does it, on tree-sitter nodes: quoting, escapes, `$'..'`, parameters,
command substitution, brace expansion, `~`, field splitting and globbing against the real disk.

A word is first a list of alternatives (a loop variable has several values), each a list of
segments tagged with how the shell treats their characters:
  q  quoted literal: inert
  l  unquoted literal: brace expansion, globbing, `~`
  e  unquoted expansion result: field splitting and globbing
  u  unknown (command output, arithmetic, ...): the word becomes dynamic
"""

from __future__ import annotations

import fnmatch
import glob as globmod
import itertools
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from tree_sitter import Node

from claude_guard.shell.model import MAX_FIELDS, MAX_GLOB_COMPONENTS, TooComplex
from claude_guard.shell.syntax import text

Segment = tuple[str, str]  # (text, kind)
Alternative = list[Segment]
Value = tuple[str, ...] | None  # alternatives of a variable; None = unknown at analysis time


@dataclass(frozen=True)
class Arg:
    """One field of an expanded command line. A dynamic field's text is a glob skeleton with
    `*` where the runtime value goes (`/proc/*/environ`)."""

    text: str
    dynamic: bool = False


class Host(Protocol):
    @property
    def cwd(self) -> str | None: ...

    @property
    def home(self) -> str: ...

    def lookup(self, name: str) -> Value: ...

    def assign(self, name: str, value: Value) -> None: ...

    def substitute(self, node: Node) -> str | None: ...

    def process_substitute(self, node: Node) -> None: ...

    def indirect(self, name: str | None) -> None: ...

    def process_output(self, node: Node) -> str: ...

    @property
    def ifs(self) -> str | None: ...


# ----------------------------------------------------------------------------- node -> segments


def expand_node(node: Node, host: Host, quoted: bool = False) -> list[Alternative]:
    handler = _NODE_EXPANDERS.get(node.type)
    if handler is not None:
        return handler(node, host, quoted)
    if node.type in _LITERAL_TYPES:
        return [[(text(node), "q" if quoted else "l")]]
    return [[("", "u")]]


def _word(node: Node, host: Host, quoted: bool) -> list[Alternative]:
    raw = text(node)
    if quoted:
        return [[(raw, "q")]]
    segs: Alternative = []
    i = 0
    while i < len(raw):
        if raw[i] == "\\" and i + 1 < len(raw):
            if raw[i + 1] != "\n":  # backslash-newline is a line continuation
                segs.append((raw[i + 1], "q"))
            i += 2
            continue
        segs.append((raw[i], "l"))
        i += 1
    return [_merge(segs)]


def _raw_string(node: Node, host: Host, quoted: bool) -> list[Alternative]:
    return [[(text(node)[1:-1], "q")]]


_ANSI_SIMPLE = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "e": "\x1b",
    "E": "\x1b",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}
_ANSI_ESCAPE = re.compile(
    r"\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}"
    r"|c.|.)",
    re.DOTALL,
)


def decode_ansi_c(body: str) -> str:
    def one(match: re.Match[str]) -> str:
        esc = match.group(1)
        if esc[0] in "xuU" and len(esc) > 1:
            return chr(min(int(esc[1:], 16), 0x10FFFF))
        if esc[0] in "01234567":
            return chr(int(esc, 8) & 0xFF)
        if esc[0] == "c" and len(esc) == 2:
            return chr(ord(esc[1].upper()) ^ 0x40)
        return _ANSI_SIMPLE.get(esc, "\\" + esc)

    return _ANSI_ESCAPE.sub(one, body)


def _ansi_c(node: Node, host: Host, quoted: bool) -> list[Alternative]:
    return [[(decode_ansi_c(text(node)[2:-1]), "q")]]


_DQ_ESCAPE = re.compile(r"\\([$`\"\\\n])")


def _string(node: Node, host: Host, quoted: bool) -> list[Alternative]:
    """A double-quoted string: literal pieces plus quoted expansions."""
    parts: list[list[Alternative]] = []
    for child in node.children:
        if child.type == '"' or child.type == '$"':
            continue
        if child.type == "string_content":
            literal = _DQ_ESCAPE.sub(
                lambda m: "" if m.group(1) == "\n" else m.group(1), text(child)
            )
            parts.append([[(literal, "q")]])
        elif child.is_named:
            parts.append(expand_node(child, host, quoted=True))
        else:
            parts.append([[(text(child), "q")]])
    return _product(parts)


def _concatenation(node: Node, host: Host, quoted: bool) -> list[Alternative]:
    return _product([expand_node(child, host, quoted) for child in node.children])


def _heredoc_body(node: Node, host: Host, quoted: bool) -> list[Alternative]:
    """Unquoted here-doc: the text between expansions is literal."""
    raw = node.text or b""
    start = node.start_byte
    parts: list[list[Alternative]] = []
    cursor = 0
    for child in node.named_children:
        if child.type == "heredoc_content":
            continue
        gap = raw[cursor : child.start_byte - start].decode("utf-8", "replace")
        parts.append([[(gap, "q")]])
        parts.append(expand_node(child, host, quoted=True))
        cursor = child.end_byte - start
    parts.append([[(raw[cursor:].decode("utf-8", "replace"), "q")]])
    return _product(parts)


def _kind(quoted: bool) -> str:
    return "q" if quoted else "e"


def _value_alternatives(value: Value, quoted: bool) -> list[Alternative]:
    if value is None:
        return [[("", "u")]]
    return [[(v, _kind(quoted))] for v in value] or [[("", _kind(quoted))]]


def _simple_expansion(node: Node, host: Host, quoted: bool) -> list[Alternative]:
    name = text(node)[1:]
    return _value_alternatives(host.lookup(name), quoted)


def _command_substitution(node: Node, host: Host, quoted: bool) -> list[Alternative]:
    output = host.substitute(node)
    if output is None:
        return [[("", "u")]]
    return [[(output.rstrip("\n"), _kind(quoted))]]


def _process_substitution(node: Node, host: Host, quoted: bool) -> list[Alternative]:
    return [[(host.process_output(node), "q")]]


_ARITH_SAFE = re.compile(r"[0-9+\-*/%() \t]+")


def _arithmetic(node: Node, host: Host, quoted: bool) -> list[Alternative]:
    inner = text(node)[3:-2]
    if _ARITH_SAFE.fullmatch(inner) and len(inner) < 100 and "**" not in inner:
        try:
            value = _eval_int(inner)
        except (ValueError, ZeroDivisionError, SyntaxError):
            return [[("", "u")]]
        return [[(str(value), _kind(quoted))]]
    return [[("", "u")]]


def _eval_int(expr: str) -> int:
    import ast

    tree = ast.parse(expr.replace("/", "//"), mode="eval")
    return _int_node(tree.body)


def _int_node(node: object) -> int:
    import ast
    import operator

    ops: dict[type, Callable[[int, int], int]] = {
        ast.Add: operator.add,
        ast.Sub: operator.sub,
        ast.Mult: operator.mul,
        ast.FloorDiv: operator.floordiv,
        ast.Mod: operator.mod,
    }
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_int_node(node.operand)
    if isinstance(node, ast.BinOp) and type(node.op) in ops:
        return ops[type(node.op)](_int_node(node.left), _int_node(node.right))
    raise ValueError("not simple arithmetic")


# ----------------------------------------------------------------------------- ${...}


def _expansion(node: Node, host: Host, quoted: bool) -> list[Alternative]:
    children = [c for c in node.children if c.type not in ("${", "}")]
    if not children:
        return [[("", "u")]]
    first = children[0]
    if first.type == "!" and len(children) >= 2:
        return _indirect(children[1], host)
    if first.type == "#" and len(children) == 2:
        value = host.lookup(text(children[1]))
        return _value_alternatives(_map(value, lambda v: str(len(v))), quoted)
    if first.type not in ("variable_name", "special_variable_name"):
        return [[("", "u")]]  # arrays, subscripts: not followed
    value = host.lookup(text(first))
    if len(children) == 1:
        return _value_alternatives(value, quoted)
    return _operator(text(first), value, children[1:], host, quoted)


def _indirect(name_node: Node, host: Host) -> list[Alternative]:
    """`${!name}` reads whichever variable `name` names: unknown names reveal any variable."""
    target = host.lookup(text(name_node))
    host.indirect(None if target is None or len(target) != 1 else target[0])
    if target is None or len(target) != 1:
        return [[("", "u")]]
    return _value_alternatives(host.lookup(target[0]), False)


def _operand(nodes: Sequence[Node], host: Host) -> Value:
    """The expanded text of an operator's operand, e.g. the `d` of `${F:-d}`."""
    alternatives = _product([expand_node(n, host, quoted=True) for n in nodes])
    if not nodes:
        return ("",)
    out: list[str] = []
    for alt in alternatives:
        if any(kind == "u" for _, kind in alt):
            return None
        out.append("".join(t for t, _ in alt))
    return tuple(out)


def _operator(
    name: str, value: Value, rest: list[Node], host: Host, quoted: bool
) -> list[Alternative]:
    op = text(rest[0])
    operand_nodes = [n for n in rest[1:] if n.type != op]
    if op in (":-", "-", ":=", "=", ":+", "+", ":?", "?"):
        return _default_ops(name, op, value, operand_nodes, host, quoted)
    if value is None:
        return [[("", "u")]]
    if op in ("#", "##", "%", "%%"):
        pattern = _operand(operand_nodes, host)
        if pattern is None or len(pattern) != 1:
            return [[("", "u")]]
        return _value_alternatives(tuple(_trim(v, op, pattern[0]) for v in value), quoted)
    if op in ("/", "//", "/#", "/%"):
        return _replace_op(value, op, rest[1:], host, quoted)
    if op == ":":
        return _substring(value, rest[1:], quoted)
    if op in ("^^", "^", ",,", ","):
        fold = str.upper if op.startswith("^") else str.lower
        return _value_alternatives(tuple(fold(v) for v in value), quoted)
    return [[("", "u")]]


def _default_ops(
    name: str, op: str, value: Value, operand_nodes: list[Node], host: Host, quoted: bool
) -> list[Alternative]:
    is_set = value is not None and any(value) if op.startswith(":") else value is not None
    if value is None and op not in (":+", "+"):
        # Unknown: either the value or the default may be used; both are candidates.
        fallback = _operand(operand_nodes, host)
        return (
            _value_alternatives(None, quoted)
            if fallback is None
            else [[("", "u")], *_value_alternatives(fallback, quoted)]
        )
    if op in (":+", "+"):
        if value is None:
            return [[("", "u")]]
        return (
            _value_alternatives(_operand(operand_nodes, host), quoted)
            if is_set
            else [[("", _kind(quoted))]]
        )
    if is_set:
        return _value_alternatives(value, quoted)
    fallback = _operand(operand_nodes, host)
    if op in (":=", "="):
        host.assign(name, fallback)
    return _value_alternatives(fallback, quoted)


def _trim(value: str, op: str, pattern: str) -> str:
    cuts = range(len(value) + 1)
    if op in ("#", "##"):
        order = cuts if op == "#" else reversed(cuts)
        for i in order:
            if fnmatch.fnmatchcase(value[:i], pattern):
                return value[i:]
        return value
    order = reversed(cuts) if op == "%" else cuts
    for i in order:
        if fnmatch.fnmatchcase(value[i:], pattern):
            return value[:i]
    return value


def _replace_op(
    value: tuple[str, ...], op: str, nodes: list[Node], host: Host, quoted: bool
) -> list[Alternative]:
    slash = [i for i, n in enumerate(nodes) if n.type == "/"]
    pattern_nodes = nodes[: slash[0]] if slash else nodes
    repl_nodes = nodes[slash[0] + 1 :] if slash else []
    pattern, repl = _operand(pattern_nodes, host), _operand(repl_nodes, host)
    if pattern is None or repl is None or len(pattern) != 1 or len(repl) != 1:
        return [[("", "u")]]
    regex = fnmatch.translate(pattern[0]).removeprefix("(?s:").removesuffix(")\\Z")
    if op == "/#":
        regex = "^(?:" + regex + ")"
    elif op == "/%":
        regex = "(?:" + regex + ")$"
    try:
        compiled = re.compile(regex, re.DOTALL)
    except re.error:
        return [[("", "u")]]
    count = 0 if op == "//" else 1
    return _value_alternatives(
        tuple(compiled.sub(lambda _m: repl[0], v, count=count) for v in value), quoted
    )


def _substring(value: tuple[str, ...], nodes: list[Node], quoted: bool) -> list[Alternative]:
    numbers = [text(n) for n in nodes if n.type != ":"]
    try:
        offset = int(numbers[0]) if numbers else 0
        length = int(numbers[1]) if len(numbers) > 1 else None
    except ValueError:
        return [[("", "u")]]
    out = []
    for v in value:
        start = offset if offset >= 0 else max(len(v) + offset, 0)
        end = None if length is None else (start + length if length >= 0 else len(v) + length)
        out.append(v[start:end])
    return _value_alternatives(tuple(out), quoted)


def _map(value: Value, fn: Callable[[str], str]) -> Value:
    return None if value is None else tuple(fn(v) for v in value)


_NODE_EXPANDERS: dict[str, Callable[[Node, Host, bool], list[Alternative]]] = {
    "word": _word,
    "raw_string": _raw_string,
    "ansi_c_string": _ansi_c,
    "string": _string,
    "translated_string": _string,
    "concatenation": _concatenation,
    "simple_expansion": _simple_expansion,
    "expansion": _expansion,
    "command_substitution": _command_substitution,
    "process_substitution": _process_substitution,
    "arithmetic_expansion": _arithmetic,
    "heredoc_body": _heredoc_body,
}
_LITERAL_TYPES = frozenset(
    {
        "number",
        "extglob_pattern",
        "regex",
        "variable_name",
        "special_variable_name",
        "brace_expression",
        "string_content",
        "heredoc_content",
        "file_descriptor",
    }
)


def _product(parts: list[list[Alternative]]) -> list[Alternative]:
    total = 1
    for p in parts:
        total *= max(len(p), 1)
        if total > MAX_FIELDS:
            raise TooComplex("a word expands to too many alternatives")
    return [_merge([s for alt in combo for s in alt]) for combo in itertools.product(*parts)]


def _merge(segs: Alternative) -> Alternative:
    merged: Alternative = []
    for seg_text, kind in segs:
        if merged and merged[-1][1] == kind and kind != "u":
            merged[-1] = (merged[-1][0] + seg_text, kind)
        elif seg_text or kind == "u":
            merged.append((seg_text, kind))
    return merged


# ----------------------------------------------------------------------------- segments -> fields


def to_fields(alternatives: list[Alternative], host: Host, glob_paths: bool = True) -> list[Arg]:
    fields: list[Arg] = []
    for alt in alternatives:
        if any(kind == "u" for _, kind in alt):
            skeleton = "".join("*" if kind == "u" else t for t, kind in alt)
            fields.append(Arg(_tilde_text(skeleton, host.home), dynamic=True))
            continue
        ifs = host.ifs
        if ifs is None and any(kind == "e" for _, kind in alt):
            raise TooComplex("field splitting with a run-time IFS")
        for chars, mask in _split_fields(alt, ifs or " \t\n"):
            for b_chars, b_mask in _braces(chars, mask):
                t_chars, t_mask = _tilde(b_chars, b_mask, host.home)
                fields.extend(_glob(t_chars, t_mask, host.cwd) if glob_paths else [Arg(t_chars)])
        if len(fields) > MAX_FIELDS:
            raise TooComplex("a word expands to too many fields")
    return fields


def literal_text(alternatives: list[Alternative]) -> str | None:
    """The single static string of a word, without globbing (assignments, here-strings)."""
    if len(alternatives) != 1 or any(kind == "u" for _, kind in alternatives[0]):
        return None
    return "".join(t for t, _ in alternatives[0])


def _split_fields(alt: Alternative, ifs: str) -> list[tuple[str, str]]:
    """IFS splitting of unquoted expansion results; an empty unquoted expansion vanishes."""
    fields: list[tuple[str, str]] = []
    chars, mask, started = "", "", False
    for seg_text, kind in alt:
        if kind != "e":
            chars, mask, started = chars + seg_text, mask + kind * len(seg_text), True
            continue
        pieces = re.split("[" + re.escape(ifs) + "]+", seg_text) if ifs else [seg_text]
        for index, piece in enumerate(pieces):
            if index > 0 and started:
                fields.append((chars, mask))
                chars, mask, started = "", "", False
            if piece:
                chars, mask, started = chars + piece, mask + "e" * len(piece), True
    if started:
        fields.append((chars, mask))
    return fields


def _braces(chars: str, mask: str, depth: int = 0) -> list[tuple[str, str]]:
    if "{" not in chars:
        return [(chars, mask)]
    if depth > 32:
        raise TooComplex("brace expansion too deep")
    for start, c in enumerate(chars):
        if c != "{" or mask[start] != "l":
            continue
        end, commas = _brace_close(chars, mask, start)
        if end < 0:
            continue
        inner = chars[start + 1 : end]
        options = _brace_options(inner, mask[start + 1 : end], commas, start + 1)
        if options is None:
            continue
        head, head_m = chars[:start], mask[:start]
        tail, tail_m = chars[end + 1 :], mask[end + 1 :]
        out: list[tuple[str, str]] = []
        for opt, opt_m in options:
            out.extend(_braces(head + opt + tail, head_m + opt_m + tail_m, depth + 1))
            if len(out) > MAX_FIELDS:
                raise TooComplex("brace expansion too large")
        return out
    return [(chars, mask)]


def _brace_close(chars: str, mask: str, start: int) -> tuple[int, list[int]]:
    level, commas = 0, list[int]()
    for i in range(start, len(chars)):
        if mask[i] != "l":
            continue
        if chars[i] == "{":
            level += 1
        elif chars[i] == "}":
            level -= 1
            if level == 0:
                return i, commas
        elif chars[i] == "," and level == 1:
            commas.append(i)
    return -1, commas


def _brace_options(
    inner: str, mask: str, commas: list[int], offset: int
) -> list[tuple[str, str]] | None:
    if commas:
        bounds = [offset, *[c + 1 for c in commas]]
        ends = [*commas, offset + len(inner)]
        return [
            (inner[b - offset : e - offset], mask[b - offset : e - offset])
            for b, e in zip(bounds, ends, strict=True)
        ]
    seq = re.fullmatch(r"(-?\d+|[a-zA-Z])\.\.(-?\d+|[a-zA-Z])(?:\.\.(-?\d+))?", inner)
    if seq is None:
        return None
    return [(v, "l" * len(v)) for v in _sequence(seq.group(1), seq.group(2), seq.group(3))]


def _sequence(a: str, b: str, step_text: str | None) -> list[str]:
    step = abs(int(step_text)) if step_text and int(step_text) else 1
    numeric = a.lstrip("-").isdigit() and b.lstrip("-").isdigit()
    lo, hi = (int(a), int(b)) if numeric else (ord(a), ord(b))
    if abs(hi - lo) // step > MAX_FIELDS:
        raise TooComplex("brace sequence too long")
    values = range(lo, hi + 1, step) if hi >= lo else range(lo, hi - 1, -step)
    return [str(v) if numeric else chr(v) for v in values]


def _tilde(chars: str, mask: str, home: str) -> tuple[str, str]:
    if chars[:1] == "~" and mask[:1] == "l" and (len(chars) == 1 or chars[1] == "/"):
        return home + chars[1:], "q" * len(home) + mask[1:]
    return chars, mask


def _tilde_text(value: str, home: str) -> str:
    return home + value[1:] if value == "~" or value.startswith("~/") else value


def _glob(chars: str, mask: str, cwd: str | None) -> list[Arg]:
    magic = any(c in "*?[" and m in "le" for c, m in zip(chars, mask, strict=True))
    if not magic:
        return [Arg(chars)]
    pattern = "".join(
        globmod.escape(c) if m == "q" else c for c, m in zip(chars, mask, strict=True)
    )
    if cwd is None and not pattern.startswith("/"):
        return [Arg(chars, dynamic=True)]
    base = pattern if pattern.startswith("/") else os.path.join(cwd or "/", pattern)
    if sum(globmod.has_magic(part) for part in base.split("/")) > MAX_GLOB_COMPONENTS:
        raise TooComplex("a glob spans too many directory levels to expand")
    matches = list(itertools.islice(globmod.iglob(base), MAX_FIELDS + 1))
    if len(matches) > MAX_FIELDS:
        raise TooComplex("a glob matches too many files")
    if not matches:
        return [Arg(chars)]  # bash passes an unmatched pattern through literally
    return [Arg(m) for m in sorted(matches)]
