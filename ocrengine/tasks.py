"""The task entry point moved to jobs/tasks.py. This alias stays because django-q2 stores the
dotted path with each queued task (in the ORM broker's OrmQ rows or the Redis list) and imports
it when a worker picks the task up: a task enqueued before the upgrade, or redelivered after a
worker died, still names `ocrengine.tasks.run_job`. New tasks name `jobs.tasks.run_job`. Safe
to delete once no deployment can hold such a task (every queue drained after the upgrade)."""

from jobs.tasks import run_job  # noqa: F401
