from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "Receipt matching"

    def ready(self) -> None:
        from jobs.registry import JobHandler, register_job_handler
        from matching import signals  # noqa: F401  (runs after invoice / statement events)
        from matching.services import MATCH_PROPOSE_JOB, match_run_failed, match_run_job

        register_job_handler(
            MATCH_PROPOSE_JOB, JobHandler(run=match_run_job, on_failure=match_run_failed)
        )
