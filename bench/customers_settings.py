"""Settings for bench/customers_list.py: the local (make run) settings plus a bench-only URL
module that adds a minimal Django view to compare against. Never used outside the benchmark."""

from config.settings.local import *  # noqa: F403

ROOT_URLCONF = "bench.customers_urls"
