from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("config", "0001_taches_quotidiennes")]

    operations = [
        migrations.CreateModel(
            name="PresenceWorker",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "worker",
                    models.CharField(
                        max_length=64, unique=True, verbose_name="worker (identifiant django-tasks)"
                    ),
                ),
                ("vu_le", models.DateTimeField(verbose_name="vu en marche le")),
            ],
            options={
                "verbose_name": "présence d'un worker",
                "verbose_name_plural": "présences des workers",
            },
        ),
    ]
