"""The fragility score beside the selection score (ADR 0021): with a vote of methods, `score` is the share of
the methods retaining the EPCI, and the map and the planning need the fragility itself. A campaign computed
without a vote has one score only: it is copied. A campaign computed with a vote keeps it empty (recompute)."""

from django.db import migrations, models


def copy_single_method_scores(apps, schema_editor):  # type: ignore[no-untyped-def]
    Campagne = apps.get_model("zonage", "Campagne")
    ResultatEpci = apps.get_model("zonage", "ResultatEpci")
    for campagne in Campagne.objects.all():
        if not (campagne.parametres or {}).get("membres"):
            ResultatEpci.objects.filter(campagne=campagne).update(score_fragilite=models.F("score"))


class Migration(migrations.Migration):
    dependencies = [
        ("zonage", "0002_explication_par_epci"),
    ]

    operations = [
        migrations.AddField(
            model_name="resultatepci",
            name="score_fragilite",
            field=models.FloatField(blank=True, null=True, verbose_name="score des fragilités"),
        ),
        migrations.AlterField(
            model_name="resultatepci",
            name="ecart_seuil",
            field=models.FloatField(blank=True, null=True, verbose_name="écart au seuil (points du score)"),
        ),
        migrations.RunPython(copy_single_method_scores, migrations.RunPython.noop),
    ]
