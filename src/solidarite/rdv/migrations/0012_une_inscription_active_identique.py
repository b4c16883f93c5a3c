# The same waitlist entry active once (rdv.attente.register): a form sent twice at once, or again, made two
# identical entries, each counted toward the cap of a contact (probe of 6 December). The duplicates already made
# were ended by 0011. The browser that made an entry is kept as a keyed hash, to answer it alone with the link.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annuaire", "0004_jours_max_en_vigueur"),
        ("rdv", "0011_inscriptions_identiques_terminees"),
    ]

    operations = [
        migrations.AddField(
            model_name="inscriptionattente",
            name="appelant",
            field=models.CharField(
                blank=True, editable=False, max_length=64, verbose_name="formulaire (empreinte)"
            ),
        ),
        migrations.AddConstraint(
            model_name="inscriptionattente",
            constraint=models.UniqueConstraint(
                condition=models.Q(("statut", "active")),
                fields=("lieu", "du", "au", "nom", "prenom", "telephone", "email"),
                name="une_inscription_active_identique",
            ),
        ),
    ]
