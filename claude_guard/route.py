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

import re
from collections.abc import Mapping

# Variables the route is worked out from. Their values never leave this module: the route
# names a provider and at most a host.
ROUTE_VARIABLES = (
    "CLAUDE_CODE_USE_BEDROCK",
    "CLAUDE_CODE_USE_VERTEX",
    "CLAUDE_CODE_USE_FOUNDRY",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_BEDROCK_BASE_URL",
    "ANTHROPIC_VERTEX_BASE_URL",
    "ANTHROPIC_FOUNDRY_BASE_URL",
)
# Any other provider switch the client may have (CLAUDE_CODE_USE_<NAME>): the route is then
# `unknown-provider`, which no `routes:` list names unless an organisation means it to.
PROVIDER_FLAG_PREFIX = "CLAUDE_CODE_USE_"
# Credentials whose presence (never their value) tells an API key from a login.
CREDENTIAL_VARIABLES = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")
FIRST_PARTY_HOSTS = frozenset({"api.anthropic.com"})
_PROVIDERS = (
    ("bedrock", "CLAUDE_CODE_USE_BEDROCK", "ANTHROPIC_BEDROCK_BASE_URL"),
    ("vertex", "CLAUDE_CODE_USE_VERTEX", "ANTHROPIC_VERTEX_BASE_URL"),
    ("foundry", "CLAUDE_CODE_USE_FOUNDRY", "ANTHROPIC_FOUNDRY_BASE_URL"),
)
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")


def model_route(env: Mapping[str, str]) -> str:
    """`bedrock`, `vertex`, `foundry`, `anthropic-api` (an API key or token), `anthropic-login`
    (the client's own login), each with `@host` when a base URL sends it through another host;
    `gateway@host` for the first-party API sent through a proxy or gateway; `unknown-provider`
    for a provider switch this version does not know. A base URL that does not parse plainly
    gives the host `invalid`, which no allow-list should name."""
    for provider, flag, base_url in _PROVIDERS:
        if _truthy(env.get(flag)):
            host = host_of_base_url(env.get(base_url, ""))
            return f"{provider}@{host}" if host else provider
    known_flags = {flag for _, flag, _ in _PROVIDERS}
    if any(
        name.startswith(PROVIDER_FLAG_PREFIX) and name not in known_flags and _truthy(value)
        for name, value in env.items()
    ):
        return "unknown-provider"
    host = host_of_base_url(env.get("ANTHROPIC_BASE_URL", ""))
    if host and host not in FIRST_PARTY_HOSTS:
        return f"gateway@{host}"
    return "anthropic-api" if any(env.get(k) for k in CREDENTIAL_VARIABLES) else "anthropic-login"


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def host_of_base_url(url: str) -> str:
    """The host of a base URL, lower-cased, or "" when none is set.

    Only a plain `http(s)://host[:port]/…` counts. Anything a browser-style (WHATWG) parser
    might read differently from this one — a backslash, credentials before the host, a missing
    `//`, an IP literal, percent-encoding, a name too long — is `invalid`, never cut down to
    something that could match an allowed route. The hook sends the service the same URL cut
    to its scheme and authority (hooks/claude_guard_hook.py), which parses to the same host.
    """
    url = url.strip()
    if not url:
        return ""
    scheme, sep, rest = url.partition("://")
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if (
        not sep
        or scheme.lower() not in ("http", "https")
        or "\\" in url
        or "@" in authority
        or any(c.isspace() for c in url)
    ):
        return "invalid"
    host, _, port = authority.partition(":")
    if port and not port.isdigit():
        return "invalid"
    host = host.lower()
    host = host[:-1] if host.endswith(".") else host
    return host if _HOST.match(host) else "invalid"
