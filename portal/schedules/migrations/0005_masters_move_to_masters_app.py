"""The dated master data now belongs to ``masters`` (its 0001 took the tables over with their rows)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("schedules", "0004_chosen_over_limit_allocation"),
        ("masters", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="BenefitLimit"),
                migrations.DeleteModel(name="CostShareGroup"),
                migrations.DeleteModel(name="ServiceCode"),
                migrations.DeleteModel(name="UnitPrice"),
            ],
            database_operations=[],
        ),
    ]
