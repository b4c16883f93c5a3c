"""The access log describes its object by plain values, step 3 of 3, and is append-only (issue 18, point 6).

The foreign keys go: deleting an appointment, a waitlist entry or an account no longer deletes (nor empties) its
trace. The account's id stays as a plain integer (same column, its foreign key constraint dropped). On PostgreSQL a
trigger refuses every UPDATE and DELETE of a row, but a DELETE in a transaction that set
`solidarite.purge_audit_avant` (rdv.audit.purge_audit) of a row older than that date. TRUNCATE (the test suite's
flush, a superuser's act) is not a row operation and is not refused: the database's privileges guard it.
"""

from typing import Any

from django.db import migrations, models

TABLE = "rdv_accesdonnees"
FUNCTION = "rdv_accesdonnees_ajout_seul"
TRIGGER_SQL = f"""
CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    avant text := current_setting('solidarite.purge_audit_avant', true);
BEGIN
    IF TG_OP = 'DELETE' AND coalesce(avant, '') <> '' AND OLD.le < avant::timestamptz THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'Le journal des accès aux données (%) est en ajout seul : % refusé.', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Seule rdv.audit.purge_audit supprime, et seulement les lignes plus anciennes que sa date.';
END
$$;
CREATE TRIGGER {FUNCTION} BEFORE UPDATE OR DELETE ON {TABLE} FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
"""
DROP_SQL = f"DROP TRIGGER {FUNCTION} ON {TABLE}; DROP FUNCTION {FUNCTION}();"


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """RunSQL on PostgreSQL only (SQLite: the ORM's refusal, rdv.audit)."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def forget_deleted_accounts(apps: Any, schema_editor: Any) -> None:
    """Backwards only, before the account's foreign key comes back: ids of accounts deleted since are emptied."""
    AccesDonnees = apps.get_model("rdv", "AccesDonnees")
    User = apps.get_model("auth", "User")
    AccesDonnees.objects.exclude(par_id__isnull=True).exclude(
        par_id__in=User.objects.values_list("pk", flat=True)
    ).update(par_id=None)


class Migration(migrations.Migration):
    dependencies = [
        ("rdv", "0005_acces_donnees_objet_donnees"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RemoveField(model_name="accesdonnees", name="rendez_vous"),
        migrations.RemoveField(model_name="accesdonnees", name="inscription"),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterField(
                    model_name="accesdonnees",
                    name="par",
                    field=models.IntegerField(blank=True, null=True, db_column="par_id"),
                ),
            ],
            state_operations=[
                migrations.RemoveField(model_name="accesdonnees", name="par"),
                migrations.AddField(
                    model_name="accesdonnees",
                    name="par_id",
                    field=models.IntegerField(blank=True, null=True, verbose_name="compte (identifiant)"),
                ),
            ],
        ),
        migrations.RunPython(migrations.RunPython.noop, forget_deleted_accounts),
        migrations.AddIndex(
            model_name="accesdonnees",
            index=models.Index(fields=["objet_type", "objet_id"], name="acces_objet"),
        ),
        migrations.AddIndex(model_name="accesdonnees", index=models.Index(fields=["le"], name="acces_date")),
        RunSQLOnPostgreSQL(TRIGGER_SQL, DROP_SQL),
    ]
