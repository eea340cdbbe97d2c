"""The role groups: agent, supervisor, admin.

Accounts 0001-0003 are the `config` app's migrations 0001-0003 of before #14, when this lived
there, one for one: each replaces its namesake, so on a database that applied it (every
database made before #14, or one made before 0003 existed) it is marked applied without
running, and the LoginFailure table keeps its name (`config_loginfailure`); on a new database
they run and make the same groups, table and schedule."""

from django.db import migrations

ROLES = ("agent", "supervisor", "admin")


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    initial = True
    replaces = [("config", "0001_roles")]
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_roles, remove_roles)]
