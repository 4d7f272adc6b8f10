"""The audit log is append-only: PostgreSQL refuses UPDATE and DELETE on its rows."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION komeji_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% on % is not allowed: the table is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER common_auditlog_append_only
    BEFORE UPDATE OR DELETE ON common_auditlog
    FOR EACH ROW EXECUTE FUNCTION komeji_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS common_auditlog_append_only ON common_auditlog;
"""


class Migration(migrations.Migration):
    dependencies = [("common", "0002_load_regions")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
