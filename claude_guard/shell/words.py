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
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from tree_sitter import Node

from claude_guard.shell.model import MAX_FIELDS, MAX_GLOB_COMPONENTS, TooComplex
from claude_guard.shell.syntax import has_real_error, parse, text

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
    def home(self) -> str | None: ...

    @property
    def oldpwd(self) -> str | None: ...

    @property
    def deadline(self) -> float: ...

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
    return _unknown(host, node)


def _unknown(host: Host, *nodes: Node) -> list[Alternative]:
    """An expansion that is not followed: its value is unknown, but the commands substituted
    inside it (`$(( $(cmd) ))`, `${a[$(cmd)]}`) still run, so they are followed all the same."""
    for node in nodes:
        run_substitutions(node, host)
    return [[("", "u")]]


def run_substitutions(node: Node, host: Host) -> None:
    """Run every command substituted anywhere inside `node` (or `node` itself)."""
    for sub in substitutions(node, include_self=True, operands=True):
        if sub.type == "command_substitution":
            host.substitute(sub)
        elif sub.type == "process_substitution":
            host.process_substitute(sub)
        else:
            _regex(sub, host, True)


def substitutions(node: Node, include_self: bool = False, operands: bool = False) -> list[Node]:
    """The outermost `$(...)`, backquote, `<(...)` and `>(...)` nodes inside `node`; with
    `operands`, also the unparsed operands that may hold some (see `_regex`)."""
    if include_self and _found(node, operands):
        return [node]
    found: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        for child in current.named_children:
            if _found(child, operands):
                found.append(child)
            else:
                stack.append(child)
    return found


def _found(node: Node, operands: bool) -> bool:
    if node.type in _SUBSTITUTIONS:
        return True
    return operands and node.type == "regex" and ("$" in text(node) or "`" in text(node))


_SUBSTITUTIONS = frozenset({"command_substitution", "process_substitution"})


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


def _regex(node: Node, host: Host, quoted: bool) -> list[Alternative]:
    """tree-sitter-bash leaves some operands unparsed (`${x#$(cmd)}`, `${x,,$y}`): such text
    is parsed again as the arguments of a command, so its expansions are done and its commands
    followed; text that does not come back as plain arguments is unknown."""
    raw = text(node)
    if "$" not in raw and "`" not in raw:
        return [[(raw, "q" if quoted else "l")]]
    source = ": " + raw
    tree = parse(source)  # held until this returns: its nodes borrow from it
    root = tree.root_node
    encoded = source.encode("utf-8", "surrogatepass")
    command = root.named_children[0] if root.named_child_count == 1 else None
    if has_real_error(root) or command is None or command.type != "command":
        return _unknown(host, root)
    parts: list[list[Alternative]] = []
    cursor = 2
    for index, child in enumerate(command.named_children):
        if child.type == "command_name":
            continue
        gap = encoded[cursor : child.start_byte].decode("utf-8", "replace")
        if command.field_name_for_named_child(index) != "argument" or gap.strip(" \t"):
            return _unknown(host, root)
        parts.append([[(gap, "q")]])
        parts.append(expand_node(child, host, quoted))
        cursor = child.end_byte
    tail = encoded[cursor:].decode("utf-8", "replace")
    if tail.strip(" \t"):
        return _unknown(host, root)
    parts.append([[(tail, "q")]])
    return _product(parts)


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
    return _unknown(host, node)


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
        return _unknown(host, node)
    first = children[0]
    if first.type == "!" and len(children) >= 2:
        return _indirect(node, children[1], host)
    if first.type == "#" and len(children) == 2 and children[1].type in _NAMES:
        value = host.lookup(text(children[1]))
        return _value_alternatives(_map(value, lambda v: str(len(v))), quoted)
    if first.type not in _NAMES:
        return _unknown(host, node)  # arrays, subscripts: not followed
    value = host.lookup(text(first))
    if len(children) == 1:
        return _value_alternatives(value, quoted)
    return _operator(text(first), value, children[1:], host, quoted)


_NAMES = ("variable_name", "special_variable_name")


def _indirect(node: Node, name_node: Node, host: Host) -> list[Alternative]:
    """`${!name}` reads whichever variable `name` names: unknown names reveal any variable."""
    target = host.lookup(text(name_node)) if name_node.type in _NAMES else None
    host.indirect(None if target is None or len(target) != 1 else target[0])
    if target is None or len(target) != 1:
        return _unknown(host, node)
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
        return _unknown(host, *rest)
    if op in ("#", "##", "%", "%%"):
        pattern = _operand(operand_nodes, host)
        if pattern is None or len(pattern) != 1:
            return [[("", "u")]]
        return _value_alternatives(tuple(_trim(v, op, pattern[0]) for v in value), quoted)
    if op in ("/", "//", "/#", "/%"):
        return _replace_op(value, op, rest[1:], host, quoted)
    if op == ":":
        return _substring(value, rest[1:], host, quoted)
    if op in ("^^", "^", ",,", ","):
        fold = str.upper if op.startswith("^") else str.lower
        return _value_alternatives(tuple(fold(v) for v in value), quoted)
    return _unknown(host, *rest)


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
            return _unknown(host, *operand_nodes)
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


def _substring(
    value: tuple[str, ...], nodes: list[Node], host: Host, quoted: bool
) -> list[Alternative]:
    numbers = [text(n) for n in nodes if n.type != ":"]
    try:
        offset = int(numbers[0]) if numbers else 0
        length = int(numbers[1]) if len(numbers) > 1 else None
    except ValueError:
        return _unknown(host, *nodes)
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
    "regex": _regex,
}
_LITERAL_TYPES = frozenset(
    {
        "number",
        "extglob_pattern",
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
            mask = "".join("u" if kind == "u" else kind * len(t) for t, kind in alt)
            expanded = _tilde(skeleton, mask, host)
            fields.append(Arg(expanded[0] if expanded else "*", dynamic=True))
            continue
        ifs = host.ifs
        if ifs is None and any(kind == "e" for _, kind in alt):
            raise TooComplex("field splitting with a run-time IFS")
        for chars, mask in _split_fields(alt, ifs or " \t\n"):
            for b_chars, b_mask in _braces(chars, mask):
                expanded = _tilde(b_chars, b_mask, host)
                if expanded is None:  # `~` of a $HOME, `~-` of an OLDPWD unknown here
                    slash = b_chars.find("/")
                    fields.append(Arg("*" + (b_chars[slash:] if slash >= 0 else ""), dynamic=True))
                    continue
                t_chars, t_mask = expanded
                fields.extend(_glob(t_chars, t_mask, host) if glob_paths else [Arg(t_chars)])
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


_TILDE_USER = re.compile(r"[A-Za-z0-9._][A-Za-z0-9._-]*")


def _tilde(chars: str, mask: str, host: Host) -> tuple[str, str] | None:
    """Tilde expansion of a field's unquoted leading `~prefix`, with the shell's current
    `$HOME` (`~`), `$PWD` (`~+`), `$OLDPWD` (`~-`) or the user's home (`~user`);
    None when that value is not known here (`~` after `HOME=$(...)`, `~2` of the dir stack)."""
    if chars[:1] != "~" or mask[:1] != "l":
        return chars, mask
    end = chars.find("/")
    end = len(chars) if end < 0 else end
    prefix = chars[1:end]
    if any(m != "l" for m in mask[1:end]):
        return chars, mask  # a quoted tilde-prefix is not expanded
    value: str | None
    if prefix == "":
        value = host.home
    elif prefix == "+":
        value = host.cwd
    elif prefix == "-":
        value = host.oldpwd
    elif re.fullmatch(r"[+-]?\d+", prefix):
        value = None  # `~N`: the directory stack
    elif _TILDE_USER.fullmatch(prefix):
        home = os.path.expanduser("~" + prefix)
        if home.startswith("~"):
            return chars, mask  # no such user: bash keeps the word as it is
        value = home
    else:
        return chars, mask
    if value is None:
        return None
    return value + chars[end:], "q" * len(value) + mask[end:]


def _glob(chars: str, mask: str, host: Host) -> list[Arg]:
    magic = any(c in "*?[" and m in "le" for c, m in zip(chars, mask, strict=True))
    if not magic:
        return [Arg(chars)]
    pattern = "".join(
        globmod.escape(c) if m == "q" else c for c, m in zip(chars, mask, strict=True)
    )
    cwd = host.cwd
    if cwd is None and not pattern.startswith("/"):
        return [Arg(chars, dynamic=True)]
    base = pattern if pattern.startswith("/") else os.path.join(cwd or "/", pattern)
    if sum(globmod.has_magic(part) for part in base.split("/")) > MAX_GLOB_COMPONENTS:
        raise TooComplex("a glob spans too many directory levels to expand")
    matches = _expand_glob(base, host.deadline)
    if not matches:
        return [Arg(chars)]  # bash passes an unmatched pattern through literally
    return [Arg(m) for m in sorted(matches)]


def _expand_glob(pattern: str, deadline: float) -> list[str]:
    """The paths an absolute glob pattern matches, like `glob.glob` (a leading `.` is only
    matched by a pattern part that starts with `.`), within the analysis time budget."""
    parts = pattern.split("/")[1:]
    paths = [""]
    for index, part in enumerate(parts):
        if part == "" and index < len(parts) - 1:
            continue  # `a//b` is `a/b`
        if not globmod.has_magic(part):
            paths = [f"{p}/{part}" for p in paths]
            continue
        last = index == len(parts) - 1
        found: list[str] = []
        for directory in paths:
            found.extend(_matching_entries(directory, part, last, deadline))
            if last and len(found) > MAX_FIELDS:
                raise TooComplex("a glob matches too many files")
        paths = found
        if not paths:
            return []
    if not globmod.has_magic(parts[-1]):
        paths = [p for p in paths if os.path.lexists(p)]
        if len(paths) > MAX_FIELDS:
            raise TooComplex("a glob matches too many files")
    return paths


def _matching_entries(directory: str, part: str, last: bool, deadline: float) -> list[str]:
    if time.monotonic() > deadline:
        raise TooComplex("a glob took too long to expand")
    hidden = part.startswith(".")
    found: list[str] = []
    try:
        with os.scandir(directory or "/") as entries:
            for count, entry in enumerate(entries):
                if count % 256 == 255 and time.monotonic() > deadline:
                    raise TooComplex("a glob took too long to expand")
                name = entry.name
                if name.startswith(".") and not hidden:
                    continue
                if not fnmatch.fnmatchcase(name, part):
                    continue
                if not last and not _is_dir(entry):
                    continue
                found.append(f"{directory}/{name}")
    except OSError:
        return []
    return found


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False
