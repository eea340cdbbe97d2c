from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"

    def ready(self) -> None:
        from jobs.registry import JobHandler, register_job_handler
        from webhooks.services import WEBHOOK_DELIVER_JOB, webhook_deliver

        register_job_handler(WEBHOOK_DELIVER_JOB, JobHandler(run=webhook_deliver))
