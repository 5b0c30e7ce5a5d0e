"""Composite foreign keys that keep catalog's denormalised tenant columns in agreement.

Django cannot declare a multi-column foreign key, so these are raw SQL. They are NOT DEFERRABLE, so a
mismatching write fails at once; ON DELETE repeats the seed's rule for the single-column key (Django
emulates that rule itself; the composite key must not get in its way). See docs/schema.md.
"""

from django.db import migrations

# (name, table, columns, referenced table, referenced columns, ON DELETE action)
COMPOSITE_FOREIGN_KEYS = [
    ('fk_subjects_parent_same_domain', 'subjects', 'parent_subject_id, domain_id', 'subjects', 'id, domain_id', 'SET NULL (parent_subject_id)'),
    ('fk_courses_department_same_university', 'courses', 'department_id, university_id', 'departments', 'id, university_id', 'SET NULL (department_id)'),
    ('fk_course_offerings_course_same_university', 'course_offerings', 'course_id, university_id', 'courses', 'id, university_id', 'CASCADE'),
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
        ('catalog', '0001_geography_taxonomy_courses'),
    ]

    operations = [
        migrations.RunSQL(sql=add_sql(*fk), reverse_sql=drop_sql(*fk)) for fk in COMPOSITE_FOREIGN_KEYS
    ]
