"""A consultation period has both its times or neither, in the database too.

Before 6 December 2026 the back office saved a period with one time only (a morning from 08:30 with no end). hours()
leaves such a period out, so the lieu already offered no slot in it: the lone time is cleared, which changes no slot,
and the constraints then refuse any new one, whatever writes it. Going back keeps the cleared times cleared.
"""

from typing import Any

from django.db import migrations, models

PERIODS = (("matin_debut", "matin_fin"), ("apres_midi_debut", "apres_midi_fin"))


def clear_lone_times(apps: Any, schema_editor: Any) -> None:
    horaires = apps.get_model("rdv", "HorairesConsultation").objects
    for start, end in PERIODS:
        horaires.filter(**{f"{start}__isnull": True}).exclude(**{f"{end}__isnull": True}).update(
            **{end: None}
        )
        horaires.filter(**{f"{end}__isnull": True}).exclude(**{f"{start}__isnull": True}).update(
            **{start: None}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("annuaire", "0007_lieu_bornes"),
        ("rdv", "0015_acces_donnees_ajout_seul_sqlite"),
    ]

    operations = [
        migrations.RunPython(clear_lone_times, migrations.RunPython.noop),
        *(
            migrations.AddConstraint(
                model_name="horairesconsultation",
                constraint=models.CheckConstraint(
                    condition=models.Q(**{f"{start}__isnull": True, f"{end}__isnull": True})
                    | models.Q(**{f"{start}__isnull": False, f"{end}__isnull": False}),
                    name=f"horaires_{start.removesuffix('_debut')}_plage_entiere",
                    violation_error_message="Une plage de consultation a ses deux heures ou aucune.",
                ),
            )
            for start, end in PERIODS
        ),
    ]
