"""The ~10 zones added by the ARS and préfets after local concertation, modelled (ADR 0016, révision de
la nuit). Pure, typed.

They cannot be computed: the published facts only say how many zones each region (or group of regions,
or overseas territory) holds in the final list of 151. The model says which EPCI an addition most likely
is, under one stated hypothesis: **an ARS adds, in its own region, the EPCI the computation ranked just
below the cut-off**. So, for each published count the computation falls short of, the next-ranked EPCI of
that region are candidates (none in Île-de-France, none in a département published without a zone, none
beyond the room a département's published count leaves, no gap of a computed pre-list count is filled); the
additions left to place (`zones − zones computed`) go to the best-ranked candidates nationally, each count
filled at most up to its published value: first the candidates of a département whose published count lacks
zones (ADR 0030), then the other exact counts (a region's, an ARS's own publication), then the approximate ones
(a group's « environ 40 », the overseas detail), which take only the places left. No addition is invented beyond the published gaps: the final list
may hold fewer than 151 zones, and it says so.

The modelled additions are shown as such (report, command output), never saved as ARS adjustments: only an
ARS coordinator records a real one, in the back office.
"""

from __future__ import annotations

from dataclasses import dataclass

from solidarite.zonage.faits import IDF, Faits
from solidarite.zonage.methode import NOMS_OUTRE_MER, OUTRE_MER
from solidarite.zonage.score import EpciScore, unite_ecart


@dataclass(frozen=True)
class Cible:
    """A published count the final list must meet: its regions, the count, and a label."""

    libelle: str
    regions: frozenset[str]
    publie: int
    approximatif: bool = False  # a count derived by difference (« environ 40 »), not one an ARS published


@dataclass(frozen=True)
class AjoutModele:
    siren: str
    cible: str  # the label of the count it fills
    rang: int
    rang_region: int
    ecart_seuil: float | None
    unite: str = unite_ecart(False)  # of ecart_seuil

    @property
    def motif(self) -> str:
        ecart = (
            f", {abs(self.ecart_seuil):.1f} {self.unite} sous le seuil".replace(".", ",")
            if self.ecart_seuil is not None
            else ""
        )
        return (
            f"Ajout des ARS modélisé (non saisi) pour {self.cible}, où la liste retient moins de zones que "
            f"publié : EPCI suivant au classement parmi ceux que les comptes publiés admettent (rang {self.rang}, "
            f"rang {self.rang_region} dans sa "
            f"région{ecart})."
        )


def cibles(faits: Faits) -> list[Cible]:
    """The published counts of the final list: each region with one, each overseas territory with one, each
    group, and the overseas territories without a count of their own (the rest of the overseas total)."""
    # A pre-list count (Auvergne-Rhône-Alpes) is a computed count: no ARS addition fills a gap there.
    result = [
        Cible(r.nom, frozenset({r.code}), r.zones) for r in faits.regions if r.code != IDF and not r.pre_liste
    ]
    territoires = faits.outre_mer_territoires
    # the overseas detail is approximate (« 4 ou 5 à Mayotte »), and so is every group's count
    result += [Cible(NOMS_OUTRE_MER[code], frozenset({code}), n, True) for code, n in territoires.items()]
    for g in faits.groupes:
        codes = frozenset(g.regions)
        if codes <= OUTRE_MER and territoires:
            reste = codes - set(territoires)
            own = sum(n for c, n in territoires.items() if c in codes)
            result.append(Cible("les autres territoires d'outre-mer", reste, g.zones - own, g.approximatif))
        else:
            result.append(Cible(g.nom, codes, g.zones, g.approximatif))
    return result


def ajouts_modeles(
    scores: list[EpciScore], departements: dict[str, tuple[str, ...]], faits: Faits, vote: bool = False
) -> list[AjoutModele]:
    """The modelled ARS additions to a computed zonage (`scores` in rank order, `departements` of each
    EPCI, `vote` when the score is a vote's share): see the module's docstring."""
    chosen = [s for s in scores if s.selectionnee]
    budget = max(faits.zones - len(chosen), 0)
    sans_zone = {d for p in faits.perimetres() for d in p.departements_sans_zone}
    # a département with a published count (final list) takes additions up to that count only: none where the
    # computation already reaches it, and never more than the room left (two in the Manche, published 2 with
    # one computed, made it 3)
    place = {
        d.code: d.zones - sum(1 for s in chosen if d.code in departements.get(s.siren, ()))
        for p in faits.perimetres()
        for d in p.departements
        if not d.pre_liste
    }
    # One pass in rank order (the best-ranked candidates nationally): an EPCI is added when its count still
    # lacks zones, each of its départements with a count has room left, and places remain.
    # Each count by its place in the list, not its label: two overseas remainders share theirs.
    toutes = cibles(faits)
    manque = [c.publie - sum(1 for s in chosen if s.region in c.regions) for c in toutes]
    cible_of: dict[str, int] = {}
    for rang, c in enumerate(toutes):  # a region counted on its own and in a group: its own count first
        for code in c.regions:
            cible_of.setdefault(code, rang)
    ajouts: list[AjoutModele] = []
    added: set[str] = set()
    # The narrowest exact evidence first: a département whose published count lacks zones, in a region whose
    # exact count lacks zones (« la Dordogne, avec neuf » when the computation finds six); then a region's
    # count, an ARS's own publication, whose gap is the evidence of an addition; an approximate count (a
    # group's « environ 40 », derived from 151 by difference) takes only the places the exact ones leave.
    # Within each pass, the best-ranked candidates nationally.
    for passe in ("departement", "exacte", "approchee"):
        for s in sorted(scores, key=lambda s: (s.rang, s.siren)):
            if len(ajouts) >= budget:
                break
            k = cible_of.get(s.region)
            deps = departements.get(s.siren, ())
            if (
                s.selectionnee
                or s.siren in added
                or s.score is None
                or k is None
                or (passe != "approchee" and toutes[k].approximatif)
                or (passe == "departement" and not any(place.get(d, 0) > 0 for d in deps))
                or manque[k] <= 0
                or sans_zone.intersection(deps)
                or any(place.get(d, 1) <= 0 for d in deps)
            ):
                continue
            manque[k] -= 1
            added.add(s.siren)
            for d in deps:
                if d in place:
                    place[d] -= 1
            ajouts.append(
                AjoutModele(
                    s.siren, toutes[k].libelle, s.rang, s.rang_region, s.ecart_seuil, unite_ecart(vote)
                )
            )
    return sorted(ajouts, key=lambda a: (a.rang, a.siren))
