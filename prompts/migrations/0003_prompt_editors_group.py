"""The "Prompt editors" group: what platform admins give staff who edit prompts (issue 4).

Members may view, add, change and delete prompts (create versions, move unprotected labels, set tags) and
see the label, dependency and protected-label lists, but not ``prompts.change_protected_labels`` and not
the API keys. Django creates permissions after the migrations run, so this migration creates the prompts
app's permissions first (``create_permissions`` is idempotent). The codenames are written out here, not
imported: a migration must not depend on app code that may change later.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Prompt editors"
CODENAMES = [
    "view_prompt",
    "add_prompt",
    "change_prompt",
    "delete_prompt",
    "view_promptlabel",
    "view_promptdependency",
    "view_protectedlabel",
]


def create_group(apps, schema_editor):
    app_config = apps.get_app_config("prompts")
    app_config.models_module = True  # the migration state's app config has none; create_permissions needs it
    create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.using(schema_editor.connection.alias).get_or_create(name=GROUP_NAME)
    group.permissions.set(
        Permission.objects.using(schema_editor.connection.alias).filter(
            content_type__app_label="prompts", codename__in=CODENAMES
        )
    )


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias).filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("prompts", "0002_label_uniqueness_trigger_and_cascades"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
