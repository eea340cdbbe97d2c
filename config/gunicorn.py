"""gunicorn's settings for every way the project is served: `scripts/run.sh` (make run), the
docker image and the HTTP benchmarks load this module with `--config python:config.gunicorn`,
so what the benchmarks measure is what runs. Flags given on the command line win.
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = 60

# The application writes one JSON line per request (config/middleware.py); gunicorn's own
# access log would repeat it in another format on the same stdout.
accesslog = None
