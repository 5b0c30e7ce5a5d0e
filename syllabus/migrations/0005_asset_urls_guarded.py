"""Uploaded assets point at the guarded ``/assets/<id>/`` route instead of the storage's public URL."""

from django.db import migrations

FORWARD = """
UPDATE assets SET url = '/assets/' || id || '/'
WHERE meta_json ? 'storage_name' AND url NOT LIKE '/assets/%'
"""
BACKWARD = """
UPDATE assets SET url = '/media/' || (meta_json ->> 'storage_name')
WHERE meta_json ? 'storage_name' AND url LIKE '/assets/%'
"""


class Migration(migrations.Migration):
    dependencies = [("syllabus", "0004_course_root_trigger")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
