"""On PostgreSQL, the database itself refuses UPDATE and DELETE of an issued invoice.

The model and queryset refuse too (portal.billing.models.Invoice); this trigger also
stops raw SQL and bulk paths. TRUNCATE (test database flush) is not affected.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION billing_invoice_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'billing_invoice rows are immutable: issue a cancelling invoice instead'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS billing_invoice_immutable ON billing_invoice;
CREATE TRIGGER billing_invoice_immutable BEFORE UPDATE OR DELETE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION billing_invoice_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS billing_invoice_immutable ON billing_invoice;
DROP FUNCTION IF EXISTS billing_invoice_immutable();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
