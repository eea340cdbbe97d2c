from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "invoices"

    def ready(self) -> None:
        from invoices.services import INVOICE_PROCESS_JOB, invoice_process, invoice_process_failed
        from jobs.registry import JobHandler, register_job_handler

        register_job_handler(
            INVOICE_PROCESS_JOB, JobHandler(run=invoice_process, on_failure=invoice_process_failed)
        )
