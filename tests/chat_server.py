"""A local OpenAI-compatible endpoint for the tests: ``POST /v1/chat/completions`` on
127.0.0.1, answering with structured output as the real API does.

A request without a strict ``json_schema`` response format is refused (400), as the real
API refuses a schema it cannot enforce. Each request takes the next scripted
:class:`Reply` (the last one repeats): an answer of deal terms, raw text (a malformed
answer), a status with headers (429 with ``Retry-After``), or a delay (a timeout).
Every request is recorded with the time it arrived.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from core.extraction import AiSettings

__all__ = ["ChatServer", "Reply", "free_port", "settings_for", "terms_reply"]


@dataclass(frozen=True)
class Reply:
    status: int = 200
    content: str | None = None  # the assistant message's content
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    body: dict[str, Any] | None = None  # an error body


def terms_reply(*terms: tuple[str, str, int, str]) -> Reply:
    """An answer proposing (term, value, page, quote) for each term."""
    items = [{"term": t, "value": v, "page": p, "quote": q} for t, v, p, q in terms]
    return Reply(content=json.dumps({"terms": items}))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ChatServer:
    def __init__(self, port: int = 0) -> None:
        self.replies: list[Reply] = [terms_reply()]
        self.requests: list[tuple[float, dict[str, Any]]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                request = json.loads(self.rfile.read(length))
                server._answer(self, request)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> ChatServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self.replies = list(replies)

    def _next(self) -> Reply:
        with self._lock:
            return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    def _answer(self, handler: BaseHTTPRequestHandler, request: dict[str, Any]) -> None:
        if handler.path != "/v1/chat/completions":
            return self._send(handler, 404, {"error": {"message": "no such route"}}, {})
        with self._lock:
            self.requests.append((time.monotonic(), request))
        shape = request.get("response_format") or {}
        schema = shape.get("json_schema") or {}
        if shape.get("type") != "json_schema" or not schema.get("strict"):
            error = {"message": "response_format must be a strict json_schema"}
            return self._send(handler, 400, {"error": error}, {})
        reply = self._next()
        if reply.delay:
            time.sleep(reply.delay)
        if reply.status != 200:
            body = reply.body or {"error": {"message": f"status {reply.status}"}}
            return self._send(handler, reply.status, body, reply.headers)
        completion = {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.content, "refusal": None},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }
        return self._send(handler, 200, completion, reply.headers)

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler, status: int, body: dict[str, Any], headers: dict[str, str]
    ) -> None:
        raw = json.dumps(body).encode()
        try:
            handler.send_response(status)
            handler.send_header("content-type", "application/json")
            handler.send_header("content-length", str(len(raw)))
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout test)


def settings_for(base_url: str, **more: Any) -> AiSettings:
    """The settings a test extracts with: this endpoint, a test model and key, and quick
    backoff unless the test says otherwise."""
    return AiSettings(model="harbor-test-model", base_url=base_url, api_key="sk-test", **more)
