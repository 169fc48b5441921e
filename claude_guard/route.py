"""The model route: which service the client sends the conversation to, as far as the client's
environment says. Vendor agreements cover some routes (a BAA with zero data retention on the
first-party API, Amazon Bedrock, Google Vertex AI) and never others (consumer plans), so the
route is a policy input (`routes:`) and is recorded with every decision.

What the environment cannot tell, and the route therefore does not claim: whether a login is a
consumer plan or an organisation's; which credential an `apiKeyHelper` in settings returns;
what a gateway behind `ANTHROPIC_BASE_URL` forwards to; whether zero data retention is enabled
on the account.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

# Variables the route is worked out from. Their values never leave this module: the route
# names a provider and at most a host.
ROUTE_VARIABLES = (
    "CLAUDE_CODE_USE_BEDROCK",
    "CLAUDE_CODE_USE_VERTEX",
    "CLAUDE_CODE_USE_FOUNDRY",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_BEDROCK_BASE_URL",
    "ANTHROPIC_VERTEX_BASE_URL",
)
# Credentials whose presence (never their value) tells an API key from a login.
CREDENTIAL_VARIABLES = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")
FIRST_PARTY_HOSTS = frozenset({"api.anthropic.com"})


def model_route(env: Mapping[str, str]) -> str:
    """`bedrock`, `vertex`, `foundry`, `anthropic-api` (an API key or token), `anthropic-login`
    (the client's own login), each with `@host` when a base URL sends it through another host;
    `gateway@host` for the first-party API sent through a proxy or gateway."""
    for provider, flag, base_url in (
        ("bedrock", "CLAUDE_CODE_USE_BEDROCK", "ANTHROPIC_BEDROCK_BASE_URL"),
        ("vertex", "CLAUDE_CODE_USE_VERTEX", "ANTHROPIC_VERTEX_BASE_URL"),
        ("foundry", "CLAUDE_CODE_USE_FOUNDRY", ""),
    ):
        if _truthy(env.get(flag)):
            host = _host(env.get(base_url, "")) if base_url else ""
            return f"{provider}@{host}" if host else provider
    host = _host(env.get("ANTHROPIC_BASE_URL", ""))
    if host and host not in FIRST_PARTY_HOSTS:
        return f"gateway@{host}"
    return "anthropic-api" if any(env.get(k) for k in CREDENTIAL_VARIABLES) else "anthropic-login"


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _host(url: str) -> str:
    """The host of a base URL, lower-cased; never its credentials, port, path or query."""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return "invalid"
    return host[:100] if all(c.isalnum() or c in ".-" for c in host) else "invalid"
