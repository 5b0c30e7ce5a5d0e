"""Subjects: a root has depth 0 and a child depth >= 1 (``ck_subjects_depth_matches_parent``).

Deleting a subject used to leave its children as roots at their old depth (the FK's SET NULL, no
service); the depth of every subject is first recomputed from the roots, so the check can be added to
a database that went through such deletes.
"""

from django.db import migrations, models

REPAIR_DEPTHS = """
WITH RECURSIVE tree(id, depth) AS (
    SELECT id, 0 FROM subjects WHERE parent_subject_id IS NULL
  UNION ALL
    SELECT s.id, t.depth + 1 FROM subjects s JOIN tree t ON s.parent_subject_id = t.id
)
UPDATE subjects SET depth = tree.depth FROM tree WHERE subjects.id = tree.id AND subjects.depth <> tree.depth
"""


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0005_offering_start_index'),
    ]

    operations = [
        migrations.RunSQL(sql=REPAIR_DEPTHS, reverse_sql=migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name='subject',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('parent_subject__isnull', True), ('depth', 0)), models.Q(('parent_subject__isnull', False), ('depth__gte', 1)), _connector='OR'), name='ck_subjects_depth_matches_parent'),
        ),
    ]
