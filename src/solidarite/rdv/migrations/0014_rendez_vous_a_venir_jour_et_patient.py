# The day and the person (0013) of the appointments still to come (from yesterday on, in case of a time zone), so
# that the rule of one appointment a day per person and lieu holds against them too. A person who already holds
# several that day at a lieu keeps them all (nothing is cancelled here): only the first of them is filled in, the
# others stay outside the constraint. Backwards: the columns emptied.

import datetime as dt

from django.db import migrations
from django.utils import timezone

from solidarite.rdv.patients import identity_key


def fill(apps, schema_editor) -> None:
    RendezVous = apps.get_model("rdv", "RendezVous")
    since = timezone.now() - dt.timedelta(days=1)
    rows = (
        RendezVous.objects.filter(debut__gte=since, jour__isnull=True)
        .exclude(statut="annule")
        .order_by("pk")
        .values_list("pk", "lieu_id", "mission__date", "nom", "prenom", "date_naissance")
    )
    seen: set[tuple[int, dt.date, str]] = set()
    filled = []
    for pk, lieu_id, day, nom, prenom, born in rows.iterator():
        key = identity_key(nom, prenom, born)
        first = (lieu_id, day, key) not in seen  # a second one that day at that lieu is left out of the rule
        seen.add((lieu_id, day, key))
        filled.append(RendezVous(pk=pk, jour=day, identite=key if first else None))
    RendezVous.objects.bulk_update(filled, ["jour", "identite"], batch_size=500)


def empty(apps, schema_editor) -> None:
    apps.get_model("rdv", "RendezVous").objects.update(jour=None, identite=None)


class Migration(migrations.Migration):
    dependencies = [("rdv", "0013_un_rendez_vous_par_patient_lieu_jour")]

    operations = [migrations.RunPython(fill, empty)]
