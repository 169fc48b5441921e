"""The minimum Claude Code client version and the heartbeat interval: what each layer may set,
how the layers merge (tighten only), and what `policy validate` says about them."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from claude_guard.cli.main import main
from claude_guard.policy.loader import LoadedLayer, PolicyError, parse_policy_text
from claude_guard.policy.merge import merge_layers
from claude_guard.policy.schema import BUILTIN_HEARTBEAT_MINUTES, version_key
from tests.conftest import GuardEnv

RULES = "paths:\n  - id: env\n    patterns: ['.env']\n"


def _layer(name: str, text: str, extended: bool = False) -> LoadedLayer:
    path = Path(f"/{name}.yaml")
    return LoadedLayer(name, path, "0" * 64, parse_policy_text(text, name), extended)


def test_versions_compare_as_numbers() -> None:
    assert version_key("2.1.332") > version_key("2.1.197")
    assert version_key("2.10.0") > version_key("2.9.99")
    assert version_key("2.1") == version_key("2.1.0")


@pytest.mark.parametrize("bad", ["latest", "2.1.x", "v2.1.3", "2..1", ""])
def test_a_version_that_is_not_numbers_is_refused(bad: str) -> None:
    with pytest.raises(PolicyError, match="min_version"):
        parse_policy_text(f"client: {{min_version: '{bad}'}}\n", "managed")


def test_no_minimum_unless_a_layer_names_one() -> None:
    policy = merge_layers([_layer("managed", RULES)])
    assert policy.client_min_version is None
    assert not policy.client_too_old(None)
    assert policy.heartbeat_minutes == BUILTIN_HEARTBEAT_MINUTES


def test_a_lower_layer_may_raise_the_minimum_but_not_lower_it() -> None:
    top = _layer("managed", RULES + "client: {min_version: '2.1.300'}\n")
    raised = merge_layers([top, _layer("user", "client: {min_version: '2.1.332'}\n")])
    lowered = merge_layers([top, _layer("project", "client: {min_version: '2.1.100'}\n")])
    assert raised.client_min_version == "2.1.332"
    assert lowered.client_min_version == "2.1.300"


def test_below_the_minimum_or_unknown_is_too_old() -> None:
    policy = merge_layers([_layer("managed", RULES + "client: {min_version: '2.1.332'}\n")])
    assert policy.client_too_old("2.1.197")
    assert policy.client_too_old(None)
    assert not policy.client_too_old("2.1.332")
    assert not policy.client_too_old("2.2.0")


def test_the_org_minimum_survives_extending_a_profile() -> None:
    org = _layer("managed", "extends: default\nclient: {min_version: '2.1.332'}\n")
    profile = _layer("default", RULES, extended=True)
    assert merge_layers([org, profile]).client_min_version == "2.1.332"


def test_heartbeat_lower_layers_may_only_make_it_more_frequent() -> None:
    top = _layer("managed", RULES + "audit: {heartbeat_minutes: 10}\n")
    assert merge_layers([top]).heartbeat_minutes == 10
    assert (
        merge_layers([top, _layer("user", "audit: {heartbeat_minutes: 5}\n")]).heartbeat_minutes
        == 5
    )
    assert (
        merge_layers([top, _layer("user", "audit: {heartbeat_minutes: 60}\n")]).heartbeat_minutes
        == 10
    )


def test_validate_reports_the_minimum_and_an_ignored_lower_one(
    guard: GuardEnv, monkeypatch
) -> None:
    monkeypatch.chdir(guard.project)
    guard.write_policy("managed", "extends: default\nclient: {min_version: '2.1.332'}\n")
    guard.write_policy(
        "project", "client: {min_version: '2.1.197'}\naudit: {heartbeat_minutes: 99}\n"
    )
    result = CliRunner().invoke(main, ["policy", "validate"])
    assert result.exit_code == 0, result.output
    assert "Claude Code 2.1.332 or newer" in result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 2
    assert "client.min_version: 2.1.197 is ignored: 2.1.332 holds" in warnings[0]
    assert "audit.heartbeat_minutes: 99 is ignored: 15 holds" in warnings[1]
