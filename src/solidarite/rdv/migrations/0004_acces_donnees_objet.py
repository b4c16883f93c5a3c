"""The access log describes its object by plain values (issue 18, point 6), step 1 of 3: the new columns, beside
the foreign keys still there (0005 copies them, 0006 removes the keys)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("rdv", "0003_idempotence_par_appelant")]

    operations = [
        migrations.AddField(
            model_name="accesdonnees",
            name="objet_type",
            field=models.CharField(
                default="", help_text="rdv.rendezvous…", max_length=40, verbose_name="type de l'objet"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="accesdonnees",
            name="objet_id",
            field=models.BigIntegerField(default=0, verbose_name="identifiant de l'objet"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="accesdonnees",
            name="par_nom",
            field=models.CharField(
                blank=True, default="", max_length=150, verbose_name="compte (nom d'utilisateur à ce moment)"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="accesdonnees",
            name="par_role",
            field=models.CharField(blank=True, default="", max_length=40, verbose_name="rôle à ce moment"),
            preserve_default=False,
        ),
    ]
