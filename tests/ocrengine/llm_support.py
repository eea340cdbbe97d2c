"""A small OpenAI-compatible chat-completions server on 127.0.0.1 for the llm backend's tests,
and the `chat` fixture that points the settings at it."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class ChatServer:
    """Answers POST /v1/chat/completions from a queue of scripted behaviours: ("content", text),
    ("raw", body), ("status", code), ("sleep", seconds), ("redirect", (code, url)), ("hang",
    None: never answers) and ("drip", None: an answer trickled a byte at a time, forever).
    Every request (any method) is recorded."""

    def __init__(self) -> None:
        self.script: list[tuple[str, object]] = []
        self.requests: list[dict] = []
        self.release = threading.Event()  # set at teardown: hanging and dripping answers end
        self.hung_up = threading.Event()  # the client closed the connection mid-answer
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # http.server's naming
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw_body = self.rfile.read(length)
                server.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "auth": self.headers["Authorization"],
                        "body": json.loads(raw_body) if raw_body else None,
                    }
                )
                kind, value = server.script.pop(0) if server.script else ("status", 500)
                if kind == "sleep":
                    time.sleep(value)
                    kind, value = "content", "{}"
                if kind == "hang":
                    server.release.wait(120)
                    return
                if kind == "drip":
                    self._drip()
                    return
                if kind == "redirect":
                    code, location = value
                    self.send_response(code)
                    self.send_header("Location", location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if kind == "status":
                    self.send_response(value)
                    self.end_headers()
                    return
                raw = (
                    value
                    if kind == "raw"
                    else json.dumps(
                        {"choices": [{"message": {"role": "assistant", "content": value}}]}
                    )
                )
                data = raw.encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the timeout tests hang up before a slow answer: that is the point

            def _drip(self) -> None:
                # Each byte comes long before any per-read timeout, so only a deadline on the
                # whole call ends it.
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "1000000")
                    self.end_headers()
                    while not server.release.wait(0.01):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    server.hung_up.set()

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def start(self) -> ChatServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def chat(settings):
    server = ChatServer().start()
    settings.LLM_BASE_URL = server.base_url
    settings.LLM_API_KEY = "test-key"
    settings.LLM_DEFAULT_MODEL = "tiny-model"
    settings.LLM_TIMEOUT_S = 5  # generous: a busy CI machine answers late
    settings.LLM_MAX_RETRIES = 1
    settings.LLM_RETRY_BACKOFF_S = 0.01
    yield server
    server.stop()
