"""Jobs by status as a Prometheus gauge, read from the database at each scrape
(registered with core/metrics.py in JobsConfig.ready())."""

from __future__ import annotations

import logging

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)


def _gauge() -> GaugeMetricFamily:
    return GaugeMetricFamily("ledgerlens_jobs", "Background jobs by status.", labels=["status"])


class JobStatusCollector:
    def describe(self):
        # Lets the registry learn the name without a database query at import time.
        yield _gauge()

    def collect(self):
        from jobs.models import ProcessingJob

        jobs = _gauge()
        try:
            counts = ProcessingJob.objects.values_list("status").annotate(n=Count("id"))
            for status, count in counts:
                jobs.add_metric([status], count)
        except Exception:  # a scrape must not fail because the database is unreachable
            logger.warning("job metrics unavailable", exc_info=True)
        yield jobs
