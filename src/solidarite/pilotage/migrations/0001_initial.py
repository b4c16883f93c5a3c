"""Published quarters of open data, and the database's refusal to rewrite them (docs/decisions/0018).

On PostgreSQL (production) a trigger refuses every UPDATE and DELETE of a published row: a correction is a new
version. TRUNCATE (the test suite's flush, a superuser's act) is not a row operation. On SQLite (development) the
trigger refuses UPDATE only: Django's flush empties tables with DELETE, which a trigger cannot tell from another;
the ORM refuses the deletion there (PublicationTrimestre.delete and its queryset's delete).
"""

from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLE = "pilotage_publicationtrimestre"
MESSAGE = (
    "Un trimestre publié n''est jamais réécrit : publiez une nouvelle version avec son motif."  # SQL-quoted
)
POSTGRESQL = f"""
CREATE FUNCTION {TABLE}_fige() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE} (% refusé)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER {TABLE}_fige BEFORE UPDATE OR DELETE ON {TABLE} FOR EACH ROW EXECUTE FUNCTION {TABLE}_fige();
"""
POSTGRESQL_DROP = f"DROP TRIGGER {TABLE}_fige ON {TABLE}; DROP FUNCTION {TABLE}_fige();"
SQLITE = [
    f"CREATE TRIGGER {TABLE}_fige_{op.lower()} BEFORE {op} ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    for op in ("UPDATE",)
]
SQLITE_DROP = [f"DROP TRIGGER {TABLE}_fige_update"]


def _run(schema_editor: Any, statements: dict[str, list[str]]) -> None:
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql, params=None)


def freeze(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"postgresql": [POSTGRESQL], "sqlite": SQLITE})


def unfreeze(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"postgresql": [POSTGRESQL_DROP], "sqlite": SQLITE_DROP})


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PublicationTrimestre",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("trimestre", models.CharField(max_length=6, verbose_name="trimestre (AAAAT1 à AAAAT4)")),
                ("version", models.PositiveSmallIntegerField(verbose_name="version")),
                ("motif", models.TextField(blank=True, verbose_name="motif de la correction")),
                ("publie_le", models.DateTimeField(auto_now_add=True, verbose_name="publié le")),
                ("schema_version", models.CharField(max_length=10, verbose_name="version du schéma")),
                ("lignes", models.PositiveIntegerField(verbose_name="lignes (départements)")),
                ("contenu", models.TextField(verbose_name="CSV publié")),
                ("empreinte", models.CharField(max_length=64, verbose_name="empreinte SHA-256 du CSV")),
                (
                    "publie_par",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "publication trimestrielle",
                "verbose_name_plural": "publications trimestrielles",
                "ordering": ["-trimestre", "-version"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("trimestre", "version"), name="une_version_par_trimestre"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("version", 1), models.Q(("motif", ""), _negated=True), _connector="OR"
                        ),
                        name="correction_avec_motif",
                    ),
                ],
            },
        ),
        migrations.RunPython(freeze, unfreeze),
    ]
