"""WebFetch: a URL fetched and summarised (a `file://` URL reads a local file)."""

from __future__ import annotations

import re
from typing import Any

from claude_guard.policy.schema import Access
from claude_guard.tools.base import Tool, ToolInput, register
from claude_guard.touches.touchset import TouchContext, TouchSet, host_of


class WebFetchInput(ToolInput):
    url: str
    prompt: str = ""


@register
class WebFetch(Tool):
    """Response: {bytes, code, codeText, result, durationMs, url}."""

    names = ("WebFetch",)
    input_model = WebFetchInput
    output_keys = ("result", "url")

    def touches(self, tool_input: dict[str, Any], ctx: TouchContext, found: TouchSet) -> None:
        url = str(tool_input.get("url", ""))
        found.add_text("url", url)
        found.add_text("prompt", tool_input.get("prompt"))
        if url.lower().startswith("file:"):
            # A local file the fetch would read and summarise: path rules and its content.
            local = re.sub(r"^file:(//)?", "", url, flags=re.IGNORECASE)
            found.add_readable(local, ctx.cwd, (Access.READ,), "url")
        else:
            found.egress.append(f"WebFetch {host_of(url)}")
