"""Seed version 1 of the checklist: appendix c of the privacy protocol."""

from django.db import migrations


def seed(apps, schema_editor):
    from checklist.defaults import DEFAULT_ITEMS

    Template = apps.get_model("checklist", "ChecklistTemplate")
    Item = apps.get_model("checklist", "ChecklistItem")
    if Template.objects.filter(foundation__isnull=True).exists():
        return
    template = Template.objects.create(
        version=1, note="Bijlage c van het privacyprotocol (Checklist privacy)"
    )
    Item.objects.bulk_create(
        Item(template=template, order=(index + 1) * 10, **item)
        for index, item in enumerate(DEFAULT_ITEMS)
    )


def unseed(apps, schema_editor):
    Template = apps.get_model("checklist", "ChecklistTemplate")
    Template.objects.filter(foundation__isnull=True, version=1, rounds__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("checklist", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
