"""`policy validate` names every setting of a lower layer that the merge ignores because it
would loosen a higher layer, instead of printing "ok" for a file that changes nothing."""

from __future__ import annotations

from click.testing import CliRunner

from claude_guard.cli.main import main
from tests.conftest import GuardEnv

LOOSENING = """\
version: p1
mode: monitor
defaults: {unknown_tool: allow, unanalysable_command: ask}
tools: {SomethingNew: allow}
paths:
  - id: let-env
    action: allow
    patterns: [".env"]
limits: {max_walk_entries: 900000}
detection:
  categories:
    phi: {action: allow, min_score: 0.9}
  binary: allow
  scan_seconds: 1
  presidio: {nlp_pipeline: ./evil_pipeline}
session:
  after_phi: {egress: allow}
  tainted: ask
"""

TIGHTENING = """\
version: p2
tools: {WebFetch: deny}
paths:
  - id: exports
    patterns: ["exports/"]
detection:
  categories:
    pii: {action: deny}
"""


def _validate(guard: GuardEnv, monkeypatch, text: str):
    monkeypatch.chdir(guard.project)
    guard.write_policy("project", text)
    return CliRunner().invoke(main, ["policy", "validate"])


def test_every_loosening_setting_is_named(guard: GuardEnv, monkeypatch) -> None:
    result = _validate(guard, monkeypatch, LOOSENING)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning: ")]
    expected = [
        "mode: monitor is ignored",
        "paths.let-env: action allow has no effect",
        "defaults.unknown_tool: allow is ignored: deny holds",
        "defaults.unanalysable_command: ask is ignored: deny holds",
        "limits.max_walk_entries: 900000 is ignored: 50000 holds",
        "tools.SomethingNew: allow is ignored: deny holds",
        "detection.categories.phi: allow at 0.9 is ignored",
        "detection.scan_seconds: 1",
        "detection.presidio.nlp_pipeline is ignored",
        "session.after_phi.egress: allow is ignored: deny holds",
        "session.tainted: ask is ignored: deny holds",
    ]
    for text in expected:
        assert any(text in w for w in warnings), text
    assert all(str(guard.project / ".claude-guard.yaml") in w for w in warnings)
    # binary: allow is what holds already (the default allows binary files): nothing to say.
    assert not any("detection.binary" in w for w in warnings)
    assert len(warnings) == len(expected)


def test_a_layer_that_only_tightens_gets_no_warning(guard: GuardEnv, monkeypatch) -> None:
    result = _validate(guard, monkeypatch, TIGHTENING)
    assert result.exit_code == 0 and "warning" not in result.output


def test_tools_allowed_anyway_get_no_warning(guard: GuardEnv, monkeypatch) -> None:
    result = _validate(guard, monkeypatch, "tools: {Bash: allow, Read: allow}\n")
    assert result.exit_code == 0 and "warning" not in result.output


def test_routes_a_higher_layer_does_not_allow_are_named(guard: GuardEnv, monkeypatch) -> None:
    guard.write_policy("managed", "extends: default\nroutes:\n  phi: [bedrock]\n")
    result = _validate(guard, monkeypatch, "routes:\n  phi: ['*', vertex, bedrock]\n")
    warnings = [line for line in result.output.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 2
    assert "routes.phi: * is ignored" in warnings[0]
    assert "routes.phi: vertex is ignored" in warnings[1]
