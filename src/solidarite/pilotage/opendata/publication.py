"""Publishing a closed quarter: the CSV is computed once, stored as published (with its SHA-256), and never
rewritten; a correction is a new version with its reason, refused if nothing changed. One transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from solidarite.pilotage import agregation, exports, indicateurs
from solidarite.pilotage.models import PublicationTrimestre
from solidarite.pilotage.opendata.schema import SCHEMA_VERSION, open_columns

SANS_ACTIVITE = "sans_activite"  # the code of that refusal: `--si-absent` (make demo) skips such a quarter
# What makes a quarter worth publishing: a mission day covered, an appointment booked, a doctor who came, an
# indemnity validated or paid (the unmasked national totals of the quarter).
ACTIVITE = (
    "jours_couverts",
    "rdv_reserves",
    "volontaires_actifs",
    "indemnites_validees",
    "indemnites_payees",
)


def quarter_table(quarter: agregation.Quarter, today: dt.date) -> indicateurs.Tableau:
    """The quarter's figures, unmasked (the caller masks them before they are published)."""
    return indicateurs.compute(indicateurs.Filtre(du=quarter.first, au=quarter.last_month), today)


def has_activity(tableau: indicateurs.Tableau) -> bool:
    return any(tableau.total.get(name) for name in ACTIVITE)


def quarter_rows(
    quarter: agregation.Quarter, version: int, today: dt.date, tableau: indicateurs.Tableau | None = None
) -> list[dict[str, Any]]:
    masked = indicateurs.mask(tableau or quarter_table(quarter, today), today)
    return [{"trimestre": quarter.code, "version": version, **row} for row in masked.tables["departements"]]


def quarter_csv(
    quarter: agregation.Quarter, version: int, today: dt.date, tableau: indicateurs.Tableau | None = None
) -> tuple[str, int]:
    rows = quarter_rows(quarter, version, today, tableau)
    return exports.csv_text(open_columns(), rows), len(rows)


def check_activity(quarter: agregation.Quarter, tableau: indicateurs.Tableau) -> None:
    """A first publication of a quarter without any activity is refused: once published it is never rewritten,
    and a quarter of zeros (the wrong quarter typed, or the data not loaded yet) would stand as the record."""
    if not has_activity(tableau):
        raise ValidationError(
            f"Le trimestre {quarter.code} n'a aucune activité du {quarter.first:%d/%m/%Y} au "
            f"{quarter.end:%d/%m/%Y} : aucune journée de mission, aucun rendez-vous, aucune indemnité validée "
            "ou payée. Une publication n'est jamais réécrite : rien n'est publié. S'il doit vraiment être "
            "publié vide, confirmez-le (option --vide en ligne de commande, case « Publier même sans "
            "activité » sur la page).",
            code=SANS_ACTIVITE,
        )


def check_closed(quarter: agregation.Quarter, today: dt.date) -> None:
    if not quarter.closed(today):
        raise ValidationError(
            f"Le trimestre {quarter.code} n'est pas clos : il finit le {quarter.end:%d/%m/%Y}, il ne peut être "
            f"publié qu'à partir du {quarter.end + dt.timedelta(days=1):%d/%m/%Y}."
        )


def publier(
    code: str, user: Any = None, motif: str = "", today: dt.date | None = None, vide: bool = False
) -> PublicationTrimestre:
    """Publish quarter `code` (AAAAT1…4): version 1, or a correction (a new version) when `motif` is given.

    Version 1 of a quarter without activity is refused unless `vide` says it is meant (`check_activity`); a
    correction, given with its reason, is deliberate and not checked."""
    today = today or timezone.localdate()
    try:
        quarter = agregation.parse_quarter(code)
    except agregation.InvalidPeriodError as exc:
        raise ValidationError(str(exc)) from None
    premier = indicateurs.premier_mois()
    if quarter.last_month < premier:
        raise ValidationError(
            f"Le trimestre {quarter.code} précède la mission : les indicateurs commencent en "
            f"{premier.month:02d}/{premier.year}."
        )
    check_closed(quarter, today)
    motif = (motif or "").strip()
    with transaction.atomic():
        last = (
            PublicationTrimestre.objects.select_for_update()
            .filter(trimestre=quarter.code)
            .order_by("-version")
            .first()
        )
        tableau = quarter_table(quarter, today)
        if last is None and not vide:
            check_activity(quarter, tableau)
        if last is not None:
            if not motif:
                raise ValidationError(
                    f"Le trimestre {quarter.code} est déjà publié (version {last.version}, le "
                    f"{timezone.localtime(last.publie_le):%d/%m/%Y}) : une publication n'est jamais réécrite. "
                    "Pour une correction, publiez une nouvelle version en donnant son motif."
                )
            same, _ = quarter_csv(quarter, last.version, today, tableau)
            if same == last.contenu:
                raise ValidationError(
                    f"Rien n'a changé depuis la version {last.version} du trimestre {quarter.code} : "
                    "aucune nouvelle version n'est publiée."
                )
        version = last.version + 1 if last else 1
        content, count = quarter_csv(quarter, version, today, tableau)
        try:
            with transaction.atomic():
                return PublicationTrimestre.objects.create(
                    trimestre=quarter.code,
                    version=version,
                    motif=motif if last else "",
                    publie_par=user if getattr(user, "is_authenticated", False) else None,
                    schema_version=SCHEMA_VERSION,
                    lignes=count,
                    contenu=content,
                    empreinte=hashlib.sha256(content.encode()).hexdigest(),
                )
        except IntegrityError:
            raise ValidationError(
                f"Une autre publication du trimestre {quarter.code} vient d'être faite : rechargez la page."
            ) from None
