"""The packaged secret rules files: valid, unique, broad, and each rule testable on its own."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from claude_guard.detect.secrets import (
    EXAMPLE_CLOSE,
    EXAMPLE_OPEN,
    RULES_DIR,
    RulesFile,
    SecretRulesError,
    load_rules_file,
    packaged_rule_paths,
    split_marked_example,
)

RULE_FILES = packaged_rule_paths()
EXPECTED_FAMILIES = {
    "ai",
    "cloud",
    "databases",
    "generic",
    "keys",
    "messaging",
    "observability",
    "payment",
    "registries",
    "saas",
    "vcs_ci",
}
# Providers that are not services: catch-all rules.
NOT_A_PROVIDER = {"generic"}


def _load_all() -> list[RulesFile]:
    return [load_rules_file(path) for path in RULE_FILES]


def test_rules_directory_ships_every_family() -> None:
    assert RULES_DIR.is_dir()
    assert {path.stem for path in RULE_FILES} == EXPECTED_FAMILIES


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: Path(p).name)
def test_every_rules_file_validates(path: Path) -> None:
    rules_file = load_rules_file(path)
    assert rules_file.family == path.stem
    assert rules_file.rules


def test_rule_ids_are_unique_across_files() -> None:
    ids = Counter(rule.id for rules_file in _load_all() for rule in rules_file.rules)
    duplicates = [rule_id for rule_id, count in ids.items() if count > 1]
    assert duplicates == []


def test_at_least_45_distinct_providers() -> None:
    providers = {
        rule.provider for rules_file in _load_all() for rule in rules_file.rules
    } - NOT_A_PROVIDER
    assert len(providers) >= 45, sorted(providers)


def test_every_rule_has_positive_and_negative_examples() -> None:
    for rules_file in _load_all():
        for rule in rules_file.rules:
            assert len(rule.examples.positive) >= 1, rule.id
            assert len(rule.examples.negative) >= 1, rule.id


def test_positive_examples_contain_a_keyword_of_their_rule() -> None:
    """The keyword pre-filter must never hide a rule's own positives."""
    for rules_file in _load_all():
        for rule in rules_file.rules:
            for example in rule.examples.positive:
                plain, _, _ = split_marked_example(example)
                lowered = plain.lower()
                assert any(kw in lowered for kw in rule.keywords), (rule.id, example[:40])


def test_marked_example_split() -> None:
    plain, start, end = split_marked_example(f"key = '{EXAMPLE_OPEN}abc{EXAMPLE_CLOSE}' # x")
    assert plain == "key = 'abc' # x"
    assert plain[start:end] == "abc"


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "custom.yaml"
    path.write_text(body, encoding="utf-8")
    return path


VALID_RULE = """
family: custom
rules:
  - id: acme-token
    type: ACME_TOKEN
    provider: acme
    description: Acme token.
    keywords: [acme_]
    regex: 'acme_[a-z0-9]{20}'
    score: 0.9
    examples:
      positive: ['t = «acme_abcdefghij0123456789»']
      negative: ['t = acme_']
"""


def test_custom_rules_file_loads(tmp_path: Path) -> None:
    rules_file = load_rules_file(_write(tmp_path, VALID_RULE))
    assert [rule.id for rule in rules_file.rules] == ["acme-token"]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("id: acme-token", "id: Acme Token"),
        ("type: ACME_TOKEN", "type: acme-token"),
        ("keywords: [acme_]", "keywords: []"),
        ("keywords: [acme_]", "keywords: [ACME_]"),
        ("regex: 'acme_[a-z0-9]{20}'", "regex: 'acme_[a-z0-9{20}'"),
        ("score: 0.9", "score: 1.5"),
        ("score: 0.9", "score: 0.9\n    checksum: no_such_check"),
        ("positive: ['t = «acme_abcdefghij0123456789»']", "positive: []"),
        ("positive: ['t = «acme_abcdefghij0123456789»']", "positive: ['no marks here']"),
        ("negative: ['t = acme_']", "negative: ['t = «marked»']"),
        ("score: 0.9", "score: 0.9\n    surprise: true"),
    ],
)
def test_invalid_rules_are_rejected_with_a_clear_error(tmp_path: Path, old: str, new: str) -> None:
    assert old in VALID_RULE
    with pytest.raises(SecretRulesError, match=r"custom\.yaml is invalid"):
        load_rules_file(_write(tmp_path, VALID_RULE.replace(old, new)))


def test_unreadable_and_malformed_files_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(SecretRulesError, match="cannot read"):
        load_rules_file(tmp_path / "missing.yaml")
    with pytest.raises(SecretRulesError, match="not valid YAML"):
        load_rules_file(_write(tmp_path, "family: [unclosed"))
    with pytest.raises(SecretRulesError, match="must be a mapping"):
        load_rules_file(_write(tmp_path, "- just\n- a list\n"))


def test_errors_never_echo_rule_content(tmp_path: Path) -> None:
    canary = "CANARYc4n4ryc4n4ry"
    body = VALID_RULE.replace("score: 0.9", f"score: '{canary}'").replace(
        "regex: 'acme_[a-z0-9]{20}'", f"regex: '{canary}[unclosed'"
    )
    with pytest.raises(SecretRulesError) as excinfo:
        load_rules_file(_write(tmp_path, body))
    assert canary not in str(excinfo.value)
    assert excinfo.value.__cause__ is None
