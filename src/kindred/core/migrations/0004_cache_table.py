"""The database cache's table (settings.CACHES): Django makes it with `createcachetable`,
which `migrate` does not run, so this migration does. With Redis configured it does
nothing. Reversing it keeps the table (a cache holds nothing worth dropping)."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_outgoing_mail")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
