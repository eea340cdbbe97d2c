from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Background jobs: the app knows no job kind; each app registers its handlers in its own
    AppConfig.ready() (jobs/registry.py)."""

    name = "jobs"
