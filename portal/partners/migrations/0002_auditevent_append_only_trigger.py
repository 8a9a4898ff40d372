"""The audit trail is append-only in the database too: a PostgreSQL trigger refuses
UPDATE and DELETE of partners_auditevent whatever the client (ORM, raw SQL, psql).

SQLite (the laptop quick-start) has no such trigger; the model refuses there.
TRUNCATE (used by test flushes) is not affected.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION partners_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'partners_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER partners_auditevent_append_only
    BEFORE UPDATE OR DELETE ON partners_auditevent
    FOR EACH ROW EXECUTE FUNCTION partners_auditevent_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS partners_auditevent_append_only ON partners_auditevent;
DROP FUNCTION IF EXISTS partners_auditevent_append_only();
"""


class PostgreSQLOnlyRunSQL(migrations.RunSQL):
    """RunSQL that does nothing on other databases (checked through ``connection.vendor``)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0001_initial"),
    ]

    operations = [
        PostgreSQLOnlyRunSQL(FORWARD, REVERSE),
    ]
