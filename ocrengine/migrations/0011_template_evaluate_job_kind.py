"""Job kinds are named `<entity>.<verb>` like `invoice.process` and `statement.import`: the
template evaluation's kind `ocrengine.evaluate_templates` becomes `template.evaluate`. A job's
kind is how a (re)delivered task finds its handler, so the stored rows follow the new name."""

from django.db import migrations

OLD, NEW = "ocrengine.evaluate_templates", "template.evaluate"


def kind_rename(apps, schema_editor):
    apps.get_model("jobs", "ProcessingJob").objects.filter(kind=OLD).update(kind=NEW)


def kind_restore(apps, schema_editor):
    apps.get_model("jobs", "ProcessingJob").objects.filter(kind=NEW).update(kind=OLD)


class Migration(migrations.Migration):
    dependencies = [("ocrengine", "0010_processingjob_moved_to_jobs")]

    operations = [migrations.RunPython(kind_rename, kind_restore)]
