from django.apps import AppConfig


class OcrengineConfig(AppConfig):
    name = "ocrengine"

    def ready(self) -> None:
        from jobs.registry import JobHandler, register_job_handler
        from ocrengine import (
            checks,  # noqa: F401  (registers the llm settings checks)
            signals,  # noqa: F401  (analysis API: template cache invalidation)
        )
        from ocrengine.services.evaluations import (
            TEMPLATE_EVALUATE_JOB,
            template_evaluation_failed,
            template_evaluation_run,
        )

        # Template evaluations started in the admin run as background jobs.
        register_job_handler(
            TEMPLATE_EVALUATE_JOB,
            JobHandler(run=template_evaluation_run, on_failure=template_evaluation_failed),
        )
