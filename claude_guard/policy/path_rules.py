"""Path rules compiled for matching: gitignore semantics (pathspec) over normalised paths.

Patterns are matched against absolute paths written without their leading slash, so that a
gitignore pattern without a slash (`.env`, `*.pem`) matches at any depth on the machine, a
pattern with one is anchored (`/etc/shadow`), and `~/` is the home directory.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pathspec

from claude_guard.paths import NormalPath, relative_to
from claude_guard.policy.merge import LayeredRule
from claude_guard.policy.schema import Access, Action, Scope


@dataclass(frozen=True, slots=True)
class PathMatch:
    rule: LayeredRule
    path: str  # the spelling (lexical or symlink-resolved) that matched
    access: Access
    via: str = ""  # which argument or mention named the path

    @property
    def action(self) -> Action:
        return self.rule.rule.action


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    layered: LayeredRule
    spec: pathspec.PathSpec[Any]


class PathRuleSet:
    """Every path rule of the effective policy, compiled once, matched many times."""

    def __init__(self, rules: Sequence[LayeredRule], home: str, project_root: str) -> None:
        homes = _spellings_of_dir(home)
        self.project_roots = _spellings_of_dir(project_root)
        self._rules = [_compile(rule, homes) for rule in rules]

    def matches(self, path: NormalPath, access: Access) -> list[PathMatch]:
        found: list[PathMatch] = []
        for compiled in self._rules:
            rule = compiled.layered.rule
            if access not in rule.access:
                continue
            for spelling in path.spellings():
                if self._matches_one(compiled, spelling, _suffixes(path)):
                    found.append(PathMatch(compiled.layered, spelling, access))
                    break
        return found

    def is_inside_project(self, absolute: str) -> bool:
        return any(relative_to(absolute, root) is not None for root in self.project_roots)

    def _matches_one(
        self, compiled: _CompiledRule, spelling: str, suffixes: tuple[str, ...]
    ) -> bool:
        scope = compiled.layered.rule.scope
        if scope is Scope.PROJECT:
            candidates = [
                rel
                for root in self.project_roots
                if (rel := relative_to(spelling, root)) is not None and rel != "."
            ]
        else:
            if scope is Scope.OUTSIDE_PROJECT and self.is_inside_project(spelling):
                return False
            candidates = [spelling.lstrip("/")] if spelling != "/" else []
        return any(compiled.spec.match_file(c + s) for c in candidates for s in suffixes)


def _suffixes(path: NormalPath) -> tuple[str, ...]:
    """Directory patterns (`~/.ssh/`) need a trailing slash to match the directory itself.
    A path that does not exist yet could become either, so it is tried both ways."""
    if not path.exists:
        return ("", "/")
    return ("/",) if path.is_dir else ("",)


def _compile(rule: LayeredRule, homes: list[str]) -> _CompiledRule:
    lines: list[str] = []
    for pattern in rule.rule.patterns:
        negated = pattern.startswith("!")
        body = pattern[1:] if negated else pattern
        for expanded in _expand_home_pattern(body, homes):
            lines.append(("!" if negated else "") + expanded)
    return _CompiledRule(rule, pathspec.GitIgnoreSpec.from_lines(lines))


def _expand_home_pattern(pattern: str, homes: list[str]) -> list[str]:
    """`~/x` becomes one anchored pattern per spelling of the home directory."""
    if pattern == "~" or pattern.startswith("~/"):
        rest = pattern[1:]
        return ["/" + home.strip("/") + rest for home in homes]
    return [pattern]


def _spellings_of_dir(path: str) -> list[str]:
    real = os.path.realpath(path)
    return [path] if real == path else [path, real]
