# One person, at most one active appointment a day at a lieu (decision 0004, 6 December 2026): the day and the
# person (keyed hash of the normalised name, first name and birth date) of each appointment, and the partial unique
# constraint over them, as the slot's. Both NULL for the rows already there (the constraint leaves them out);
# 0014 fills those of the coming days.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annuaire", "0004_jours_max_en_vigueur"),
        ("planning", "0004_mission_reste_disponible"),
        ("rdv", "0012_une_inscription_active_identique"),
    ]

    operations = [
        migrations.AddField(
            model_name="rendezvous",
            name="identite",
            field=models.CharField(
                blank=True, editable=False, max_length=64, null=True, verbose_name="patient (empreinte)"
            ),
        ),
        migrations.AddField(
            model_name="rendezvous",
            name="jour",
            field=models.DateField(blank=True, editable=False, null=True, verbose_name="jour"),
        ),
        migrations.AddConstraint(
            model_name="rendezvous",
            constraint=models.UniqueConstraint(
                condition=models.Q(("statut", "annule"), _negated=True),
                fields=("lieu", "jour", "identite"),
                name="un_rendez_vous_actif_par_patient_lieu_jour",
            ),
        ),
    ]
