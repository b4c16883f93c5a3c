"""Synchronises the territory tables with the files of `../shared/data`, in one transaction.

The files are read and cross-checked first (`sources.read_territoire`); then each table is
compared with what the files say: rows are created, updated or deleted so that the database
equals the files. A second run changes nothing. With `dry_run`, the same work is done and rolled
back, so the report says exactly what a real run would change.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError

from solidarite.territoire import suggestions
from solidarite.territoire.models import (
    CodePostal,
    Commune,
    CommuneDeleguee,
    Departement,
    Epci,
    Region,
    normalise_nom,
)
from solidarite.territoire.sources import DataError, TerritoireData, read_territoire

BATCH = 900  # below SQLite's limit of host parameters for the widest table


@dataclass
class TableChange:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


@dataclass
class SyncReport:
    cog: int
    tables: dict[str, TableChange] = field(default_factory=dict)
    sans_coordonnees: list[str] = field(default_factory=list)
    imputees: list[str] = field(default_factory=list)
    file_counts: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return any(change.changed for change in self.tables.values())


@dataclass
class _Pending:
    """Rows to delete, kept until every table has been created/updated (children go first)."""

    label: str
    queryset: models.QuerySet[Any]
    pks: list[int]


def _values(obj: dict[str, Any], names: Iterable[str]) -> tuple[Any, ...]:
    return tuple(obj[name] for name in names)


def _sync_table(
    label: str,
    queryset: models.QuerySet[Any],
    key_fields: tuple[str, ...],
    desired: dict[Hashable, dict[str, Any]],
    report: SyncReport,
    pending: list[_Pending],
) -> dict[Hashable, int]:
    """Creates and updates rows so that `queryset` equals `desired`; returns key -> pk."""
    model = queryset.model
    fields = list(next(iter(desired.values())).keys()) if desired else []
    existing = {}
    for row in queryset.values("pk", *key_fields, *fields):
        key = row[key_fields[0]] if len(key_fields) == 1 else _values(row, key_fields)
        existing[key] = row
    change = report.tables.setdefault(label, TableChange())
    to_create, to_update = [], []
    for key, values in desired.items():
        keys = dict(zip(key_fields, (key,) if len(key_fields) == 1 else key, strict=True))
        old = existing.get(key)
        if old is None:
            to_create.append(model(**keys, **values))
        elif any(old[name] != values[name] for name in fields):
            to_update.append(model(pk=old["pk"], **keys, **values))
        else:
            change.unchanged += 1
    model.objects.bulk_create(to_create, batch_size=BATCH)
    if to_update and fields:
        model.objects.bulk_update(to_update, fields, batch_size=BATCH // max(1, len(fields)))
    change.created += len(to_create)
    change.updated += len(to_update)
    stale = [row["pk"] for key, row in existing.items() if key not in desired]
    if stale:
        pending.append(_Pending(label, queryset, stale))
    pks = {key: row["pk"] for key, row in existing.items() if key in desired}
    if to_create:  # bulk_create does not return primary keys on every backend: read them back
        for row in queryset.values("pk", *key_fields):
            key = row[key_fields[0]] if len(key_fields) == 1 else _values(row, key_fields)
            pks.setdefault(key, row["pk"])
    return pks


def _delete_pending(pending: list[_Pending], report: SyncReport) -> None:
    for item in reversed(pending):  # children before parents
        for start in range(0, len(item.pks), BATCH):
            chunk = item.pks[start : start + BATCH]
            try:
                with transaction.atomic():
                    item.queryset.model.objects.filter(pk__in=chunk).delete()
            except (ProtectedError, IntegrityError) as exc:
                raise DataError(
                    f"{item.label} : {len(item.pks)} ligne(s) ne sont plus dans les fichiers mais sont encore "
                    f"utilisées par d'autres données ({exc.__class__.__name__}). Rien n'a été modifié."
                ) from exc
        report.tables[item.label].deleted += len(item.pks)


def sync_territoire(
    data: TerritoireData, *, dry_run: bool = False, progress: Callable[[str], None] | None = None
) -> SyncReport:
    step = progress or (lambda _label: None)
    report = SyncReport(cog=data.cog, dry_run=dry_run, file_counts=data.file_counts())
    report.sans_coordonnees = list(data.sans_coordonnees)
    report.imputees = sorted(
        code for code, c in data.coordonnees.items() if c.source == "imputee_commune_parente"
    )
    pending: list[_Pending] = []
    with transaction.atomic():
        step("régions")
        regions = _sync_table(
            "régions",
            Region.objects.all(),
            ("code",),
            {r.code: {"nom": r.nom, "zone": r.zone, "chef_lieu": r.chef_lieu} for r in data.regions},
            report,
            pending,
        )
        step("départements")
        departements = _sync_table(
            "départements",
            Departement.objects.all(),
            ("code",),
            {
                d.code: {
                    "nom": d.nom,
                    "region_id": regions[d.region],
                    "zone": d.zone,
                    "chef_lieu": d.chef_lieu,
                }
                for d in data.departements
            },
            report,
            pending,
        )
        step("EPCI")
        epcis = _sync_table(
            "EPCI",
            Epci.objects.all(),
            ("siren",),
            {
                e.siren: {
                    "nom": e.nom,
                    "type": e.type,
                    "mode_financement": e.mode_financement,
                    "population_totale": e.population_totale,
                    "population_municipale": e.population_municipale,
                }
                for e in data.epcis
            },
            report,
            pending,
        )
        communes: dict[Hashable, int] = {}
        for kind, label in (
            (Commune.Type.COMMUNE, "communes"),
            (Commune.Type.ARRONDISSEMENT, "arrondissements"),
        ):
            step(label)
            desired = {}
            for c in data.communes:
                if c.type != kind:
                    continue
                coords = data.coordonnees.get(c.code)
                desired[c.code] = {
                    "nom": c.nom,
                    "nom_normalise": normalise_nom(c.nom),
                    "type": c.type,
                    "departement_id": departements[c.departement],
                    "epci_id": epcis[c.epci] if c.epci else None,
                    "commune_parente_id": communes[c.commune_parente] if c.commune_parente else None,
                    "zone": c.zone,
                    "population": c.population,
                    "latitude": coords.latitude if coords else None,
                    "longitude": coords.longitude if coords else None,
                    "coordonnees_source": coords.source if coords else "",
                }
            communes.update(
                _sync_table(
                    label, Commune.objects.filter(type=kind), ("code_insee",), desired, report, pending
                )
            )
        step("codes postaux")
        _sync_table(
            "codes postaux",
            CodePostal.objects.all(),
            ("code", "commune_id"),
            {(code, communes[c.code]): {} for c in data.communes for code in c.codes_postaux},
            report,
            pending,
        )
        step("communes déléguées et associées")
        _sync_table(
            "communes déléguées et associées",
            CommuneDeleguee.objects.all(),
            ("code_insee", "type"),
            {
                (d.code, d.type): {
                    "nom": d.nom,
                    "nom_normalise": normalise_nom(d.nom),
                    "commune_id": communes[d.commune],
                }
                for d in data.deleguees
            },
            report,
            pending,
        )
        step("suppressions")
        _delete_pending(pending, report)
        if dry_run:
            transaction.set_rollback(True)
        else:  # the names this process keeps to propose the nearest ones are read again (the others': in 10 min)
            transaction.on_commit(suggestions.forget)
    return report


def load_territoire(
    data_dir: Path, *, cog: int = 2025, dry_run: bool = False, progress: Callable[[str], None] | None = None
) -> SyncReport:
    """Reads the files, then synchronises the database; raises DataError and changes nothing on a problem."""
    step = progress or (lambda _label: None)
    step("lecture des fichiers")
    data = read_territoire(data_dir, cog)
    return sync_territoire(data, dry_run=dry_run, progress=progress)
