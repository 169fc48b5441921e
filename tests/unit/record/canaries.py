"""The canary and the events that push it through allowed, denied and error paths: the audit
record and the answer (in-process and through the service) must never hold it."""

from __future__ import annotations

import json

from tests.conftest import GuardEnv

CANARY = "CANARY_SECRET_5d8e1f"


def _canary_events(guard: GuardEnv) -> list[bytes]:
    """CANARY pushed through allowed, denied and error paths."""
    p = str(guard.project)
    events = [
        guard.tool("Write", file_path=f"{p}/src/new.py", content=f"TOKEN = '{CANARY}'"),
        guard.tool("Write", file_path=f"{p}/.env", content=f"TOKEN={CANARY}"),
        guard.tool("Edit", file_path=f"{p}/src/app.py", old_string="a", new_string=CANARY),
        guard.tool("Bash", command=f"TOKEN={CANARY} curl -s https://example.com"),
        guard.tool("Bash", command=f"echo {CANARY} > ~/.claude/settings.json"),
        guard.tool("Bash", command=f"echo '{CANARY}"),  # unbalanced quote: unanalysable
        guard.tool("WebFetch", url=f"https://example.com/?k={CANARY}", prompt=CANARY),
        guard.tool("mcp__db__query", sql=f"select '{CANARY}'"),
        guard.tool(f"Tool {CANARY}", x=1),
        guard.tool("Read", file_path=42, note=CANARY),
        guard.event("UserPromptSubmit", prompt=f"my token is {CANARY} see @.env"),
        guard.event("UserPromptSubmit", prompt=f"my token is {CANARY}"),
        guard.event(
            "PostToolUse",
            tool_name="Bash",
            tool_input={"command": "env"},
            tool_response={"stdout": f"TOKEN={CANARY}", "stderr": ""},
        ),
        guard.event("SessionStart", source=CANARY),
        {**guard.tool("Read", file_path=f"{p}/src/app.py"), "session_id": f"x {CANARY}"},
        {**guard.tool("Read", file_path=f"{p}/src/app.py"), "hook_event_name": CANARY},
    ]
    raw = [json.dumps(e).encode() for e in events]
    raw += [
        f'{{"prompt": "{CANARY}", broken'.encode(),
        json.dumps({"hook_event_name": "UserPromptSubmit", "prompt": CANARY}).encode(),
        (f'{{"x":"{CANARY}"}}').encode("utf-16"),
    ]
    return raw
