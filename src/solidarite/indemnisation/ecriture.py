"""How the month's run writes: one transaction at a time, its rows in one INSERT whatever their number, and the
lines it takes over from a later month's draft."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum

from solidarite.indemnisation import calcul
from solidarite.indemnisation.models import LigneReleve, Releve

RUN_LOCK = 0x21_1ADE  # PostgreSQL advisory lock of the month's run (issue 21)


def one_run_at_a_time() -> None:
    """Month runs one after another (national, a region's, another month's): two at once read the same lines,
    and the second stopped on a unique constraint (a statement, or a late day, in both). SQLite writes one
    transaction at a time already; PostgreSQL waits here for the lock, released at the end of the transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RUN_LOCK])


def insert_json(model: Any, rows: list[dict[str, Any]]) -> None:
    """Inserts `rows` in ONE statement whatever their number: the rows go as one JSON parameter, unpacked by
    the database (SQLite `json_each`, PostgreSQL `jsonb_to_recordset`). bulk_create would send one INSERT per
    batch (SQLite allows 999 parameters a statement), so the run's query count would grow with the volunteers."""
    if not rows:
        return
    fields = {f.column: f for f in model._meta.concrete_fields}
    columns = list(rows[0])
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    data = json.dumps(rows, separators=(",", ":"))
    table = quote(model._meta.db_table)
    if connection.vendor == "postgresql":
        typed = ", ".join(f"{quote(c)} {fields[c].db_type(connection)}" for c in columns)
        sql = f"INSERT INTO {table} ({names}) SELECT {names} FROM jsonb_to_recordset(%s::jsonb) AS x({typed})"
    else:
        picks = ", ".join(
            f"json({json_path(c)})" if fields[c].get_internal_type() == "JSONField" else json_path(c)
            for c in columns
        )
        sql = f"INSERT INTO {table} ({names}) SELECT {picks} FROM json_each(%s)"
    with connection.cursor() as cursor:
        cursor.execute(sql, [data])


def json_path(column: str) -> str:
    return f"json_extract(value, '$.{column}')"


def reprendre(repris: list[calcul.Existante]) -> None:
    """Takes the lines `repris` out of the later months' drafts that held them (`calcul.placer`): their totals are
    recomputed, and a draft left with neither line nor anomaly is deleted. Queries only when there is one (an
    out-of-order build); a draft validated meanwhile stops the run (nothing written), to be run again."""
    if not repris:
        return
    refs = sorted({e.ref for e in repris})
    drafts = LigneReleve.objects.filter(pk__in=refs).values("releve_id")
    held = list(Releve.objects.select_for_update().filter(pk__in=drafts).order_by("pk"))
    if any(r.statut != Releve.Statut.BROUILLON for r in held):
        raise ValidationError(
            "Un relevé d'un mois suivant a été validé pendant le calcul : relancez le calcul de ce mois."
        )
    LigneReleve.objects.filter(pk__in=refs).delete()
    totals = dict(
        LigneReleve.objects.filter(releve__in=held)
        .values("releve_id")
        .annotate(t=Sum("montant"))
        .values_list("releve_id", "t")
    )
    for r in held:
        if r.pk not in totals and not r.anomalies:
            r.delete()  # a draft has no journal: nothing protects it
        else:
            r.total = totals.get(r.pk) or Decimal(0)
            r.save(update_fields=["total"])
