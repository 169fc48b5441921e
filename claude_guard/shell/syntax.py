"""Parsing with tree-sitter-bash: error-tolerant, so a broken command still yields the parts
that did parse (analysed) plus a flag (reported unanalysable)."""

from __future__ import annotations

from functools import lru_cache

import tree_sitter_bash
from tree_sitter import Language, Node, Parser, Tree

from claude_guard.shell.model import TooComplex


@lru_cache(maxsize=1)
def _parser() -> Parser:
    return Parser(Language(tree_sitter_bash.language()))


# tree-sitter-bash 0.25.1's scanner segfaults on code points from U+9C700 up (unassigned and
# private-use planes; found by fuzzing: "{" + U+F677A). No shell command needs planes 3 and up,
# so they are refused before parsing.
_PARSER_UNSAFE_FROM = "\U00030000"


def parse(command: str) -> Tree:
    """The syntax tree. Callers keep the Tree itself referenced while they use its nodes: a
    node does not keep its tree alive, and a freed tree makes node access a use-after-free."""
    if command and max(command) >= _PARSER_UNSAFE_FROM:
        raise TooComplex("command contains characters the shell parser cannot take")
    return _parser().parse(command.encode("utf-8", "surrogatepass"))


def text(node: Node) -> str:
    raw = node.text
    return raw.decode("utf-8", "replace") if raw is not None else ""


def is_benign_error(node: Node) -> bool:
    """ERROR nodes the grammar produces for valid bash it does not know: `<>` (read-write
    redirection) and `<<<` after another redirection. The interpreter handles both."""
    if node.type != "ERROR":
        return False
    inner = [c.type for c in node.children]
    parent = node.parent
    if inner == [">"] and parent is not None and parent.type == "file_redirect":
        return True
    return (
        inner == ["<<"]
        and node.next_sibling is not None
        and (node.next_sibling.type == "file_redirect")
    )


def has_real_error(root: Node) -> bool:
    if not root.has_error:
        return False
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_missing or (node.type == "ERROR" and not is_benign_error(node)):
            return True
        stack.extend(c for c in node.children if c.has_error or c.is_missing)
    return False
