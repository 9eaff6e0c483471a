"""Existing data under the new rules.

- Text versions: each channel's first version is its ``initial`` text; every later version
  written before scopes existed becomes ``editorial``. Nobody said at the time that a change
  widened the use, and the existing answers were collected as answers to the text parents saw
  then: they keep counting (a widening from now on asks again). Where the FG knows an earlier
  edit did widen the use (the "ook op TikTok" case), the fix is to save the text again as a
  widening, which asks the parents again.
- Answer sources: an answer recorded by the parent's (or 16+ pupil's) own account was given
  online; any other was entered by staff from paper.
"""

from django.db import migrations
from django.db.models import F, Min, Q


def forwards(apps, schema_editor):
    ChannelText = apps.get_model("consent", "ChannelText")
    ConsentDecision = apps.get_model("consent", "ConsentDecision")
    firsts = ChannelText.objects.values("channel_id").annotate(first=Min("version"))
    for row in firsts:
        ChannelText.objects.filter(channel_id=row["channel_id"], version=row["first"]).update(
            scope="initial"
        )
    own = Q(by_pupil=False, decided_by_id=F("guardian__user_id")) | Q(
        by_pupil=True, decided_by_id=F("pupil__user_id")
    )
    ConsentDecision.objects.exclude(own).update(source="paper")
    ConsentDecision.objects.filter(own).update(source="online")


def backwards(apps, schema_editor):
    """The added columns are dropped by the schema migration; nothing to undo here."""


class Migration(migrations.Migration):
    dependencies = [("consent", "0002_scope_source_links_rounds")]

    operations = [migrations.RunPython(forwards, backwards)]
