"""`manage.py check_worker`: the worker's liveness probe (docker/k8s/worker.yaml, compose).

Exits 0 when a django-q2 cluster on this host (the container or pod: the hostname the cluster
records in its heartbeat) is alive, 1 otherwise; `--any-host` accepts any cluster that shares
the broker. The web's readiness never depends on the worker; this is the worker's own probe.
"""

from __future__ import annotations

import socket

from django.core.management.base import BaseCommand, CommandError

from core.health import alive_clusters


class Command(BaseCommand):
    help = "Exit 0 when a django-q2 cluster on this host has a live heartbeat, 1 otherwise."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--any-host", action="store_true", help="Accept a cluster on any host.")

    def handle(self, *args, any_host: bool = False, **options) -> None:
        host = None if any_host else socket.gethostname()
        try:
            clusters = alive_clusters(host=host)
        except Exception as error:  # the broker is unreachable: the worker cannot work either
            raise CommandError(f"The broker could not be read: {type(error).__name__}") from error
        where = "any host" if host is None else host
        if not clusters:
            raise CommandError(f"No live django-q2 cluster on {where}.")
        self.stdout.write(f"{len(clusters)} cluster(s) alive on {where}.")
