"""A BSN belongs to one pupil record (partial unique: empty is allowed many times), and a
background import keeps its progress on its own row.

Before the constraint is added, existing duplicates are looked for. Which record is the right
one is a person's decision (two children mixed up, or one child enrolled twice), so the
migration never merges or deletes: it stops with the ids of the records to look at (never the
BSN or a name) and leaves the database as it was.
"""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Count


class DuplicateCitizenNumbers(Exception):
    pass


def refuse_duplicate_citizen_numbers(apps, schema_editor):
    Pupil = apps.get_model("students", "Pupil")
    duplicated = (
        Pupil.objects.exclude(citizen_number="")
        .values("citizen_number")
        .annotate(count=Count("pk"))
        .filter(count__gt=1)
        .values_list("citizen_number", flat=True)
    )
    groups: dict[str, list[int]] = {}
    for number, pk in Pupil.objects.filter(citizen_number__in=list(duplicated)).values_list(
        "citizen_number", "pk"
    ):
        groups.setdefault(number, []).append(pk)
    if not groups:
        return
    listed = "; ".join(
        ", ".join(str(pk) for pk in sorted(pks)) for pks in sorted(groups.values())
    )
    raise DuplicateCitizenNumbers(
        f"{len(groups)} BSN(s) are held by more than one pupil record (pupil ids, one group per "
        f"BSN: {listed}). Decide per group which record is right, correct or empty the BSN of "
        "the others (admin or pupil page), then run migrate again. Nothing was changed."
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_preferred_language"),
        ("students", "0007_merge_spelling_and_surname_prefix"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="importrun",
            name="rows_done",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(refuse_duplicate_citizen_numbers, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="pupil",
            constraint=models.UniqueConstraint(
                condition=models.Q(("citizen_number", ""), _negated=True),
                fields=("citizen_number",),
                name="unique_citizen_number",
                violation_error_message="Dit BSN hoort al bij een andere leerling.",
            ),
        ),
    ]
