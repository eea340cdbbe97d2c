"""Upgrading a database made before `ProcessingJob` moved from ocrengine to jobs: the job rows,
the invoice, statement import and template evaluation pointing at them, and the permissions and
admin log entries on the job content type are all found again through the new models."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from billing.models import StatementImport
from invoices.models import Invoice
from jobs.models import ProcessingJob
from ocrengine.models import TemplateEvaluation

MOVE = ("jobs", "0001_initial")


def _executor() -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor


def _before_the_move(executor: MigrationExecutor) -> tuple[list, list]:
    """Migrate targets for today's schema before the move: each app at its latest migration
    that does not come after jobs 0001, the jobs app unmigrated. Later migrations of other
    issues that do not depend on the move stay applied. Returns (targets, nodes of the state)."""
    graph = executor.loader.graph
    after = set(graph.backwards_plan(MOVE))  # the move and everything that depends on it
    targets, nodes = [], []
    for app in sorted({app for app, _ in graph.nodes}):
        before = {node for node in graph.nodes if node[0] == app and node not in after}
        latest = [
            node
            for node in before
            if not any(child in before for child in graph.node_map[node].children)
        ]
        if latest:
            nodes.append(latest[0])
        if any(node[0] == app for node in after):
            targets.append(latest[0] if latest else (app, None))
    return targets, nodes


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the seeded rows
def test_upgrade_keeps_jobs_their_targets_and_their_content_type():
    executor = _executor()
    targets, nodes = _before_the_move(executor)
    assert ("jobs", None) in targets
    executor.migrate(targets)
    old = executor.loader.project_state(nodes).apps
    with pytest.raises(LookupError):
        old.get_model("jobs", "ProcessingJob")

    OldJob = old.get_model("ocrengine", "ProcessingJob")
    invoice_job = OldJob.objects.create(kind="invoice.process", status="succeeded", attempts=1)
    import_job = OldJob.objects.create(
        kind="statement.import", status="failed", error_code="corrupt_file", claim=2
    )
    evaluation_job = OldJob.objects.create(kind="ocrengine.evaluate_templates", status="queued")
    invoice = old.get_model("invoices", "Invoice").objects.create(
        file="invoices/old.pdf",
        original_name="old.pdf",
        sha256="b" * 64,
        mime="application/pdf",
        job=invoice_job,
    )
    statement = old.get_model("billing", "StatementImport").objects.create(
        original_name="old.csv", sha256="c" * 64, size=1, format="csv", job=import_job
    )
    document_type = old.get_model("ocrengine", "DocumentType").objects.get(code="invoice")
    evaluation = old.get_model("ocrengine", "TemplateEvaluation").objects.create(
        document_type=document_type, archive="evaluations/old.zip", job=evaluation_job
    )
    content_type = old.get_model("contenttypes", "ContentType").objects.get(
        app_label="ocrengine", model="processingjob"
    )
    permission, _ = old.get_model("auth", "Permission").objects.get_or_create(
        content_type=content_type,
        codename="view_processingjob",
        defaults={"name": "Can view processing job"},
    )
    old.get_model("auth", "Group").objects.create(name="job watchers").permissions.add(permission)
    user_app, user_model = settings.AUTH_USER_MODEL.split(".")
    user = old.get_model(user_app, user_model).objects.create(username="old-admin")
    log_entry = old.get_model("admin", "LogEntry").objects.create(
        user=user,
        content_type=content_type,
        object_id=str(import_job.pk),
        object_repr="statement.import",
        action_flag=2,
    )

    executor = _executor()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert ProcessingJob._meta.db_table == "ocrengine_processingjob"
    assert Invoice.objects.get(pk=invoice.pk).job.kind == "invoice.process"
    moved = StatementImport.objects.select_related("job").get(pk=statement.pk).job
    assert (moved.pk, moved.status, moved.error_code, moved.claim) == (
        import_job.pk,
        "failed",
        "corrupt_file",
        2,
    )
    # The evaluation's job kind is named like the others now (ocrengine 0011).
    assert TemplateEvaluation.objects.get(pk=evaluation.pk).job.kind == "template.evaluate"
    assert ProcessingJob.objects.count() == 3

    ContentType.objects.clear_cache()
    job_type = ContentType.objects.get_for_model(ProcessingJob)
    assert (job_type.pk, job_type.app_label) == (content_type.pk, "jobs")
    assert not ContentType.objects.filter(app_label="ocrengine", model="processingjob").exists()
    assert Group.objects.get(name="job watchers").permissions.get().content_type == job_type
    assert LogEntry.objects.get(pk=log_entry.pk).get_edited_object() == moved
