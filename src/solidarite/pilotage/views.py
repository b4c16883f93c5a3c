"""Pages of pilotage (issue 24, points 1, 2 and 4): the coverage and activity dashboard (public, masked; ARS: its
region; national admin: all), its exports (CSV, XLSX), the map of zones coloured by coverage (GeoJSON), and the
quarterly open data (list, CSV of each version, Table Schema, publication by the national admin)."""

from __future__ import annotations

import html
import json
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_safe

from solidarite import parametres
from solidarite.annuaire.models import LieuSolidaire
from solidarite.mois import MOIS
from solidarite.pilotage import agregation, colonnes, exports, indicateurs
from solidarite.pilotage.models import PublicationTrimestre
from solidarite.pilotage.opendata import publication
from solidarite.pilotage.opendata.schema import schema as open_schema
from solidarite.territoire import acces as territoire_acces
from solidarite.territoire.models import Departement, Region
from solidarite.web.pages import agents_seulement, error_page
from solidarite.zonage.exports import CONTOURS_FILE

FORMATS = ("csv", "xlsx")


def _filtre(request: HttpRequest, public: bool) -> indicateurs.Filtre | HttpResponse:
    """The filter of the query string, or the French error page (400 for a period, 404 for a code)."""
    forced = ""
    if not public:
        try:
            region = territoire_acces.region_of(request.user)
        except PermissionDenied as exc:
            return error_page(request, 403, "Accès refusé", str(exc))
        forced = region.code if region else ""
    try:
        return indicateurs.parse_filtre(request.GET, forced_region=forced)
    except agregation.InvalidPeriodError as exc:
        return error_page(request, 400, "Période invalide", str(exc))
    except indicateurs.UnknownCodeError as exc:
        return error_page(request, 404, "Territoire inconnu", str(exc))


def _cached(key: str, make: Any) -> Any:
    """`make()` kept SOLIDARITE_PILOTAGE_TTL_S seconds in Django's cache under `key` (dated: the figures of
    the day; 0: computed every time). Only aggregates and their display: no personal data is cached."""
    ttl = settings.SOLIDARITE_PILOTAGE_TTL_S
    if not ttl:
        return make()
    key = f"pilotage:{timezone.localdate():%Y%m%d}:{key}"
    value = cache.get(key)
    if value is None:
        value = make()
        cache.set(key, value, ttl)
    return value


def _key(filtre: indicateurs.Filtre, public: bool) -> str:
    return f"{'public' if public else 'gestion'}:{filtre.du:%Y%m}:{filtre.au:%Y%m}:{filtre.region}:{filtre.departement}:{filtre.zone}"


def _tableau(request: HttpRequest, public: bool) -> indicateurs.Tableau | HttpResponse:
    filtre = _filtre(request, public)
    if isinstance(filtre, HttpResponse):
        return filtre

    def make() -> indicateurs.Tableau:
        tableau = indicateurs.compute(filtre)
        return indicateurs.mask(tableau) if public else tableau

    result: indicateurs.Tableau = _cached(f"tableau:{_key(filtre, public)}", make)
    return result


def _chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Server-side SVG bars (no script, no inline style): site-days covered against needed, per month."""
    top = max([r["jours_necessaires"] or 0 for r in rows] + [r["jours_couverts"] or 0 for r in rows] + [1])
    width, bar, gap, height = 640, 0, 12, 160
    step = (width - 60) / max(1, len(rows))
    bar = max(4.0, step / 2 - gap / 2)
    bars = []
    for i, r in enumerate(rows):
        x = 50 + i * step
        needed = height * (r["jours_necessaires"] or 0) / top
        covered = height * (r["jours_couverts"] or 0) / top
        bars.append(
            {
                "x_needed": round(x, 1),
                "x_covered": round(x + bar, 1),
                "y_needed": round(10 + height - needed, 1),
                "y_covered": round(10 + height - covered, 1),
                "h_needed": round(needed, 1),
                "h_covered": round(covered, 1),
                "label_x": round(x + bar, 1),
                "mois": r["mois"],
            }
        )
    return {
        "bars": bars,
        "bar": round(bar, 1),
        "width": width,
        "height": height + 40,
        "top": top,
        "base": height + 10,
    }


def _query(request: HttpRequest) -> str:
    keep = {k: v for k, v in request.GET.items() if k in ("du", "au", "region", "departement", "zone") and v}
    return urlencode(keep)


def _page(request: HttpRequest, public: bool) -> HttpResponse:
    tableau = _tableau(request, public)
    if isinstance(tableau, HttpResponse):
        return tableau
    own = None if public else territoire_acces.region_of(request.user)
    seuil = parametres.entier("secret_statistique_seuil")
    bodies: dict[str, str] = _cached(
        f"corps:{seuil}:{_key(tableau.filtre, public)}",
        lambda: {
            level: str(_body(colonnes.columns(level), tableau.tables[level], seuil))
            for level in colonnes.LEVELS
        },
    )
    regions = [own] if own else list(Region.objects.order_by("code"))
    depts = Departement.objects.order_by("code")
    if own:
        depts = depts.filter(region=own)
    departements = list(depts.values("code", "nom"))
    context = {
        "public": public,
        "tableau": tableau,
        "filtre": tableau.filtre,
        "niveaux": [
            {
                "niveau": level,
                "titre": label,
                "colonnes": [exports.title(c) for c in colonnes.columns(level)],
                "nombre": len(tableau.tables[level]),
                "corps": mark_safe(bodies[level]),  # escaped by _body
            }
            for level, label in colonnes.LEVELS.items()
        ],
        "total": tableau.total,
        "graphique": _chart(tableau.tables["mois"]),
        "regions": regions,
        "departements": departements,
        "intitule": intitule(tableau, regions, departements),
        "seuil": seuil,
        "jours_par_an": parametres.entier("jours_ouvres_par_an", tableau.filtre.au),
        "query": _query(request),
        "export_view": "pilotage:export" if public else "pilotage:gestion_export",
        "tuiles": settings.SOLIDARITE_TUILES_URL,
        "demonstration": _demonstration(),
    }
    return render(request, "pilotage/tableau.html", context)


def intitule(tableau: indicateurs.Tableau, regions: list[Region], departements: list[dict[str, str]]) -> str:
    """What the page shows, as its lead sentence says it: « De juillet 2026 à décembre 2026, Guyane ». The one
    place this phrase is written (public and back-office pages); the names come from the filter's lists and the
    zone's row, without a query of their own."""
    f = tableau.filtre
    if f.zone:
        nom = next((z["nom"] for z in tableau.tables["zones"] if z["zone"] == f.zone), "")
        where = f"zone {nom} ({f.zone})" if nom else f"zone {f.zone}"
    elif f.departement:
        nom = next((d["nom"] for d in departements if d["code"] == f.departement), "")
        where = f"{nom} ({f.departement})" if nom else f"département {f.departement}"
    elif f.region:
        where = next((r.nom for r in regions if r.code == f.region), f"région {f.region}")
    else:
        where = "France entière"
    return f"{agregation.period(f.du, f.au)}, {where}"


def _demonstration() -> bool:
    """Whether the figures include the synthetic demonstration rows (`make demo`): the pages say so."""
    return LieuSolidaire.objects.filter(demonstration=True).exists()


@require_safe
def tableau(request: HttpRequest) -> HttpResponse:
    """The public dashboard: aggregates only, cells under the statistical-secret threshold masked."""
    return _page(request, public=True)


@agents_seulement
@require_safe
def gestion(request: HttpRequest) -> HttpResponse:
    """The ARS (its region) and national admin (all) dashboard: unmasked aggregates, no personal data."""
    return _page(request, public=False)


def _export(request: HttpRequest, niveau: str, format: str, public: bool) -> HttpResponse:
    if niveau not in colonnes.LEVELS or format not in FORMATS:
        return error_page(
            request,
            404,
            "Export inconnu",
            f"Tableaux : {', '.join(colonnes.LEVELS)} ; formats : {', '.join(FORMATS)}.",
        )
    tableau = _tableau(request, public)
    if isinstance(tableau, HttpResponse):
        return tableau
    columns = colonnes.columns(niveau)
    rows = tableau.tables[niveau]
    f = tableau.filtre
    name = f"pilotage-{niveau}-{f.du:%Y-%m}-{f.au:%Y-%m}{'-' + (f.zone or f.departement or f.region) if (f.zone or f.departement or f.region) else ''}"
    if format == "xlsx":
        response = HttpResponse(
            exports.xlsx(columns, rows, colonnes.LEVELS[niveau]), content_type=exports.XLSX_TYPE
        )
    else:
        response = HttpResponse(exports.csv_text(columns, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{format}"'
    return response


@require_safe
def export(request: HttpRequest, niveau: str, format: str) -> HttpResponse:
    return _export(request, niveau, format, public=True)


@agents_seulement
@require_safe
def gestion_export(request: HttpRequest, niveau: str, format: str) -> HttpResponse:
    return _export(request, niveau, format, public=False)


@lru_cache(maxsize=2)
def _geometries(path: Path, mtime: float) -> dict[str, str]:
    """Each zone's geometry, already written as JSON once per contours file: only the coverage changes."""
    contours = json.loads(path.read_text(encoding="utf-8"))
    return {
        f["properties"]["siren"]: json.dumps(f["geometry"], separators=(",", ":"))
        for f in contours["features"]
    }


@require_safe
def zones_geojson(request: HttpRequest) -> HttpResponse:
    """The zones with their coverage over the period (public: no count of people)."""
    tableau = _tableau(request, public=True)
    if isinstance(tableau, HttpResponse):
        return tableau
    path = Path(settings.SOLIDARITE_DATA_DIR) / CONTOURS_FILE
    geometries = _geometries(path, path.stat().st_mtime) if path.is_file() else {}
    features = []
    for row in tableau.tables["zones"]:
        geometry = geometries.get(row["zone"])
        if geometry is None:
            continue
        properties = {
            k: row[k]
            for k in ("zone", "nom", "departement", "lieux_actifs", "jours_necessaires", "jours_couverts")
        }
        properties["taux_couverture"] = row["taux_couverture"]
        properties["delai_premier_creneau"] = row["delai_premier_creneau"]
        features.append(
            f'{{"type":"Feature","geometry":{geometry},"properties":{json.dumps(properties, separators=(",", ":"))}}}'
        )
    body = '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"
    response = HttpResponse(body, content_type="application/geo+json")
    response["Cache-Control"] = "public, max-age=300"
    return response


# --- Open data ------------------------------------------------------------------------------------------------


@require_safe
def donnees_ouvertes(request: HttpRequest) -> HttpResponse:
    """Every published quarter and each of its versions (the CSV as published, its reason, its SHA-256)."""
    publications = list(PublicationTrimestre.objects.defer("contenu").order_by("-trimestre", "-version"))
    trimestres: dict[str, list[PublicationTrimestre]] = {}
    for p in publications:
        trimestres.setdefault(p.trimestre, []).append(p)
    return render(
        request,
        "pilotage/donnees_ouvertes.html",
        {
            "trimestres": trimestres,
            "licence": open_schema()["licenses"][0],
            "seuil": parametres.entier("secret_statistique_seuil"),
            "demonstration": _demonstration(),
        },
    )


@require_safe
def donnees_ouvertes_csv(request: HttpRequest, trimestre: str, version: int) -> HttpResponse:
    p = PublicationTrimestre.objects.filter(trimestre=trimestre.upper(), version=version).first()
    if p is None:
        return error_page(
            request,
            404,
            "Publication inconnue",
            f"Le trimestre {trimestre} n'a pas de version {version} publiée.",
        )
    response = HttpResponse(p.contenu, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="indicateurs-{p.trimestre}-v{p.version}.csv"'
    response["Cache-Control"] = "public, max-age=86400, immutable"
    return response


@require_safe
def donnees_ouvertes_schema(request: HttpRequest) -> HttpResponse:
    return JsonResponse(open_schema(), json_dumps_params={"ensure_ascii": False, "indent": 2})


@agents_seulement
@require_http_methods(["GET", "HEAD", "POST"])
def publier(request: HttpRequest) -> HttpResponse:
    """The national admin publishes a closed quarter, or a correction of one (a new version, with its reason)."""
    if not territoire_acces.is_national_admin(request.user):
        raise territoire_acces.OutOfScopeError()
    today = timezone.localdate()
    status = 200
    if request.method == "POST":
        try:
            p = publication.publier(
                request.POST.get("trimestre", ""),
                request.user,
                request.POST.get("motif", ""),
                today,
                vide=request.POST.get("vide") == "1",
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            status = 400
        else:
            messages.success(
                request, f"Trimestre {p.trimestre} publié (version {p.version}, {p.lignes} départements)."
            )
            return redirect("pilotage:donnees_ouvertes")
    # The last eight closed quarters, most recent first.
    quarter = agregation.Quarter(today.year, (today.month - 1) // 3 + 1)
    closed = []
    for _ in range(8):
        quarter = quarter.previous
        closed.append(quarter.code)
    published = dict(
        PublicationTrimestre.objects.filter(trimestre__in=closed)
        .order_by("trimestre", "version")
        .values_list("trimestre", "version")
    )
    return render(
        request,
        "pilotage/publier.html",
        {"trimestres": [(code, published.get(code)) for code in closed]},
        status=status,
    )


NNBSP = "\u202f"  # the narrow no-break space that groups thousands in French


def _number(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}".replace(",", NNBSP).replace(".", ",")


def _cell(column: colonnes.Colonne, row: dict[str, Any], seuil: int) -> str:
    """A cell as shown in the page (French numbers, masked cells said as such)."""
    value = row.get(column.name)
    if column.name in row.get(agregation.MASKED, ()):
        return f"< {seuil}" if column.people else "secret"
    if value is None:
        return "—"
    if column.type == "string":
        return str(value)
    if column.type == "yearmonth":
        return f"{MOIS[value.month - 1]} {value.year}"
    if column.unit == "%":
        return f"{_number(value, 1)} %"
    if column.unit == "€":
        return f"{_number(value, 0)} €"
    if column.unit == "jours" and isinstance(value, float):
        return f"{_number(value, 1)} j"
    return _number(value, 0)


def _body(columns: list[colonnes.Colonne], rows: list[dict[str, Any]], seuil: int) -> str:
    """The rows of a table as HTML, escaped, written here rather than by template loops (thousands of cells:
    the template engine took most of the page's time)."""
    if not rows:
        return format_html('<tr><td colspan="{}">Aucune ligne pour ce filtre.</td></tr>', len(columns))
    lines = []
    for row in rows:
        cells = [html.escape(_cell(c, row, seuil)) for c in columns]
        lines.append(
            f'<tr><th scope="row">{cells[0]}</th>' + "".join(f"<td>{c}</td>" for c in cells[1:]) + "</tr>"
        )
    return mark_safe("\n".join(lines))
