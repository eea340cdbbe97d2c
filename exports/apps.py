from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "exports"

    def ready(self) -> None:
        from exports.services import EXPORT_BUILD_JOB, export_build, export_build_failed
        from jobs.registry import JobHandler, register_job_handler

        register_job_handler(
            EXPORT_BUILD_JOB, JobHandler(run=export_build, on_failure=export_build_failed)
        )
