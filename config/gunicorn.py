"""gunicorn's settings for every way the project is served: `scripts/run.sh` (make run), the
docker image and the Procfile load this module with `--config python:config.gunicorn`. Flags
given on the command line win.
"""

from __future__ import annotations

import os
import signal

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
# An idle keep-alive connection is closed after this many seconds. gunicorn's 2 s default races
# clients and proxies that reuse a connection after a pause (ingress-nginx keeps upstream
# connections 60 s, a browser or locust agent thinks 0.5-2 s): the request sent as the server
# closes is reset. Longer than the proxy's idle timeout, the proxy always closes first. gthread
# parks idle connections in its poller, so they hold no thread.
keepalive = int(os.environ.get("WEB_KEEPALIVE_S", "75"))
timeout = 60

# The application writes one JSON line per request (core/middleware.py); gunicorn's own
# access log would repeat it in another format on the same stdout.
accesslog = None

# No control socket: its default is one path per user, which every server started on the host
# (make run, the tests) would take over from the last.
control_socket_disable = True


def post_worker_init(worker) -> None:
    """Workers leave Ctrl-C to the master. A terminal's Ctrl-C reaches every process in the
    group, and the master then sends each worker SIGQUIT as well: two quit signals, each raising
    SystemExit from a signal handler, could catch a worker inside its thread pool's shutdown
    and leave it hung until the master killed it after graceful_timeout (seen about once in
    six stops of `make run` after API traffic). The master's SIGQUIT alone stops it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
