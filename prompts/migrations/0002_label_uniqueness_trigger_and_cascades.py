"""Database-side guarantees Django's model layer cannot declare.

1. ``prompt_labels`` mirrors ``prompts.labels``: a trigger rewrites a version's rows whenever its ``labels``
   (or ``name``) change, in the same statement. The unique ``(name, label)`` constraint on the side table
   then rejects a label held by two versions of one name, and the array can never disagree with it, whoever
   writes the row (services, admin, raw SQL). Duplicates inside one array are rejected the same way.
2. Seed 001 says ``prompt_dependencies.parent_id`` cascades on delete; Django emulates CASCADE in Python
   only, so the foreign keys are recreated with ``ON DELETE CASCADE`` (the label rows too).
"""

from django.db import migrations

SYNC_FUNCTION = """
CREATE OR REPLACE FUNCTION prompts_sync_label_rows() RETURNS trigger AS $$
BEGIN
    DELETE FROM prompt_labels pl
    WHERE pl.prompt_id = NEW.id AND (pl.name <> NEW.name OR NOT (pl.label = ANY (NEW.labels)));
    INSERT INTO prompt_labels (prompt_id, name, label)
    SELECT NEW.id, NEW.name, l FROM unnest(NEW.labels) AS l
    WHERE NOT EXISTS (SELECT 1 FROM prompt_labels pl WHERE pl.prompt_id = NEW.id AND pl.label = l);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER trg_prompts_label_rows
AFTER INSERT OR UPDATE OF labels, name ON prompts
FOR EACH ROW EXECUTE FUNCTION prompts_sync_label_rows();
"""

DROP_SYNC_FUNCTION = """
DROP TRIGGER IF EXISTS trg_prompts_label_rows ON prompts;
DROP FUNCTION IF EXISTS prompts_sync_label_rows();
"""


CASCADING_DEPENDENCY_FK = """
DO $$
DECLARE c text;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint
             WHERE conrelid = 'prompt_dependencies'::regclass AND contype = 'f' AND confrelid = 'prompts'::regclass
    LOOP
        EXECUTE format('ALTER TABLE prompt_dependencies DROP CONSTRAINT %I', c);
    END LOOP;
END $$;
ALTER TABLE prompt_dependencies ADD CONSTRAINT fk_prompt_deps_parent FOREIGN KEY (parent_id) REFERENCES prompts (id)
    ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;
"""

CASCADING_LABEL_FK = """
DO $$
DECLARE c text;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint
             WHERE conrelid = 'prompt_labels'::regclass AND contype = 'f' AND confrelid = 'prompts'::regclass
    LOOP
        EXECUTE format('ALTER TABLE prompt_labels DROP CONSTRAINT %I', c);
    END LOOP;
END $$;
ALTER TABLE prompt_labels ADD CONSTRAINT fk_prompt_labels_prompt FOREIGN KEY (prompt_id) REFERENCES prompts (id)
    ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("prompts", "0001_initial_schema"),
    ]

    operations = [
        migrations.RunSQL(SYNC_FUNCTION, DROP_SYNC_FUNCTION),
        migrations.RunSQL(CASCADING_DEPENDENCY_FK, migrations.RunSQL.noop),
        migrations.RunSQL(CASCADING_LABEL_FK, migrations.RunSQL.noop),
    ]
