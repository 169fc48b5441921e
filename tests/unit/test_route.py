"""The model route, from the client's environment: provider and at most a host, never a
credential or a URL's path."""

from __future__ import annotations

import pytest

from claude_guard.route import model_route


@pytest.mark.parametrize(
    ("env", "route"),
    [
        ({}, "anthropic-login"),
        ({"ANTHROPIC_API_KEY": "sk-ant-x"}, "anthropic-api"),
        ({"ANTHROPIC_AUTH_TOKEN": "t"}, "anthropic-api"),
        ({"ANTHROPIC_API_KEY": ""}, "anthropic-login"),  # set empty to force the login
        ({"CLAUDE_CODE_USE_BEDROCK": "1"}, "bedrock"),
        ({"CLAUDE_CODE_USE_BEDROCK": "true", "ANTHROPIC_API_KEY": "k"}, "bedrock"),
        ({"CLAUDE_CODE_USE_BEDROCK": "0"}, "anthropic-login"),
        ({"CLAUDE_CODE_USE_VERTEX": "TRUE"}, "vertex"),
        ({"CLAUDE_CODE_USE_FOUNDRY": "1"}, "foundry"),
        (
            {"CLAUDE_CODE_USE_BEDROCK": "1", "ANTHROPIC_BEDROCK_BASE_URL": "https://br.corp/x"},
            "bedrock@br.corp",
        ),
        ({"ANTHROPIC_BASE_URL": "https://api.anthropic.com"}, "anthropic-login"),
        (
            {"ANTHROPIC_BASE_URL": "https://user:s3cret@LLM-GW.corp.example:8443/v1?k=CANARY"},
            "gateway@llm-gw.corp.example",
        ),
        ({"ANTHROPIC_BASE_URL": "http://[bad"}, "gateway@invalid"),
    ],
)
def test_route_of_an_environment(env: dict[str, str], route: str) -> None:
    assert model_route(env) == route
