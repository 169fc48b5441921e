"""An organisation's policy that extends the shipped default adds to it: every default rule
still applies, the org's own rules and stricter settings join them, and nothing the developer
can edit takes part. A top policy that would switch claude-guard off is refused."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from claude_guard.cli.main import main
from tests.conftest import GuardEnv

ORG = """\
version: org-7
extends: default
paths:
  - id: exports
    patterns: ["*.secret"]
detection:
  categories:
    phi: {action: allow}
    pii: {action: deny}
"""


def _read(guard: GuardEnv, run, name: str, text: str = "x\n") -> tuple[int, list[str]]:
    path = guard.project / name
    path.write_text(text)
    answer = run(guard.tool("Read", file_path=str(path)))
    record = guard.audit_lines()[-1]
    return answer.exit_code, record.get("rule_ids", [])


def test_default_rules_and_org_rules_both_apply(guard: GuardEnv, run) -> None:
    guard.write_policy("managed", ORG)
    assert _read(guard, run, ".env.production", "API_TOKEN=x\n") == (2, ["default:secrets.dotenv"])
    assert _read(guard, run, "a.secret") == (2, ["managed:exports"])
    assert _read(guard, run, "notes.txt")[0] == 0
    assert guard.audit_lines()[-1]["policy_version"] == "managed@org-7+default@2026.11.1"


def test_the_orgs_settings_hold_over_the_defaults(guard: GuardEnv, run) -> None:
    guard.write_policy("managed", ORG)
    # The org allows PHI (say on a covered route) and denies PII: its word holds for both.
    code, rules = _read(guard, run, "visit.txt", "Patient: Maria Gonzalez  SSN: 536-22-8726\n")
    assert code == 0 and rules == []
    code, rules = _read(guard, run, "contact.txt", "Email: jane.roe@example.org\n")
    assert (code, rules) == (2, ["detection:pii"])


def test_lower_layers_still_only_tighten_an_extended_policy(guard: GuardEnv, run) -> None:
    guard.write_policy("managed", ORG)
    guard.write_policy("project", "detection:\n  categories:\n    phi: {action: deny}\n")
    code, _ = _read(guard, run, "visit.txt", "Patient: Maria Gonzalez  SSN: 536-22-8726\n")
    assert code == 2
    guard.write_policy(
        "project", "paths:\n  - id: open\n    action: allow\n    patterns: ['.env*']\n"
    )
    assert _read(guard, run, ".env.production", "API_TOKEN=x\n")[0] == 2


def test_helper_tools_the_default_allows_stay_allowed(guard: GuardEnv, run) -> None:
    guard.write_policy("managed", ORG)
    assert run(guard.tool("TodoWrite", todos=[])).exit_code == 0
    assert run(guard.tool("SomethingNew", x=1)).exit_code == 2  # unknown: the default denies


def test_the_profile_comes_from_the_package_not_the_users_copy(guard: GuardEnv, run) -> None:
    (guard.guard_home / "policies" / "default.yaml").write_text("version: gutted\npaths: []\n")
    guard.write_policy("managed", ORG)
    assert _read(guard, run, ".env.local", "API_TOKEN=x\n")[0] == 2


def test_only_the_top_layer_may_extend(guard: GuardEnv, run) -> None:
    guard.write_policy("project", "extends: default\n")
    answer = run(guard.tool("Read", file_path=str(guard.project / "README.md")))
    assert answer.exit_code == 2
    assert "extends: only the top policy (the organisation's) may extend" in answer.stderr


def test_an_unknown_profile_is_named_with_those_that_exist(guard: GuardEnv, run) -> None:
    guard.write_policy("managed", "extends: hipaa-2031\n")
    answer = run(guard.tool("Read", file_path=str(guard.project / "README.md")))
    assert answer.exit_code == 2
    assert "no shipped profile 'hipaa-2031' (there are: default)" in answer.stderr


def test_an_empty_top_policy_is_refused(guard: GuardEnv, run) -> None:
    for text in ("{}\n", 'version: "1"\n'):
        guard.write_policy("managed", text)
        answer = run(guard.tool("Read", file_path=str(guard.project / "README.md")))
        assert answer.exit_code == 2 and "the policy has no path rules" in answer.stderr


def test_a_top_policy_that_leaves_the_hook_settings_writable_is_refused(
    guard: GuardEnv, run
) -> None:
    guard.write_policy("managed", "version: org\npaths:\n  - id: env\n    patterns: ['.env']\n")
    answer = run(guard.tool("Write", file_path=str(guard.project / "notes.txt"), content="hello\n"))
    assert answer.exit_code == 2
    assert "would let the agent rewrite /home/someone/.claude/settings.json" in answer.stderr
    assert "(and more)" in answer.stderr and "add `extends: default`" in answer.stderr


HOOK_RULE = """\
version: org
paths:
  - id: hooks
    access: [write]
    patterns: ["~/.claude/settings*.json", "**/.claude/settings*.json"{extra}]
{more}"""


@pytest.mark.parametrize(
    ("extra", "more", "says"),
    [
        # An exception carved out where real homes are.
        (', "!/home/**", "!/Users/**", "!/root/**", "!/var/**"', "", "would let the agent"),
        # Commands the analysis cannot follow could rewrite the settings.
        ("", "defaults: {unanalysable_command: allow}\n", "unanalysable_command: allow"),
    ],
    ids=["negated homes", "unanalysable allowed"],
)
def test_protection_that_only_looks_complete_is_refused(
    guard: GuardEnv, run, extra: str, more: str, says: str
) -> None:
    guard.write_policy("managed", HOOK_RULE.format(extra=extra, more=more))
    answer = run(guard.tool("Read", file_path=str(guard.project / "README.md")))
    assert answer.exit_code == 2 and says in answer.stderr


def test_protection_of_this_project_only_is_refused(guard: GuardEnv, run) -> None:
    guard.write_policy(
        "managed",
        "version: org\npaths:\n  - id: hooks\n    access: [write]\n    scope: project\n"
        "    patterns: ['.claude/settings*.json']\n"
        "  - id: user\n    access: [write]\n    patterns: ['~/.claude/settings*.json']\n",
    )
    answer = run(guard.tool("Read", file_path=str(guard.project / "README.md")))
    assert answer.exit_code == 2 and "/tmp/checkout/.claude/settings.json" in answer.stderr


def test_complete_protection_without_extends_is_accepted(guard: GuardEnv, run) -> None:
    guard.write_policy("managed", HOOK_RULE.format(extra="", more=""))
    answer = run(guard.tool("Read", file_path=str(guard.project / "README.md")))
    assert (answer.exit_code, answer.stdout) == (0, "")


def test_a_repository_policy_never_becomes_the_top_layer(guard: GuardEnv, run) -> None:
    """Without the org's policy and the shipped default, the project's own file would be the
    top layer: it could extend the default and loosen anything, or name a spaCy pipeline
    (code to run). It is refused instead."""
    (guard.guard_home / "policies" / "default.yaml").unlink()
    guard.write_policy(
        "project",
        "extends: default\nmode: monitor\n"
        "detection: {presidio: {enabled: true, nlp_pipeline: ./evil}}\n",
    )
    answer = run(guard.tool("Read", file_path=str(guard.project / ".env")))
    assert answer.exit_code == 2 and "no organisation or default policy" in answer.stderr


def test_a_gutted_default_without_an_org_policy_is_refused(guard: GuardEnv, run) -> None:
    """The developer's own copy of the default stands in for the org's: emptying it does not
    turn the guard off, it stops every call with a reason."""
    (guard.guard_home / "policies" / "default.yaml").write_text("version: gutted\n")
    answer = run(guard.tool("Read", file_path=str(guard.project / "README.md")))
    assert answer.exit_code == 2 and "no path rules" in answer.stderr


def test_validate_checks_the_layers_together(guard: GuardEnv, monkeypatch) -> None:
    monkeypatch.chdir(guard.project)
    guard.write_policy("managed", ORG)
    result = CliRunner().invoke(main, ["policy", "validate"])
    assert result.exit_code == 0, result.output
    assert "extends default" in result.output
    guard.write_policy("managed", "version: org\npaths:\n  - id: env\n    patterns: ['.env']\n")
    refused = CliRunner().invoke(main, ["policy", "validate"])
    assert refused.exit_code == 1 and "would let the agent rewrite" in refused.output


def test_show_names_the_extended_profile(guard: GuardEnv, monkeypatch) -> None:
    monkeypatch.chdir(guard.project)
    guard.write_policy("managed", ORG)
    result = CliRunner().invoke(main, ["policy", "show"])
    assert result.exit_code == 0, result.output
    assert "layer: default" in result.output and "extended: true" in result.output
    assert "TodoWrite: allow" in result.output
    assert "claude_guard/data/policies/default.yaml" in result.output
