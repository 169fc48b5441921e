"""The package's shape holds: each stage imports only the stages before it, and nothing below the
entry reads the environment. Both are read from the source, so a change that breaks them fails
here before anyone has to find the cycle by hand."""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "claude_guard"

# The stages in the order data flows through them (DEVELOPERS.md, README "Architecture").
# Shared vocabulary (path spellings, the guard home, file helpers) comes first; the policy is
# configuration the analysis stages consult, so it comes before them.
STAGES = [
    "paths",
    "managed",
    "home",
    "route",
    "fsutil",
    "__init__",
    "event",
    "policy",
    "detect",
    "shell",
    "touches",
    "tools",
    "session",
    "decide",
    "answer",
    "record",
    "context",
    "entry",
    "cli",
]
ENTRIES = {"entry", "cli", "context"}


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


@functools.cache
def _parsed() -> dict[str, ast.Module]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        modules[module] = ast.parse(path.read_text())
    return modules


def _modules() -> Iterator[tuple[str, ast.Module]]:
    yield from _parsed().items()


def _runtime_imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """claude_guard imports that run (those under `if TYPE_CHECKING:` only name types)."""
    type_only: set[int] = set()
    for node in ast.walk(tree):
        test = node.test if isinstance(node, ast.If) else None
        if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
            type_only.update(id(n) for child in node.body for n in ast.walk(child))
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("claude_guard"):
            yield node.lineno, str(node.module)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("claude_guard"):
                    yield node.lineno, alias.name


def test_every_module_belongs_to_a_known_stage() -> None:
    unknown = {_stage(m) for m, _ in _modules()} - set(STAGES) - {"data", "py"}
    assert unknown == set()


def test_no_stage_imports_a_later_one() -> None:
    backwards = []
    for module, tree in _modules():
        here = STAGES.index(_stage(module))
        for line, target in _runtime_imports(tree):
            if target == "claude_guard":
                continue  # the package itself: its version
            there = _stage(target)
            if STAGES.index(there) > here:
                backwards.append(f"{module}:{line} imports {target}")
    assert backwards == []


def test_the_check_sees_a_backward_import() -> None:
    tree = ast.parse("from claude_guard.entry.hook import run_hook\n")
    assert [t for _, t in _runtime_imports(tree)] == ["claude_guard.entry.hook"]
    guarded = ast.parse(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from claude_guard.cli import x\n"
    )
    assert list(_runtime_imports(guarded)) == []


def _reads_environment(tree: ast.Module) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
            lines.append(node.lineno)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "expanduser"
        ):
            lines.append(node.lineno)
    return lines


# `~user` (another user's home) comes from the password database, not from $HOME: these
# modules expand it, and only it (`~` alone is the context's home).
OTHER_USERS_HOME = {"claude_guard.paths": 1, "claude_guard.shell.words": 1}


@pytest.mark.parametrize("module", [m for m, _ in _modules() if _stage(m) not in ENTRIES], ids=str)
def test_nothing_below_the_entry_reads_the_environment(module: str) -> None:
    reads = _reads_environment(_parsed()[module])
    assert len(reads) == OTHER_USERS_HOME.get(module, 0), reads


def test_the_environment_check_sees_a_read() -> None:
    assert _reads_environment(ast.parse("import os\nos.environ.get('HOME')\n")) == [2]
    assert _reads_environment(ast.parse("import os\nos.path.expanduser('~')\n")) == [2]
