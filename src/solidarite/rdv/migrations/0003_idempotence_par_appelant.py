"""Idempotency-Key bound to its caller (issue 18, point 1): the key is no longer unique across all callers but per
caller (keyed hash of their address and account), and the body's keyed hash is kept to refuse a key reused with
another body. Keys already stored keep their value without a caller: a retry of them books anew, once."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("rdv", "0002_messages_liste_attente")]

    operations = [
        migrations.AlterField(
            model_name="rendezvous",
            name="cle_idempotence",
            field=models.CharField(blank=True, max_length=100, null=True, verbose_name="clé d'idempotence"),
        ),
        migrations.AddField(
            model_name="rendezvous",
            name="appelant_idempotence",
            field=models.CharField(
                blank=True, editable=False, max_length=64, null=True, verbose_name="appelant (empreinte)"
            ),
        ),
        migrations.AddField(
            model_name="rendezvous",
            name="empreinte_idempotence",
            field=models.CharField(
                blank=True, default="", editable=False, max_length=64, verbose_name="empreinte de la demande"
            ),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="rendezvous",
            constraint=models.UniqueConstraint(
                fields=("appelant_idempotence", "cle_idempotence"), name="une_cle_idempotence_par_appelant"
            ),
        ),
    ]
