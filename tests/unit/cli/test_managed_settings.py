"""Policy patterns in Claude Code's permission-rule syntax, and the exceptions that keep a
pattern out of the native backstop."""

from __future__ import annotations

import pytest

from claude_guard.cli.managed_settings import _may_overlap, native_path


@pytest.mark.parametrize(
    ("pattern", "native"),
    [
        (".env", "//**/.env"),
        ("*.pem", "//**/*.pem"),
        ("~/.ssh/", "~/.ssh/**"),
        ("~/.aws/credentials", "~/.aws/credentials"),
        ("/etc/claude-guard/", "//etc/claude-guard/**"),
        ("/proc/*/environ", "//proc/*/environ"),
        ("**/.claude/settings.json", "//**/.claude/settings.json"),
        ("secrets/prod.yaml", "//secrets/prod.yaml"),  # a slash anchors it at the root
    ],
)
def test_native_path(pattern: str, native: str) -> None:
    assert native_path(pattern) == native


@pytest.mark.parametrize(
    ("pattern", "exception", "overlap"),
    [
        (".env.*", ".env.example", True),
        (".env", ".env.example", False),
        ("*.env", ".env.example", False),
        ("id_rsa*", "id_*.pub", True),
        ("*.pem", "id_*.pub", False),
        ("/srv/phi/", "/srv/phi/README", True),
        ("/srv/phi/", "README", True),  # a name without a slash is excepted at any depth
        ("~/.ssh/", "/srv/x", False),
        ("*.[ch]", "a.c", True),  # classes are not compared: assumed to overlap
    ],
)
def test_exceptions_that_may_overlap(pattern: str, exception: str, overlap: bool) -> None:
    assert _may_overlap(pattern, exception) is overlap
