"""Every course gets its ``course_root`` module in the same statement that inserts the course.

The catalog sits below the syllabus and may not import it, so the root is created by the database:
an AFTER INSERT trigger on ``courses`` inserts the root (title = course title, depth 0, sequence 1,
unpublished). Every path gets one: services, admin, factories, ``bulk_create`` and raw SQL.
``ON CONFLICT DO NOTHING`` keeps it harmless if a root already exists. Existing courses without a
root get one here too.
"""

from django.db import migrations

CREATE_SQL = """
CREATE OR REPLACE FUNCTION syllabus_create_course_root() RETURNS trigger AS $$
BEGIN
    INSERT INTO modules (course_id, parent_module_id, module_type, title, sequence_index, depth, is_published)
    VALUES (NEW.id, NULL, 'course_root', NEW.title, 1, 0, false)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE TRIGGER trg_courses_create_root
    AFTER INSERT ON courses
    FOR EACH ROW EXECUTE FUNCTION syllabus_create_course_root();

INSERT INTO modules (course_id, parent_module_id, module_type, title, sequence_index, depth, is_published)
SELECT c.id, NULL, 'course_root', c.title, 1, 0, false
FROM courses c
WHERE NOT EXISTS (SELECT 1 FROM modules m WHERE m.course_id = c.id AND m.module_type = 'course_root')
ON CONFLICT DO NOTHING;
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS trg_courses_create_root ON courses;
DROP FUNCTION IF EXISTS syllabus_create_course_root();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("syllabus", "0003_builtin_content_types"),
        ("catalog", "0002_tenant_foreign_keys"),
    ]

    operations = [migrations.RunSQL(sql=CREATE_SQL, reverse_sql=DROP_SQL)]
