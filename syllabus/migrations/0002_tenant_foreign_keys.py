"""Composite foreign keys: a module's parent, a content item's module and a pool's course agree on course and university.

Django cannot declare a multi-column foreign key, so these are raw SQL. They are NOT DEFERRABLE, so a
mismatching write fails at once; ON DELETE repeats the seed's rule for the single-column key (Django
emulates that rule itself; the composite key must not get in its way). See docs/schema.md.
"""

from django.db import migrations

# (name, table, columns, referenced table, referenced columns, ON DELETE action)
COMPOSITE_FOREIGN_KEYS = [
    ('fk_modules_parent_same_course', 'modules', 'parent_module_id, course_id', 'modules', 'id, course_id', 'CASCADE'),
    ('fk_content_items_module_same_course', 'content_items', 'module_id, course_id', 'modules', 'id, course_id', 'CASCADE'),
    ('fk_content_items_course_same_university', 'content_items', 'course_id, university_id', 'courses', 'id, university_id', 'CASCADE'),
    ('fk_question_pools_course_same_university', 'question_pools', 'course_id, university_id', 'courses', 'id, university_id', 'CASCADE'),
]


def add_sql(name, table, columns, ref_table, ref_columns, on_delete):
    return (
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" FOREIGN KEY ({columns}) '
        f'REFERENCES "{ref_table}" ({ref_columns}) ON UPDATE NO ACTION ON DELETE {on_delete} NOT DEFERRABLE'
    )


def drop_sql(name, table, *_):
    return f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"'


class Migration(migrations.Migration):
    dependencies = [
        ('syllabus', '0001_syllabus_tree_content_question_bank'),
        ('catalog', '0002_tenant_foreign_keys'),
    ]

    operations = [
        migrations.RunSQL(sql=add_sql(*fk), reverse_sql=drop_sql(*fk)) for fk in COMPOSITE_FOREIGN_KEYS
    ]
