"""Evaluation support for the shell analysis: a sandbox tree with protected and ordinary files,
and the shipped default policy's protected paths as a small deny list. Used by the corpus tests
and by `benchmarks/shell_corpus_report.py`; not used on the hook path."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pathspec

from claude_guard.fsutil import walk_tree
from claude_guard.policy.loader import load_layer_file
from claude_guard.policy.schema import Access, Action
from claude_guard.shell.model import ShellAnalysis

_DEFAULT_POLICY = Path(
    str(resources.files("claude_guard").joinpath("data", "policies", "default.yaml"))
)


def protected_patterns(
    policy_file: Path = _DEFAULT_POLICY,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The patterns of the policy's deny path rules, in the policy's order (gitignore syntax,
    `~/` = home): (those that cover reads, those that cover writes only). Read from the shipped
    policy rather than copied here, so the corpus figures are always about what it protects."""
    layer = load_layer_file("default", policy_file)
    reads: list[str] = []
    writes_only: list[str] = []
    for rule in layer.policy.paths:
        if rule.action != Action.DENY:
            continue
        target = reads if Access.READ in rule.access else writes_only
        target.extend(rule.patterns)
    return tuple(reads), tuple(writes_only)


# Denied for reads (and writes): a command reaching one of these is blocked.
# Self-protection (claude-guard's own files): denied for writes only.
DENY_PATTERNS, WRITE_PATTERNS = protected_patterns()


class DenyList:
    def __init__(self, home: str) -> None:
        self.home = home.rstrip("/")
        self._both = self._compile(DENY_PATTERNS)
        self._write = self._compile(WRITE_PATTERNS)

    def _compile(self, patterns: Iterable[str]) -> pathspec.PathSpec[Any]:
        lines = []
        for pattern in patterns:
            negate = pattern.startswith("!")
            body = pattern[1:] if negate else pattern
            if body.startswith("~/"):
                body = self.home + body[1:]
            lines.append(("!" if negate else "") + body)
        return pathspec.GitIgnoreSpec.from_lines(lines)

    def matches(self, path: str, mode: str = "read") -> bool:
        normal = os.path.normpath(path).lstrip("/")
        if self._both.match_file(normal) or self._both.match_file(normal + "/"):
            return True
        return mode == "write" and self._write.match_file(normal)


@dataclass(frozen=True)
class Verdict:
    protected: tuple[str, ...]  # protected paths reached (directly or by a recursive walk)
    egress: bool
    env_dump: bool
    unanalysable: bool

    @property
    def blocked(self) -> bool:
        """What the default policy does: deny a protected path, egress, an environment dump,
        or a command that cannot be followed (`defaults.unanalysable_command: deny`)."""
        return bool(self.protected) or self.egress or self.env_dump or self.unanalysable


def verdict(analysis: ShellAnalysis, deny: DenyList, walk_limit: int = 20_000) -> Verdict:
    protected = [a.path for a in analysis.accesses if deny.matches(a.path, a.mode)]
    for directory in analysis.recursive_reads:
        protected.extend(p for p in _walk(directory, walk_limit) if deny.matches(p))
    return Verdict(
        tuple(dict.fromkeys(os.path.normpath(p) for p in protected)),
        bool(analysis.egress),
        analysis.env_dump,
        bool(analysis.unanalysable),
    )


def _walk(directory: str, limit: int) -> list[str]:
    """Everything under `directory`, links not followed, as the recursive read would see it."""
    return [e.path for e in walk_tree(directory, max_entries=limit) if e.depth > 0]


SANDBOX_FILES = {
    "project/.env": "API_KEY=synthetic-not-a-secret\n",
    "project/.env.example": "API_KEY=\n",
    "project/.env.production": "API_KEY=synthetic-prod\n",
    "project/.git/HEAD": "ref: refs/heads/main\n",
    "project/src/app.py": "print('app')\n",
    "project/src/util.py": "def util():\n    return 1\n",
    "project/tests/test_app.py": "def test_app():\n    assert True\n",
    "project/keys/server.pem": "-----BEGIN SYNTHETIC-----\n",
    "project/config/credentials.json": "{}\n",
    "project/infra/terraform.tfstate": "{}\n",
    "project/README.md": "# demo\nTODO: write docs\n",
    "project/requirements.txt": "requests\n",
    "project/package.json": '{"name": "demo", "scripts": {"test": "jest"}}\n',
    "project/Makefile": "build:\n\techo build\n",
    "project/files.txt": "src/app.py\nsrc/util.py\n",
    "project/targets.txt": ".env\n",
    "project/run.sh": "#!/bin/sh\ncat .env\n",
    "project/build.sh": "#!/bin/bash\necho building\nls src\n",
    "home/.ssh/id_rsa": "-----BEGIN SYNTHETIC KEY-----\n",
    "home/.ssh/id_rsa.pub": "ssh-rsa AAAA synthetic\n",
    "home/.ssh/known_hosts": "example.com ssh-rsa AAAA\n",
    "home/.aws/credentials": "[default]\naws_access_key_id=SYNTHETIC\n",
    "home/.aws/config": "[default]\nregion=eu-west-1\n",
    "home/.kube/config": "apiVersion: v1\n",
    "home/.npmrc": "//registry.npmjs.org/:_authToken=synthetic\n",
    "home/.netrc": "machine example.com login x password y\n",
    "home/.pgpass": "localhost:5432:*:u:p\n",
    "home/.config/gh/hosts.yml": "github.com:\n  oauth_token: synthetic\n",
    "home/.gnupg/pubring.kbx": "synthetic\n",
    "home/.claude/settings.json": "{}\n",
    "home/.bashrc": "export PS1='$ '\n",
}


def build_sandbox(root: str) -> tuple[str, str]:
    """Create the sandbox under `root`; returns (project cwd, home)."""
    for relative, content in SANDBOX_FILES.items():
        path = os.path.join(root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(content)
    return os.path.join(root, "project"), os.path.join(root, "home")
