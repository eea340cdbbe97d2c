from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self) -> None:
        from billing.services.statement_processing import (
            statement_import_failed,
            statement_import_run,
        )
        from billing.services.statement_upload import STATEMENT_IMPORT_JOB
        from jobs.registry import JobHandler, register_job_handler

        register_job_handler(
            STATEMENT_IMPORT_JOB,
            JobHandler(run=statement_import_run, on_failure=statement_import_failed),
        )
