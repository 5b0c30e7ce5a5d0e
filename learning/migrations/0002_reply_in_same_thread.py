"""A reply's parent post is in the same discussion thread (composite foreign key).

Django cannot declare a multi-column foreign key, so these are raw SQL. They are NOT DEFERRABLE, so a
mismatching write fails at once; ON DELETE repeats the seed's rule for the single-column key (Django
emulates that rule itself; the composite key must not get in its way). See docs/schema.md.
"""

from django.db import migrations

# (name, table, columns, referenced table, referenced columns, ON DELETE action)
COMPOSITE_FOREIGN_KEYS = [
    (
        "fk_discussion_posts_parent_same_thread",
        "discussion_posts",
        "parent_post_id, thread_id",
        "discussion_posts",
        "id, thread_id",
        "CASCADE",
    ),
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
        ("learning", "0001_enrollments_progress_assessments_social"),
    ]

    operations = [migrations.RunSQL(sql=add_sql(*fk), reverse_sql=drop_sql(*fk)) for fk in COMPOSITE_FOREIGN_KEYS]
