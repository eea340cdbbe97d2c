from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    """The agents' pages: shells over the REST API (HTML in templates/, assets in static/)."""

    name = "workbench"
    verbose_name = "Workbench"
