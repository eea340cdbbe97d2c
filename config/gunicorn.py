"""gunicorn's settings for every way the project is served: `scripts/run.sh` (make run), the
docker image and the HTTP benchmarks load this module with `--config python:config.gunicorn`,
so what the benchmarks measure is what runs. Flags given on the command line win.
"""

from __future__ import annotations

import errno
import os
import signal
import socket

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = 60

# The application writes one JSON line per request (config/middleware.py); gunicorn's own
# access log would repeat it in another format on the same stdout.
accesslog = None

# gunicorn's control socket (for gunicornc) defaults to one path per user, which each server
# started on the machine (make run, the tests, the benchmarks) takes over from the last. Off
# unless GUNICORN_CONTROL_SOCKET names a path for this server.
control_socket_disable = "GUNICORN_CONTROL_SOCKET" not in os.environ
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]

# Each worker listens on its own socket and the kernel spreads new connections across them.
# With one shared socket, whichever worker wakes first takes the connections: measured on the
# customers benchmark, one worker held 31 of 32 kept-alive connections, and their requests
# waited in its queue while the other worker idled. on_starting turns this off for addresses
# it cannot apply to.
reuse_port = True


def on_starting(server) -> None:
    """Keep SO_REUSEPORT to TCP addresses, and refuse an address another server listens on:
    with SO_REUSEPORT set, a second server (a second `make run`, say) would otherwise bind
    beside the first without an error, and the two would split the traffic."""
    tcp_addresses = [address for address in server.cfg.address if isinstance(address, tuple)]
    if os.environ.get("LISTEN_FDS") or len(tcp_addresses) != len(server.cfg.address):
        server.cfg.set("reuse_port", False)  # unix socket or systemd socket activation
        return
    if server.cfg.reuse_port:
        for address in tcp_addresses:
            _refuse_if_listened_on(address)


def when_ready(server) -> None:
    # With a socket per worker the master holds none, and its "Listening at" line is empty.
    if server.cfg.reuse_port:
        addresses = ", ".join(f"http://{host}:{port}" for host, port, *_ in server.cfg.address)
        server.log.info("Listening at: %s (a socket per worker, SO_REUSEPORT)", addresses)


def post_worker_init(worker) -> None:
    """Workers leave Ctrl-C to the master. A terminal's Ctrl-C reaches every process in the
    group, and the master then sends each worker SIGQUIT as well: two quit signals, each raising
    SystemExit from a signal handler, could catch a worker inside its thread pool's shutdown
    and leave it hung until the master killed it after graceful_timeout (seen about once in
    six stops of `make run` after API traffic). The master's SIGQUIT alone stops it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _refuse_if_listened_on(address: tuple) -> None:
    host, port = address[0], address[1]
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # SO_REUSEADDR as gunicorn sets it, so connections of an earlier run still in
        # TIME_WAIT do not count; only a live listener makes the bind fail.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise SystemExit(f"{host}:{port} is already in use by another server.") from None
            # An address this machine does not have, or a name that does not resolve: one line
            # for the operator, not a traceback.
            raise SystemExit(f"Cannot listen on {host}:{port}: {error.strerror}.") from None
