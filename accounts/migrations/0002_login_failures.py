"""Failed logins (was config 0002_login_failures, which this replaces: see 0001)."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    replaces = [("config", "0002_login_failures")]
    dependencies = [("accounts", "0001_roles")]

    operations = [
        migrations.CreateModel(
            name="LoginFailure",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("username", models.CharField(max_length=150)),
                ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "db_table": "config_loginfailure",
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(fields=["username", "created_at"], name="loginfailure_user_time"),
                    models.Index(fields=["ip_address", "created_at"], name="loginfailure_ip_time"),
                    models.Index(fields=["created_at"], name="loginfailure_time"),
                ],
            },
        ),
    ]
