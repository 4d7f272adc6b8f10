"""The ledger's rules, kept by PostgreSQL itself: a journal's legs sum to zero (checked at commit,
so the legs of one journal may be inserted one by one), and legs and journals are never updated
or deleted (a correction is a new, reversing journal)."""

from django.db import migrations

BALANCED = """
CREATE FUNCTION payments_journal_balanced() RETURNS trigger AS $$
DECLARE
    total bigint;
    legs integer;
BEGIN
    SELECT COALESCE(SUM(amount), 0), COUNT(*) INTO total, legs
      FROM payments_journalleg WHERE journal_id = NEW.journal_id;
    IF legs > 0 AND total <> 0 THEN
        RAISE EXCEPTION 'journal % is unbalanced: its legs sum to %', NEW.journal_id, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER payments_journalleg_balanced
    AFTER INSERT ON payments_journalleg
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION payments_journal_balanced();

CREATE FUNCTION payments_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER payments_journalleg_append_only
    BEFORE UPDATE OR DELETE ON payments_journalleg
    FOR EACH ROW EXECUTE FUNCTION payments_ledger_append_only();

CREATE TRIGGER payments_journal_append_only
    BEFORE UPDATE OR DELETE ON payments_journal
    FOR EACH ROW EXECUTE FUNCTION payments_ledger_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS payments_journal_append_only ON payments_journal;
DROP TRIGGER IF EXISTS payments_journalleg_append_only ON payments_journalleg;
DROP TRIGGER IF EXISTS payments_journalleg_balanced ON payments_journalleg;
DROP FUNCTION IF EXISTS payments_ledger_append_only();
DROP FUNCTION IF EXISTS payments_journal_balanced();
"""


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunSQL(BALANCED, DROP)]
