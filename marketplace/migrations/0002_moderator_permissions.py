"""Moderators verify certificates, block and unblock products and handle buyers' reports in the
admin; they read categories (superusers edit them)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Moderator": [
        "view_product",
        "change_product",
        "block_product",
        "view_certificate",
        "change_certificate",
        "verify_certificate",
        "view_productreport",
        "change_productreport",
        "view_category",
    ],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("marketplace")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="marketplace", codename__in=codenames
            )
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in GRANTS.items():
        group = Group.objects.filter(name=group_name).first()
        if group is not None:
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="marketplace", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0001_initial"),
        ("accounts", "0003_staff_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
