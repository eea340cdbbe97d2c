from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Background jobs: the app knows no job kind; each app registers its handlers in its own
    AppConfig.ready() (jobs/registry.py)."""

    name = "jobs"

    def ready(self) -> None:
        from core.metrics import scrape_collector_register
        from jobs.metrics import JobStatusCollector

        scrape_collector_register(JobStatusCollector())  # ledgerlens_jobs{status} at /metrics
