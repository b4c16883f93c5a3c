# Appointments of overseas lieux were stored at the Paris instant of their local hours (8 h 30 in Mamoudzou was
# stored as 8 h 30 in Paris, 2 hours late). Decision 0023: the lieu's hours are in its commune's time zone. Each
# such appointment keeps its wall-clock time, now read in its lieu's zone, and its reminders not yet sent move
# with it. Metropolitan appointments are not touched.

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import migrations

from solidarite.territoire.fuseaux import OUTRE_MER, fuseau

PARIS = ZoneInfo("Europe/Paris")


def _moved(moment: dt.datetime, source: ZoneInfo, target: ZoneInfo) -> dt.datetime:
    """The same wall-clock time, read in `target` rather than `source`."""
    return moment.astimezone(source).replace(tzinfo=target)


def _move(apps, forwards: bool) -> None:
    RendezVous = apps.get_model("rdv", "RendezVous")
    Message = apps.get_model("rdv", "Message")
    overseas = RendezVous.objects.filter(
        lieu__commune__code_insee__regex=r"^(" + "|".join(OUTRE_MER) + ")"
    ).values_list("pk", "debut", "fin", "lieu__commune__code_insee")
    for pk, debut, fin, code in overseas.iterator():
        source, target = (PARIS, fuseau(code)) if forwards else (fuseau(code), PARIS)
        shift = _moved(debut, source, target) - debut
        RendezVous.objects.filter(pk=pk).update(
            debut=_moved(debut, source, target), fin=_moved(fin, source, target)
        )
        for message in Message.objects.filter(rendez_vous_id=pk, statut="a_envoyer", nature="rappel"):
            Message.objects.filter(pk=message.pk).update(prevu_le=message.prevu_le + shift)


def forwards(apps, schema_editor) -> None:
    _move(apps, forwards=True)


def backwards(apps, schema_editor) -> None:
    _move(apps, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("rdv", "0008_message_reclame_le"),
        ("territoire", "0002_agentars"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
