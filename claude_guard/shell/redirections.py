"""Redirections and here-documents: the files they read and write, the stdin they give a
command, and what is remembered of a file written here for later commands to read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tree_sitter import Node

from claude_guard.shell import words
from claude_guard.shell.state import Output, State
from claude_guard.shell.syntax import is_benign_error, text
from claude_guard.shell.words import Arg

if TYPE_CHECKING:  # the interpreter calls in here; only its type is needed
    from claude_guard.shell.interp import Interpreter


@dataclass
class Redirections:
    stdin: Output  # the new stdin's text when `piped`
    piped: bool  # stdin was redirected (file, here-doc, here-string)
    to_file: bool  # stdout goes to a file, so nothing flows on through a pipe
    continuations: list[Node]  # statements the grammar hangs off a here-doc (`<<EOF | x`)
    stdout_files: list[tuple[str, bool]]  # (path, appended) receiving stdout


def run_bare_redirect(
    interp: Interpreter, node: Node, state: State, stdin: Output, piped: bool
) -> Output:
    """`$(< file)`: bash's shorthand for the file's content."""
    applied = redirects(interp, [node], state)
    remember(interp, applied.stdout_files, "")
    return applied.stdin if applied.piped else ""


def run_redirected(
    interp: Interpreter, node: Node, state: State, stdin: Output, piped: bool
) -> Output:
    body = node.child_by_field_name("body")
    applied = redirects(interp, [c for c in node.children if c is not body], state)
    stdin_in = applied.stdin if applied.piped else stdin
    output = interp.exec(body, state, stdin_in, piped or applied.piped) if body else ""
    remember(interp, applied.stdout_files, output)
    output = "" if applied.to_file else output
    for continuation in applied.continuations:
        output = interp.exec(continuation, state.copy(), output, True)
    return output


def redirects(interp: Interpreter, nodes: list[Node], state: State) -> Redirections:
    """Apply redirections before the command runs (reads, writes, new stdin)."""
    saved, interp.stdout_files = interp.stdout_files, []
    try:
        return _apply(interp, nodes, state)
    finally:
        interp.stdout_files = saved


def _apply(interp: Interpreter, nodes: list[Node], state: State) -> Redirections:
    stdin: Output = ""
    piped = to_file = False
    continuations: list[Node] = []
    herestring_next = False
    for node in nodes:
        if node.type == "ERROR" and is_benign_error(node):
            herestring_next = True
            continue
        if node.type == "herestring_redirect" or (herestring_next and node.type == "file_redirect"):
            stdin, piped = _herestring(interp, node, state), True
        elif node.type == "heredoc_redirect":
            stdin, piped = _heredoc(interp, node, state), True
            for child in node.named_children:
                if child.type == "file_redirect":
                    to_file |= _file_redirect(interp, child, state)[1]
                elif interp.is_statement(child.type):
                    continuations.append(child)
        elif node.type == "file_redirect":
            content, out = _file_redirect(interp, node, state)
            to_file |= out
            if not isinstance(content, bool):
                stdin, piped = content, True
        herestring_next = False
    return Redirections(stdin, piped, to_file, continuations, interp.stdout_files)


def remember(interp: Interpreter, targets: list[tuple[str, bool]], output: Output) -> None:
    for path, append in targets:
        before = interp.written.get(path, "") if append else ""
        interp.written[path] = None if before is None or output is None else before + output


def _herestring(interp: Interpreter, node: Node, state: State) -> Output:
    target = [c for c in node.named_children if c.type != "file_descriptor"]
    if not target:
        return ""
    literal = words.literal_text(words.expand_node(target[-1], interp.scope(state)))
    return None if literal is None else literal + "\n"


def _heredoc(interp: Interpreter, node: Node, state: State) -> Output:
    start = next((c for c in node.children if c.type == "heredoc_start"), None)
    body = next((c for c in node.children if c.type == "heredoc_body"), None)
    quoted = start is not None and any(q in text(start) for q in "'\"\\")
    if any(c.type not in _HEREDOC_PARTS for c in node.children):
        # tree-sitter-bash misparses some bodies (a line starting with a backslash comes out
        # as words, the body empty): read the body from the raw text instead.
        if not quoted:
            interp.findings.blind("a here-document the parser misreads")
            return None
        return _raw_heredoc_body(node)
    if body is None:
        return ""
    if quoted:
        return text(body)
    return words.literal_text(words.expand_node(body, interp.scope(state)))


def _file_redirect(interp: Interpreter, node: Node, state: State) -> tuple[Output | bool, bool]:
    # (False, _) means stdin is untouched; a str or None is the new stdin's content.
    """Returns (stdin content or False when stdin is untouched, stdout goes to a file)."""
    ops = [c.type for c in node.children if not c.is_named or c.type == "ERROR"]
    op = "".join(">" if o == "ERROR" else o for o in ops)
    destination = node.child_by_field_name("destination")
    fd = next((text(c) for c in node.children if c.type == "file_descriptor"), "")
    if destination is None:
        return False, False
    if op in ("<&", ">&", "<&-", ">&-") and destination.type == "number":
        return False, False
    if op in (">&", "<&") and text(destination) == "-":
        return False, False
    for arg in interp.fields(destination, state):
        written = _redirect_target(interp, arg, op, state)
        if written and ">" in op and fd in ("", "1", "&"):
            interp.stdout_files.append((written, op.endswith(">>")))
    if op in ("<", "<>") and fd in ("", "0"):
        target = interp.fields(destination, state)
        content = None
        if len(target) == 1 and not target[0].dynamic:
            resolved = interp.resolve(target[0].text, state)
            content = interp.content(resolved) if resolved else None
        return content, False
    return False, op not in ("<",) and fd in ("", "1", "&")


def _redirect_target(interp: Interpreter, arg: Arg, op: str, state: State) -> str | None:
    via = f"redirect {op}"
    if "<" in op:
        interp.touch(arg, "read", via, state)
    if ">" in op:
        written = interp.touch(arg, "write", via, state)
        return written if written is not None else interp.resolve(arg.text, state)
    return None


_HEREDOC_PARTS = frozenset(
    {
        "<<",
        "<<-",
        "heredoc_start",
        "heredoc_body",
        "heredoc_end",
        "file_redirect",
        "herestring_redirect",
    }
)


def _raw_heredoc_body(node: Node) -> str:
    raw = text(node)
    newline = raw.find("\n")
    if newline == -1:
        return ""
    body = raw[newline + 1 :]
    end = next((c for c in node.children if c.type == "heredoc_end"), None)
    if end is not None and body.endswith(text(end)):
        body = body[: -len(text(end))]
    return body
