"""The fidelity report (ADR 0016): each published fact beside the computed value, in French, for
`var/zonage/fidelite.html`, the command's table and the campaign page. Pure, typed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from solidarite.zonage.faits import FaitGroupe, FaitRegion, Faits
from solidarite.zonage.perte import Observation


@dataclass(frozen=True)
class LigneFidelite:
    libelle: str
    publie: str
    calcule: str
    ecart: str
    accord: bool
    source: str
    # False for a value computed beside the facts but never published: no gap, no agreement to show
    publiee: bool = True


def _signed(value: float, decimals: int = 0) -> str:
    text = f"{abs(value):,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    return ("+" if value > 0 else "−" if value < 0 else "") + text


def _num(value: float, decimals: int = 0) -> str:
    return f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


def fidelite(
    faits: Faits,
    obs: Observation,
    noms_regions: Mapping[str, str],
    noms_departements: Mapping[str, str] | None = None,
) -> list[LigneFidelite]:
    """Each published fact against the computed value, side by side (the fidelity report). A département row
    reads « département 24, Dordogne (Nouvelle-Aquitaine) » when `noms_departements` knows its name; in a group
    of regions, without the group's name, which the row above gives."""
    noms_departements = noms_departements or {}
    densite = obs.densite_selon(faits.densite_mesure)
    rows = [
        LigneFidelite(
            "Nombre de zones",
            _num(faits.zones),
            _num(obs.zones),
            _signed(obs.zones - faits.zones),
            obs.zones == faits.zones,
            faits.source,
        ),
        LigneFidelite(
            "Population des zones",
            _num(faits.population),
            _num(obs.population),
            f"{_signed(100 * (obs.population - faits.population) / faits.population, 1)} %",
            abs(obs.population - faits.population) <= 0.1 * faits.population,
            faits.source,
        ),
        LigneFidelite(
            "Densité (hab./km², moyenne des densités des EPCI)"
            if faits.densite_mesure == "moyenne_epci"
            else "Densité (hab./km², ensemble des zones)",
            _num(faits.densite),
            _num(densite),
            _signed(densite - faits.densite),
            abs(densite - faits.densite) <= 0.15 * faits.densite,
            faits.source,
        ),
        LigneFidelite(
            "Densité de l'ensemble des zones (hab./km², non publiée)"
            if faits.densite_mesure == "moyenne_epci"
            else "Moyenne des densités des EPCI (hab./km², non publiée)",
            "—",
            _num(obs.densite if faits.densite_mesure == "moyenne_epci" else obs.densite_moyenne_epci),
            "",
            True,
            "calcul",
            publiee=False,
        ),
        LigneFidelite(
            "Zones en outre-mer",
            f"≈ {faits.outre_mer}",
            _num(obs.outre_mer),
            _signed(obs.outre_mer - faits.outre_mer),
            abs(obs.outre_mer - faits.outre_mer) <= 1,
            faits.source,
        ),
    ]
    for code, published in faits.outre_mer_territoires.items():
        computed = obs.par_region.get(code, 0)
        rows.append(
            LigneFidelite(
                f"Zones — {noms_regions.get(code, code)} (outre-mer)",
                f"≈ {published}",
                _num(computed),
                _signed(computed - published),
                abs(computed - published) <= 1,
                faits.outre_mer_sources.get(code, faits.source),
            )
        )
    for r in faits.regions:
        computed = obs.par_region.get(r.code, 0)
        label = f"Zones — {noms_regions.get(r.code, r.nom)}" + (
            " (pré-liste calculée)" if r.pre_liste else ""
        )
        rows.append(_count_row(label, r.zones, computed, r.source))
        if r.population is not None:
            pop = obs.population_region.get(r.code, 0)
            rows.append(
                LigneFidelite(
                    f"Population des zones — {noms_regions.get(r.code, r.nom)}",
                    _num(r.population),
                    _num(pop),
                    f"{_signed(100 * (pop - r.population) / r.population, 1)} %" if r.population else "",
                    abs(pop - r.population) <= 0.15 * r.population,
                    r.source,
                )
            )
        rows.extend(_departement_rows(r, noms_regions.get(r.code, r.nom), noms_departements, obs))
    for g in faits.groupes:
        computed = sum(obs.par_region.get(c, 0) for c in g.regions)
        rows.append(_count_row(f"Zones — {g.nom}", g.zones, computed, g.source, approximatif=g.approximatif))
        rows.extend(_departement_rows(g, g.nom, noms_departements, obs))
    return rows


def _departement_rows(
    perimetre: FaitRegion | FaitGroupe, nom: str, noms_departements: Mapping[str, str], obs: Observation
) -> list[LigneFidelite]:
    """A region's (a group's) published département counts and its départements without a zone."""

    def label(code: str) -> str:
        if code not in noms_departements:
            return f"Zones — département {code} ({nom})"
        dans = "" if isinstance(perimetre, FaitGroupe) else f" ({nom})"
        return f"Zones — département {code}, {noms_departements[code]}{dans}"

    rows = []
    for d in perimetre.departements:
        rows.append(
            _count_row(
                label(d.code) + (" (pré-liste calculée)" if d.pre_liste else ""),
                d.zones,
                obs.departements.get(d.code, 0),
                d.source,
            )
        )
    for dep in perimetre.departements_sans_zone:  # a count of 0: agreed only when none is computed
        rows.append(_count_row(label(dep), 0, obs.departements.get(dep, 0), perimetre.source))
    return rows


def _count_row(
    label: str, published: int, computed: int, source: str, approximatif: bool = False
) -> LigneFidelite:
    """A published count of zones beside the computed one: agreed within 20 % (at least one zone), and exactly
    when none is published (Île-de-France, the Sarthe)."""
    return LigneFidelite(
        label,
        f"≈ {published}" if approximatif else _num(published),
        _num(computed),
        _signed(computed - published),
        abs(computed - published) <= max(1 if published else 0, round(0.2 * published)),
        source,
    )
