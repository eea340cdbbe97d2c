"""Security audit (#13):

- `ocrengine.use_llm_backend`: only holders may have documents analysed by the llm backend;
  granted to the supervisor and admin roles.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

LLM_ROLES = ("supervisor", "admin")


def grant_llm_backend(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure this one exists now.
    config = apps.get_app_config("ocrengine")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(
        content_type__app_label="ocrengine", codename="use_llm_backend"
    )
    for name in LLM_ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(permission)


def revoke_llm_backend(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=LLM_ROLES):
        group.permissions.remove(*group.permissions.filter(codename="use_llm_backend"))


class Migration(migrations.Migration):
    dependencies = [
        ("ocrengine", "0008_job_sweeper_schedule"),
        ("config", "0001_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="analysislog",
            options={
                "ordering": ["-created_at"],
                "permissions": [
                    ("use_llm_backend", "Can have documents analysed by the llm backend")
                ],
            },
        ),
        migrations.RunPython(grant_llm_backend, revoke_llm_backend),
    ]
