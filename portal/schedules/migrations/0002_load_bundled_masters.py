"""Load the bundled master data (令和6年度) so that a fresh database can calculate a 第7表."""

from django.db import migrations


def load(apps, schema_editor):
    from portal.masters.loader import load_bundled

    load_bundled(lambda name: apps.get_model("schedules", name))


class Migration(migrations.Migration):
    dependencies = [("schedules", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
