"""The claude-guard command line, run as a user would."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from claude_guard import __version__
from claude_guard.cli.main import main
from tests.conftest import GuardEnv


def _cli(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, list(args), input=stdin)


def test_version() -> None:
    result = _cli("version")
    assert result.exit_code == 0 and __version__ in result.output


def test_check_explains_rule_and_layer(guard: GuardEnv) -> None:
    event = json.dumps(guard.tool("Read", file_path=str(guard.project / ".env")))
    result = _cli("check", stdin=event)
    assert result.exit_code == 0
    assert "decision: deny" in result.output
    assert "default:secrets.dotenv  from the default layer" in result.output
    assert str(guard.guard_home / "policies" / "default.yaml") in result.output
    as_json = json.loads(_cli("check", "--json", stdin=event).output)
    assert as_json["rules"][0] == {
        "id": "default:secrets.dotenv",
        "layer": "default",
        "file": str(guard.guard_home / "policies" / "default.yaml"),
    }
    assert not (guard.guard_home / "audit").exists()  # a dry run logs nothing


def test_check_of_a_bad_event_says_why(guard: GuardEnv) -> None:
    result = _cli("check", stdin="{")
    assert result.exit_code == 2 and "not valid JSON" in result.output


def test_policy_validate(guard: GuardEnv, tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("version: 1\npaths:\n  - id: a\n    patterns: ['*.x']\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\npaths:\n  - id: a\n    action: maybe\n    patterns: ['*.x']\n")
    ok = _cli("policy", "validate", str(good))
    assert ok.exit_code == 0 and "ok:" in ok.output
    failed = _cli("policy", "validate", str(good), str(bad))
    assert failed.exit_code == 1
    assert f"{bad}:4: paths.0.action" in failed.output


def test_policy_show_lists_layers_and_rules(guard: GuardEnv, monkeypatch) -> None:
    monkeypatch.chdir(guard.project)
    guard.write_policy(
        "project", "version: p7\npaths:\n  - id: exports\n    patterns: ['exports/']\n"
    )
    result = _cli("policy", "show")
    assert result.exit_code == 0, result.output
    assert "default@2026" in result.output and "project@p7" in result.output
    assert "project:exports" in result.output and "default:secrets.dotenv" in result.output


def test_policy_schema_is_json_schema() -> None:
    schema = json.loads(_cli("policy", "schema").output)
    assert schema["type"] == "object" and "paths" in schema["properties"]


def test_install_uninstall_roundtrip(guard: GuardEnv) -> None:
    settings = guard.home / ".claude" / "settings.json"
    settings.parent.mkdir()
    settings.write_text(json.dumps({"model": "opus"}))
    result = _cli("install")
    assert result.exit_code == 0, result.output
    data = json.loads(settings.read_text())
    assert data["model"] == "opus" and set(data["hooks"]) >= {"PreToolUse", "UserPromptSubmit"}
    assert (guard.guard_home / "hooks" / "claude_guard_hook.py").exists()
    assert (guard.guard_home / "keys" / "installation.key").stat().st_mode & 0o777 == 0o600
    assert _cli("uninstall").exit_code == 0
    assert json.loads(settings.read_text()) == {"model": "opus"}


def test_audit_verify(guard: GuardEnv, run) -> None:
    run(guard.tool("Read", file_path=str(guard.project / ".env")))
    run(guard.tool("Read", file_path=str(guard.project / "README.md")))
    result = _cli("audit", "verify")
    assert result.exit_code == 0 and "2 records: intact" in result.output
    log = next((guard.guard_home / "audit").glob("*.jsonl"))
    log.write_text(log.read_text().replace('"deny"', '"allow"'))
    tampered = _cli("audit", "verify")
    assert tampered.exit_code == 1 and "MAC mismatch" in tampered.output


def test_audit_verify_system_checks_the_managed_trail_with_the_root_key(tmp_path: Path) -> None:
    from claude_guard.managed import ManagedLayout
    from claude_guard.record.audit_log import AuditLog

    layout = ManagedLayout(tmp_path)
    layout.keys_dir.mkdir(parents=True)
    layout.audit_key.write_bytes(b"k" * 32)
    trail = AuditLog(layout.audit_dir, layout.audit_key.read_bytes())
    trail.record(event="PreToolUse", decision="deny", user="dev")
    trail.record(event="PreToolUse", decision="allow", user="dev")
    intact = _cli("audit", "verify", "--system", "--root", str(tmp_path))
    assert intact.exit_code == 0 and "2 records: intact" in intact.output
    log = next(layout.audit_dir.glob("*.jsonl"))
    log.write_text(log.read_text().replace('"deny"', '"allow"'))
    tampered = _cli("audit", "verify", "--system", "--root", str(tmp_path))
    assert tampered.exit_code == 1 and "MAC mismatch" in tampered.output
    layout.audit_key.unlink()
    no_key = _cli("audit", "verify", "--system", "--root", str(tmp_path))
    assert no_key.exit_code == 1 and str(layout.audit_key) in no_key.output
