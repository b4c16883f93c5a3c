"""The loss that measures a zonage against the published facts (`faits.py`). Pure, typed.

The loss (ADR 0016), in "zone equivalents", lower is better:

- `regions`: Σ |computed − published| over the regions with a published count (Île-de-France = 0
  included), **minus** the zones the ARS may still add: when the computation selects fewer zones than
  published (141 computed, ~10 added after concertation), the regional shortfalls up to that number
  are not counted, since an ARS addition can explain them — at most `zones − zones_calculees` (the ~10
  published additions): a rule selecting fewer zones (by population) does not earn a larger credit.
  A count marked `pre_liste` (Auvergne-Rhône-Alpes: the May pre-list, i.e. the computed selection
  itself) gets no such credit: no ARS addition can explain a shortfall there;
- `ile_de_france`: IDF_POIDS per computed zone in Île-de-France (published: none), on top;
- `groupes`: GROUPE_POIDS × |computed − published| for the approximate group counts (the ~40 of
  Centre-Val de Loire, Bourgogne-Franche-Comté, Pays de la Loire, Corse; the ~9 overseas), and for
  each overseas territory's published count (`[[outre_mer]]`: 1 Guadeloupe, 2 Guyane, 4 or 5 Mayotte);
- `population`: POPULATION_POIDS × the relative gap of the mean population per zone;
- `population_regions`: POPULATION_REGION_POIDS × the same relative gap within each region whose zones'
  population is published (Nouvelle-Aquitaine, Occitanie), the full weight when the region has no zone;
- `densite`: DENSITE_POIDS × the relative gap of the density, measured as the facts file says
  (`densite_mesure`: "ensemble", the zones taken together, or "moyenne_epci", the mean of their densities);
- `departements`: DEPARTEMENT_POIDS × |computed − published| for each département whose count is published
  (`[[region.departement]]`: Dordogne 9, Orne 5…; `[[groupe.departement]]` where the region has no count of
  its own: Cher 6, Sarthe 0) and for each département published without a zone
  (`departements_sans_zone`), a zone counting in every département it touches. As approximate as the group
  counts (an article counts an EPCI where its seat is), and not credited with the ARS additions: a département
  is too small a unit for the ~10 additions to be spread over.

For leave-one-region-out cross-validation, `perte(..., exclure={code})` leaves a region's count out, with its
population and its départements' counts; a group is never left out, its départements always count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from solidarite.zonage.faits import IDF, FaitRegion, Faits

IDF_POIDS = 5.0
GROUPE_POIDS = 0.5
POPULATION_POIDS = 20.0
POPULATION_REGION_POIDS = 10.0
DENSITE_POIDS = 10.0
DEPARTEMENT_POIDS = 0.5


@dataclass(frozen=True)
class Observation:
    """What a zonage gives on the facts' measures."""

    zones: int
    population: int
    surface_km2: float
    outre_mer: int
    par_region: dict[str, int]
    population_region: dict[str, int] = field(default_factory=dict)
    departements: dict[str, int] = field(default_factory=dict)  # zones per département
    densite_moyenne_epci: float = 0.0  # unweighted mean of the zones' own densities

    @property
    def densite(self) -> float:
        return self.population / self.surface_km2 if self.surface_km2 > 0 else 0.0

    def densite_selon(self, mesure: str) -> float:
        return self.densite_moyenne_epci if mesure == "moyenne_epci" else self.densite


@dataclass(frozen=True)
class Perte:
    total: float
    termes: dict[str, float]


def perte(faits: Faits, obs: Observation, exclure: frozenset[str] = frozenset()) -> Perte:
    """The documented loss of a zonage against the facts (see the module's docstring)."""
    ajouts = max(min(faits.zones - obs.zones, faits.zones - faits.zones_calculees), 0)
    regional = 0.0
    manque = 0
    for r in faits.regions:
        if r.code in exclure:
            continue
        computed = obs.par_region.get(r.code, 0)
        regional += abs(computed - r.zones)
        if not r.pre_liste:
            manque += max(r.zones - computed, 0)
    credit = min(manque, ajouts)
    regional -= credit
    groupes = 0.0
    for g in faits.groupes:
        computed = sum(obs.par_region.get(c, 0) for c in g.regions)
        gap = computed - g.zones
        if gap < 0 and credit < ajouts:
            used = min(-gap, ajouts - credit)
            credit += used
            gap += used
        groupes += GROUPE_POIDS * abs(gap)
    for code, published in faits.outre_mer_territoires.items():
        groupes += GROUPE_POIDS * abs(obs.par_region.get(code, 0) - published)
    idf = 0.0 if IDF in exclure else IDF_POIDS * obs.par_region.get(IDF, 0)
    mean_published = faits.population / faits.zones
    mean_computed = obs.population / obs.zones if obs.zones else 0.0
    population = POPULATION_POIDS * abs(mean_computed - mean_published) / mean_published
    population_regions = 0.0
    for r in faits.regions:
        if r.population is None or not r.zones or r.code in exclure:
            continue
        count = obs.par_region.get(r.code, 0)
        published_mean = r.population / r.zones
        relative = (
            abs(obs.population_region.get(r.code, 0) / count - published_mean) / published_mean
            if count
            else 1.0
        )
        population_regions += POPULATION_REGION_POIDS * relative
    densite = DENSITE_POIDS * abs(obs.densite_selon(faits.densite_mesure) - faits.densite) / faits.densite
    departements = 0.0
    for p in faits.perimetres():
        if isinstance(p, FaitRegion) and p.code in exclure:  # a group is never left out
            continue
        for d in p.departements:
            departements += DEPARTEMENT_POIDS * abs(obs.departements.get(d.code, 0) - d.zones)
        for code in p.departements_sans_zone:
            departements += DEPARTEMENT_POIDS * obs.departements.get(code, 0)
    termes = {
        "regions": regional,
        "ile_de_france": idf,
        "groupes": groupes,
        "population": population,
        "population_regions": population_regions,
        "densite": densite,
        "departements": departements,
    }
    return Perte(sum(termes.values()), termes)
