# Identical active waitlist entries (same lieu, period, name and contact, as stored), made by a form sent twice at
# once or again, before the unique constraint of 0012: each group keeps its first entry active, the others are
# ended (« terminée »), so that the constraint can be created. Their messages sent still count for the person
# (rdv.attente._sent_by_person counts every entry whose period is not over); their link still withdraws nothing
# more than an ended entry. Backwards: nothing to undo (which entries were duplicates is not kept).

from django.db import migrations

SAME = ("lieu_id", "du", "au", "nom", "prenom", "telephone", "email")


def end_duplicates(apps, schema_editor) -> None:
    InscriptionAttente = apps.get_model("rdv", "InscriptionAttente")
    seen: set[tuple[object, ...]] = set()
    ended = []
    for row in (
        InscriptionAttente.objects.filter(statut="active").order_by("pk").values("pk", *SAME).iterator()
    ):
        key = tuple(row[name] for name in SAME)
        if key in seen:
            ended.append(row["pk"])
        seen.add(key)
    for start in range(0, len(ended), 500):
        InscriptionAttente.objects.filter(pk__in=ended[start : start + 500]).update(statut="terminee")


class Migration(migrations.Migration):
    dependencies = [("rdv", "0010_message_lien_retrait")]

    operations = [migrations.RunPython(end_duplicates, migrations.RunPython.noop)]
