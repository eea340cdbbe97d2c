"""The handler registry: every app registers its kinds in its AppConfig.ready(), all named
`<entity>.<verb>`, and tasks queued under the old entry point still reach the job runner."""

import pytest
from django.utils.module_loading import import_string

from jobs import registry, services, tasks


def test_each_app_registered_its_job_kind_named_one_way():
    for kind in ("invoice.process", "statement.import", "template.evaluate"):
        assert registry.job_handler(kind) is not None, kind
        assert registry.KIND_PATTERN.fullmatch(kind)


@pytest.mark.parametrize("kind", ["ocrengine.evaluate_templates.v2", "Invoice.process", "import"])
def test_a_kind_named_otherwise_is_refused(kind):
    with pytest.raises(ValueError, match=r"<entity>\.<verb>"):
        registry.register_job_handler(kind, registry.JobHandler(run=lambda job: {}))
    assert registry.job_handler(kind) is None


def test_tasks_name_the_jobs_entry_point_and_the_old_path_still_resolves():
    assert import_string(services.RUN_JOB_TASK) is tasks.run_job
    # Queued before the upgrade (django-q2 stores the dotted path with each task).
    assert import_string("ocrengine.tasks.run_job") is tasks.run_job
