"""The customers list no longer keeps pages per process, so its version row goes (#14)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_list_version")]

    operations = [migrations.DeleteModel(name="CustomerListVersion")]
