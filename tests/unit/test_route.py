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
            {"ANTHROPIC_BASE_URL": "https://LLM-GW.corp.example:8443/v1?k=CANARY"},
            "gateway@llm-gw.corp.example",
        ),
        ({"ANTHROPIC_BASE_URL": "http://[bad"}, "gateway@invalid"),
        # Spellings a WHATWG parser (the client's) reads as another host: never trusted.
        ({"ANTHROPIC_BASE_URL": "https://user:s3cret@gw.corp.example/v1"}, "gateway@invalid"),
        ({"ANTHROPIC_BASE_URL": "https://evil.com\\@llm.corp.example"}, "gateway@invalid"),
        ({"ANTHROPIC_BASE_URL": "https:\\\\evil.com"}, "gateway@invalid"),
        ({"ANTHROPIC_BASE_URL": "https:evil.com"}, "gateway@invalid"),
        (
            {"CLAUDE_CODE_USE_BEDROCK": "1", "ANTHROPIC_BEDROCK_BASE_URL": "https:/evil.com"},
            "bedrock@invalid",
        ),
        ({"ANTHROPIC_BASE_URL": "https://%65vil.corp.example"}, "gateway@invalid"),
        (
            {"CLAUDE_CODE_USE_FOUNDRY": "1", "ANTHROPIC_FOUNDRY_BASE_URL": "https://evil.com"},
            "foundry@evil.com",
        ),
        ({"CLAUDE_CODE_USE_SOMETHING_NEW": "1"}, "unknown-provider"),
    ],
)
def test_route_of_an_environment(env: dict[str, str], route: str) -> None:
    assert model_route(env) == route


def test_a_long_host_is_never_cut_to_one_that_matches() -> None:
    host = "a" * 60 + "." + "a" * 26 + ".corp.example.evil.com"
    route = model_route({"ANTHROPIC_BASE_URL": f"https://{host}/v1"})
    assert route == f"gateway@{host}"
    too_long = ".".join(["a" * 60] * 5) + ".corp.example"
    assert model_route({"ANTHROPIC_BASE_URL": f"https://{too_long}/"}) == "gateway@invalid"
