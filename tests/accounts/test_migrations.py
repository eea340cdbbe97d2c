"""Upgrading a database made before the accounts app existed, when `LoginFailure`, the role
groups and the token-flush schedule were the `config` app's (migrations config 0001-0003,
recorded in django_migrations, content type `config.loginfailure`): `migrate` takes
accounts 0001-0003 as applied without running them, the failures and group members are found
through the accounts model, and the content type with its permissions follows. A database made
before config 0003 existed gets the token-flush schedule and nothing else."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django_q.models import Schedule

from accounts.models import LoginFailure
from tests.factories import UserFactory

CONFIG_MIGRATIONS = ("0001_roles", "0002_login_failures", "0003_flush_expired_tokens_schedule")
ACCOUNTS_MIGRATIONS = {
    ("accounts", name) for name in (*CONFIG_MIGRATIONS, "0004_loginfailure_content_type")
}


def _as_before_the_move(config_migrations: tuple[str, ...] = CONFIG_MIGRATIONS) -> None:
    """What a database at today's main records: the config app's three migrations, none of
    accounts', and the content type under `config`. The table itself had this name then."""
    recorded = MigrationRecorder.Migration.objects
    recorded.filter(app="accounts").delete()
    recorded.filter(app="config").delete()
    for name in config_migrations:
        recorded.get_or_create(app="config", name=name)
    ContentType.objects.filter(app_label="accounts", model="loginfailure").update(
        app_label="config"
    )
    ContentType.objects.clear_cache()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the seeded rows
def test_upgrade_keeps_login_failures_role_members_and_the_content_type():
    content_type = ContentType.objects.get(app_label="accounts", model="loginfailure")
    permission_ids = set(content_type.permission_set.values_list("pk", flat=True))
    supervisors = Group.objects.get(name="supervisor")
    supervisors.permissions.add(content_type.permission_set.get(codename="view_loginfailure"))
    agent = UserFactory(username="ann")
    agent.groups.add(Group.objects.get(name="agent"))
    failure = LoginFailure.objects.create(username="bob", ip_address="10.0.0.1")
    _as_before_the_move()

    call_command("migrate", verbosity=0)

    assert LoginFailure._meta.db_table == "config_loginfailure"
    assert "config_loginfailure" in connection.introspection.table_names()
    assert LoginFailure.objects.get().pk == failure.pk
    assert LoginFailure.objects.get().ip_address == "10.0.0.1"
    assert list(agent.groups.values_list("name", flat=True)) == ["agent"]
    assert set(Group.objects.values_list("name", flat=True)) >= {"agent", "supervisor", "admin"}
    applied = set(MigrationRecorder.Migration.objects.values_list("app", "name"))
    assert applied >= ACCOUNTS_MIGRATIONS
    ContentType.objects.clear_cache()
    moved = ContentType.objects.get(app_label="accounts", model="loginfailure")
    assert moved.pk == content_type.pk
    assert not ContentType.objects.filter(app_label="config").exists()
    assert set(moved.permission_set.values_list("pk", flat=True)) == permission_ids
    assert supervisors.permissions.filter(codename="view_loginfailure").get().content_type == moved
    assert Permission.objects.filter(codename="view_loginfailure").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_second_migrate_has_nothing_to_do():
    _as_before_the_move()
    call_command("migrate", verbosity=0)
    recorded = MigrationRecorder.Migration.objects.count()

    call_command("migrate", verbosity=0)

    assert MigrationRecorder.Migration.objects.count() == recorded


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_database_from_before_the_token_flush_schedule_gets_only_the_schedule():
    Schedule.objects.filter(name="flush_expired_tokens").delete()
    failure = LoginFailure.objects.create(username="bob")
    _as_before_the_move(CONFIG_MIGRATIONS[:2])

    call_command("migrate", verbosity=0)

    assert Schedule.objects.filter(name="flush_expired_tokens").count() == 1
    assert LoginFailure.objects.get().pk == failure.pk
    applied = set(MigrationRecorder.Migration.objects.values_list("app", "name"))
    assert applied >= ACCOUNTS_MIGRATIONS
