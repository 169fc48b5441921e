"""A scripted Anthropic Messages API server for driving the real Claude Code client.

The client is pointed at this server through ``ANTHROPIC_BASE_URL``. Every request body is
recorded, so a test can assert on exactly what "the model" was shown: the tool results, the
system prompt, any file content the client inlined on its own (``@file`` mentions arrive as a
``role: "system"`` message in v2.1.197).

Script: a list of turns. A turn is either a list of tool calls
``[{"name": "Read", "input": {...}}, ...]`` (answered as ``tool_use`` blocks, stop_reason
``tool_use``) or a string (a final text answer, stop_reason ``end_turn``). Once the script is
exhausted the server answers ``"done"``.

The turn to play is derived from the conversation itself (which scripted tool_use ids it already
carries), not from a request counter, so a client retry replays the same turn with the same ids
instead of silently skipping one. Counting assistant messages is not enough: the client re-merges
assistant messages that share a message id. A text turn ends the run, so it belongs last.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Turn = list[dict[str, Any]] | str
Script = Sequence[Turn]

FINAL_TEXT = "done"
SIDE_QUERY_TEXT = "e2e side query"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    raw: str
    body: Any  # parsed JSON, or None when the body was not JSON

    @property
    def is_main(self) -> bool:
        """True for a main-loop turn (the client offers tools); False for side queries."""
        return isinstance(self.body, dict) and bool(self.body.get("tools"))


@dataclass(frozen=True)
class ToolResult:
    tool_use_id: str
    tool_name: str
    is_error: bool
    text: str


@dataclass
class _State:
    script: list[Turn] = field(default_factory=list)
    # Scripts for subagents, by a marker their prompt carries (the main script's Agent call
    # puts it there); a subagent's requests open with that prompt.
    subagents: dict[str, list[Turn]] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _checked(script: Script) -> list[Turn]:
    """Reject scripts the client would choke on, with a message instead of a hung run."""
    for index, turn in enumerate(script):
        if isinstance(turn, str):
            continue
        if not turn or not all(isinstance(c.get("input"), dict) and c.get("name") for c in turn):
            raise ValueError(f"turn {index}: need a text or a non-empty list of {{name, input}}")
    return list(script)


MAIN_PREFIX = "toolu_e2e_"


def _tool_id(n: int, prefix: str = MAIN_PREFIX) -> str:
    return f"{prefix}{n:04d}"


def _turn_blocks(
    script: Script, turn_index: int, prefix: str = MAIN_PREFIX
) -> tuple[list[dict[str, Any]], str]:
    """Content blocks and stop_reason for one turn; tool ids are numbered across the script."""
    if turn_index >= len(script):
        return [{"type": "text", "text": FINAL_TEXT}], "end_turn"
    turn = script[turn_index]
    if isinstance(turn, str):
        return [{"type": "text", "text": turn}], "end_turn"
    first_id = 1 + sum(len(t) for t in script[:turn_index] if not isinstance(t, str))
    blocks = [
        {
            "type": "tool_use",
            "id": _tool_id(first_id + i, prefix),
            "name": c["name"],
            "input": c["input"],
        }
        for i, c in enumerate(turn)
    ]
    return blocks, "tool_use"


def _next_turn(script: Script, body: dict[str, Any], prefix: str = MAIN_PREFIX) -> int:
    """Index of the first scripted turn whose tool calls the conversation does not carry yet."""
    seen = {b.get("id") for b in _content_blocks(body) if b.get("type") == "tool_use"}
    for index, turn in enumerate(script):
        if isinstance(turn, str) or not turn:
            return index
        blocks, _ = _turn_blocks(script, index, prefix)
        if blocks[0]["id"] not in seen:
            return index
    return len(script)


def _message(
    body: dict[str, Any], blocks: list[dict[str, Any]], stop: str, turn: int | None
) -> dict[str, Any]:
    return {
        # Unique per turn: the client merges consecutive assistant messages sharing an id.
        "id": "msg_e2e_side" if turn is None else f"msg_e2e_{turn:04d}",
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "claude-e2e"),
        "content": blocks,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 5},
    }


def _sse_events(message: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The SSE event sequence the Messages API streams for ``message``."""
    start = {**message, "content": [], "stop_reason": None}
    start["usage"] = {"input_tokens": 10, "output_tokens": 1}
    events: list[tuple[str, dict[str, Any]]] = [
        ("message_start", {"type": "message_start", "message": start})
    ]
    for i, block in enumerate(message["content"]):
        if block["type"] == "tool_use":
            opening = {**block, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        else:
            opening = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": block["text"]}
        events += [
            (
                "content_block_start",
                {"type": "content_block_start", "index": i, "content_block": opening},
            ),
            ("content_block_delta", {"type": "content_block_delta", "index": i, "delta": delta}),
            ("content_block_stop", {"type": "content_block_stop", "index": i}),
        ]
    stop = {"stop_reason": message["stop_reason"], "stop_sequence": None}
    events += [
        ("message_delta", {"type": "message_delta", "delta": stop, "usage": {"output_tokens": 5}}),
        ("message_stop", {"type": "message_stop"}),
    ]
    return events


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest output clean; requests are recorded instead

    def _record(self) -> RecordedRequest:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        req = RecordedRequest(self.command, self.path, dict(self.headers.items()), raw, body)
        with self.server.state.lock:
            self.server.state.requests.append(req)
        return req

    def _send_json(self, status: int, obj: Any) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("request-id", "req_e2e")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _not_found(self) -> None:
        self._send_json(
            404, {"type": "error", "error": {"type": "not_found_error", "message": self.path}}
        )

    def do_HEAD(self) -> None:
        # v2.1.197 sends HEAD / as a connection warm-up before the first turn.
        self._record()
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        self._record()
        self._not_found()

    def do_POST(self) -> None:
        req = self._record()
        route = self.path.split("?", 1)[0]
        if route == "/v1/messages/count_tokens":
            self._send_json(200, {"input_tokens": 10})
        elif route == "/v1/messages" and isinstance(req.body, dict):
            self._answer_messages(req.body)
        else:
            self._not_found()

    def _answer_messages(self, body: dict[str, Any]) -> None:
        if body.get("tools"):
            with self.server.state.lock:
                script = list(self.server.state.script)
                subagents = dict(self.server.state.subagents)
            prefix = MAIN_PREFIX
            marker = _subagent_marker(body, subagents)
            if marker is not None:
                script, prefix = subagents[marker], f"toolu_{marker.lower()}_"
            turn = _next_turn(script, body, prefix)
            blocks, stop = _turn_blocks(script, turn, prefix)
        else:
            turn, blocks, stop = None, [{"type": "text", "text": SIDE_QUERY_TEXT}], "end_turn"
        message = _message(body, blocks, stop, turn)
        if body.get("stream"):
            self._stream(message)
        else:
            self._send_json(200, message)

    def _stream(self, message: dict[str, Any]) -> None:
        payload = "".join(
            f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in _sse_events(message)
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("request-id", "req_e2e")
        # A known length lets the client's keep-alive connection be reused safely.
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client killed on timeout resets its keep-alive socket; that is not a server bug.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeModel:
    """Scripted model on 127.0.0.1; use as a context manager or call start()/stop()."""

    def __init__(
        self, script: Script | None = None, subagents: dict[str, Script] | None = None
    ) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = _State(
            script=_checked(script or []),
            subagents={k: _checked(v) for k, v in (subagents or {}).items()},
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> FakeModel:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeModel:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_script(self, script: Script) -> None:
        """Replace the script and forget earlier requests (reuse one server across runs)."""
        with self._server.state.lock:
            self._server.state.script = _checked(script)
            self._server.state.requests.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._server.state.lock:
            return list(self._server.state.requests)

    def message_requests(self) -> list[RecordedRequest]:
        """Main-loop /v1/messages requests (those offering tools), in arrival order."""
        return [r for r in self.requests if r.is_main]

    def tool_results(self) -> list[ToolResult]:
        """Every tool_result the client sent, once each, in the order first seen."""
        names: dict[str, str] = {}
        results: dict[str, ToolResult] = {}
        for req in self.message_requests():
            for block in _content_blocks(req.body):
                if block.get("type") == "tool_use":
                    names[block["id"]] = block["name"]
                elif block.get("type") == "tool_result":
                    tid = block.get("tool_use_id", "")
                    results.setdefault(
                        tid,
                        ToolResult(
                            tid,
                            names.get(tid, "?"),
                            bool(block.get("is_error")),
                            flatten_content(block.get("content")),
                        ),
                    )
        return list(results.values())

    def tool_result(self, tool_use_id: str) -> ToolResult:
        for result in self.tool_results():
            if result.tool_use_id == tool_use_id:
                return result
        raise KeyError(f"no tool_result for {tool_use_id}; got {self.tool_results()}")

    def all_text_sent(self) -> str:
        """Everything the client sent, raw and JSON-decoded, for 'never leaked' assertions.

        The decoded form matters: the raw JSON escapes non-ASCII and control characters, so a
        canary split by an escape would be missed in the raw text alone.
        """
        parts: list[str] = []
        for req in self.requests:
            parts.append(req.path)
            parts.append(req.raw)
            if req.body is not None:
                parts.append(json.dumps(req.body, ensure_ascii=False))
                parts.extend(_strings(req.body))
        return "\n".join(parts)


def _subagent_marker(body: dict[str, Any], subagents: dict[str, Any]) -> str | None:
    """The marker of the subagent this request belongs to: found in its first user message."""
    messages = body.get("messages") or []
    first = next((m for m in messages if isinstance(m, dict) and m.get("role") == "user"), None)
    if first is None or not subagents:
        return None
    text = json.dumps(first.get("content"))
    return next((marker for marker in subagents if marker in text), None)


def _content_blocks(body: Any) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for msg in body.get("messages", []) if isinstance(body, dict) else []:
        content = msg.get("content")
        if isinstance(content, list):
            blocks.extend(b for b in content if isinstance(b, dict))
    return blocks


def flatten_content(content: Any) -> str:
    """tool_result content is a string or a list of blocks; join the text parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            b.get("text", "") if isinstance(b, dict) and b.get("type") == "text" else json.dumps(b)
            for b in content
        )
    return "" if content is None else json.dumps(content)


def _strings(obj: Any) -> list[str]:
    """Every string leaf in a JSON value (unescaped)."""
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return []
