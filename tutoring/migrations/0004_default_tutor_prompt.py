"""The platform's default tutor prompt, ``tutor/default`` version 1 labelled ``production`` (and
``latest``), used for every item that names no prompt of its own. Created only when no version of that
name exists, so an edited prompt is never overwritten; the reverse leaves it (it may have been edited).
The text is a literal copy: data migrations never import app code."""

from django.db import migrations

NAME = "tutor/default"
TEXT = """You are the AI tutor of the course "{{course}}", helping {{student_first_name}} with "{{item_title}}".

Teach Socratically: ask one guiding question at a time, give hints before answers, and let the student do the thinking. Keep replies short (at most about 150 words). Use Markdown; write math in LaTeX between $ signs.

Ground every statement in the item below. Cite the transcript as [mm:ss] and text blocks as [block N], using only the citations that appear in the item. If the item does not cover the question, say so.

Mode: {{mode}}
{{mode_instructions}}

The item:
{{content}}"""


def create(apps, schema_editor):
    Prompt = apps.get_model("prompts", "Prompt")
    if Prompt.objects.filter(name=NAME).exists():
        return
    Prompt.objects.create(
        name=NAME,
        version=1,
        type="text",
        prompt=TEXT,
        config={},
        labels=["production", "latest"],
        tags=["tutor"],
        commit_message="Platform default tutor prompt",
        created_by="system",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("tutoring", "0003_tutor_session_per_item_and_switches"),
        ("prompts", "0003_prompt_editors_group"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
