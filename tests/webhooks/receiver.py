"""A real HTTP receiver for webhook tests: http.server in a thread on 127.0.0.1 (a free port),
recording every request; it can fail the first N requests, or redirect."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEADLINE_S = 30.0  # generous: a condition that holds is met at once


@dataclass
class Received:
    path: str
    headers: Message  # case-insensitive, as HTTP header names are
    body: bytes


@dataclass
class Receiver:
    fail_first: int = 0
    fail_status: int = 500
    redirect_to: str = ""
    requests: list[Received] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    url: str = ""

    def wait_for(self, count: int) -> list[Received]:
        """The requests once `count` have come; fails the test past the deadline."""
        with self.changed:
            met = self.changed.wait_for(lambda: len(self.requests) >= count, DEADLINE_S)
        assert met, f"{len(self.requests)} of {count} requests came within {DEADLINE_S} s"
        return list(self.requests)

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # http.server calls it by this name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver.changed:
                    receiver.requests.append(Received(self.path, self.headers, body))
                    number = len(receiver.requests)
                    receiver.changed.notify_all()
                if receiver.redirect_to:
                    self.send_response(302)
                    self.send_header("Location", receiver.redirect_to)
                elif number <= receiver.fail_first:
                    self.send_response(receiver.fail_status)
                else:
                    self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):  # quiet
                pass

        return Handler


@contextmanager
def running(receiver: Receiver | None = None) -> Iterator[Receiver]:
    receiver = receiver or Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), receiver._handler())
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/ledgerlens"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
