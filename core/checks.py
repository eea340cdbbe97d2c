"""System checks that catch mis-configuration before the first request."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def q_cluster_retry_exceeds_timeout(app_configs, **kwargs):
    cluster = settings.Q_CLUSTER
    if cluster.get("retry", 0) <= cluster.get("timeout", 0):
        return [
            Error(
                "Q_CLUSTER retry must be greater than timeout.",
                hint="Otherwise a task still running is handed to a second worker.",
                id="ledgerlens.E001",
            )
        ]
    return []
