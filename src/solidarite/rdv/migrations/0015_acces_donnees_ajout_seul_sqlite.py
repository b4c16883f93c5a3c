"""The access log is append-only on SQLite too, against raw SQL (migration 0006 did it on PostgreSQL only).

A trigger refuses every UPDATE of a row, whoever sends it (a shell, a script, a tool opening the file). DELETE stays
with the ORM's refusal (rdv.audit) on SQLite: Django's flush empties tables with DELETE, which a trigger cannot tell
from another, and `purge_audit` deletes with it; the same reasoning as the published quarters (pilotage 0001).
"""

from typing import Any

from django.db import migrations

TABLE = "rdv_accesdonnees"
TRIGGER = "rdv_accesdonnees_ajout_seul_update"
MESSAGE = "Le journal des accès aux données est en ajout seul : UPDATE refusé."


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
            params=None,
        )


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER {TRIGGER}", params=None)


class Migration(migrations.Migration):
    dependencies = [("rdv", "0014_rendez_vous_a_venir_jour_et_patient")]

    operations = [migrations.RunPython(create, drop)]
