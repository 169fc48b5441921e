"""The corpus deny list is the shipped default policy's, so the corpus figures are about what
that policy protects and cannot drift from it."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from claude_guard.policy.loader import load_layer_file
from claude_guard.shell.evaluation import DENY_PATTERNS, WRITE_PATTERNS, DenyList

DEFAULT_POLICY = Path(str(resources.files("claude_guard") / "data" / "policies" / "default.yaml"))


def _deny_rules() -> list[tuple[set[str], list[str]]]:
    layer = load_layer_file("default", DEFAULT_POLICY)
    return [
        ({a.value for a in rule.access}, rule.patterns)
        for rule in layer.policy.paths
        if rule.action.value == "deny"
    ]


def test_every_deny_read_pattern_of_the_default_policy_is_in_the_deny_list() -> None:
    read_patterns = [p for access, patterns in _deny_rules() if "read" in access for p in patterns]
    assert read_patterns, "the default policy has no deny rule covering reads"
    missing = [p for p in read_patterns if p not in DENY_PATTERNS]
    assert missing == []


def test_write_only_deny_patterns_are_the_write_patterns() -> None:
    write_only = [p for access, patterns in _deny_rules() if access == {"write"} for p in patterns]
    assert list(WRITE_PATTERNS) == write_only


def test_patterns_the_hand_copy_had_lost_are_protected(tmp_path: Path) -> None:
    home = str(tmp_path / "home")
    deny = DenyList(home)
    assert deny.matches(f"{home}/.cargo/credentials.toml")
    assert deny.matches("/srv/app/.streamlit/secrets.toml")
    assert deny.matches("/srv/app/_netrc")
    assert deny.matches(f"{home}/.claude-guard/keys/audit.key")
    assert not deny.matches("/srv/app/.env.example")


def test_self_protection_is_write_only(tmp_path: Path) -> None:
    home = str(tmp_path / "home")
    deny = DenyList(home)
    assert deny.matches(f"{home}/.local/bin/claude-guard", "write")
    assert not deny.matches(f"{home}/.local/bin/claude-guard", "read")
