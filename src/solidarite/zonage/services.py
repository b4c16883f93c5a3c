"""Saving campaigns, ARS adjustments, official lists and their comparisons. One transaction per write."""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum

from solidarite.territoire import acces
from solidarite.territoire.models import Commune, Departement, Epci, Region
from solidarite.zonage import ecarts
from solidarite.zonage.ajouts import ajouts_modeles
from solidarite.zonage.faits import Faits, FaitsError
from solidarite.zonage.fidelite import LigneFidelite, fidelite
from solidarite.zonage.listes import Correspondance, EpciRef, ListeError, lire_fichier, lire_liste
from solidarite.zonage.methode import OUTRE_MER
from solidarite.zonage.models import Ajustement, Campagne, ListeOfficielle, ListeOfficielleEpci, ResultatEpci
from solidarite.zonage.perte import Observation, Perte, perte
from solidarite.zonage.score import EpciScore
from solidarite.zonage.sources import load_faits, surface_km2

if TYPE_CHECKING:  # the engine (numpy, scipy.spatial: 0.4 s) is not imported by the back office's start
    from solidarite.zonage.calcul import ZonageResult

# The motif of an ARS adjustment is published: a sentence or two, in visible characters.
MOTIF_MIN = 10  # visible characters at least (no space, no zero-width character)
MOTIF_MAX = 2000  # characters at most, as stored: a paragraph or two, not a document
User = AbstractBaseUser | AnonymousUser


def _fingerprint(result: ZonageResult) -> str:
    digest = hashlib.sha256(repr(sorted(result.params.as_dict().items())).encode())
    for score in result.scores:
        digest.update(f"{score.siren}:{score.rang}:{int(score.selectionnee)}:{score.score!r};".encode())
    return digest.hexdigest()


def _criteres_json(score) -> dict[str, dict[str, object]]:  # type: ignore[no-untyped-def]
    return {
        name: {
            "valeur": value.valeur,
            "manquant": value.manquant,
            "imputee": value.imputee,
            "percentile": value.percentile,
            "rang": value.rang,
            "fragile": value.fragile,
        }
        for name, value in score.criteres.items()
    }


def epci_absents(result: ZonageResult) -> list[str]:
    """The SIREN of the computed EPCI the database does not hold (its territory not loaded, or older)."""
    known = set(Epci.objects.values_list("siren", flat=True))
    return [s.siren for s in result.scores if s.siren not in known]


def save_campaign(
    result: ZonageResult, user: User | None = None, *, activate: bool = False
) -> tuple[Campagne, bool]:
    """Stores the computed proposal as a new version; an identical result is not stored twice.

    Returns the campaign and whether it was created (False: an identical one already existed)."""
    fingerprint = _fingerprint(result)
    with transaction.atomic():
        existing = Campagne.objects.filter(empreinte=fingerprint).order_by("-version").first()
        if existing is not None:
            _fill_missing_fragility(existing, result)
            if activate:
                activate_campaign(existing)
            return existing, False
        if missing := epci_absents(result):
            raise ValidationError(
                f"{len(missing)} EPCI du calcul sont absents de la base (ex. {missing[0]}) : lancez d'abord load_territoire."
            )
        epcis = dict(Epci.objects.values_list("siren", "pk"))
        version = (Campagne.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        campagne = Campagne.objects.create(
            version=version,
            nom=result.params.nom,
            cree_par=user if user is not None and user.is_authenticated else None,
            parametres=result.params.as_dict(),
            millesimes=result.millesimes,
            diagnostics=result.diagnostics,
            resume=result.summary(),
            empreinte=fingerprint,
        )
        ResultatEpci.objects.bulk_create(
            [
                ResultatEpci(
                    campagne=campagne,
                    epci_id=epcis[s.siren],
                    rang=s.rang,
                    score=s.score,
                    nb_fragilites=s.nb_fragilites,
                    selectionnee_calcul=s.selectionnee,
                    criteres=_criteres_json(s),
                    explication=s.explication,
                    rang_region=s.rang_region,
                    ecart_seuil=s.ecart_seuil,
                    critere_decisif=s.critere_decisif,
                    score_fragilite=s.score_fragilite,
                )
                for s in result.scores
            ],
            batch_size=500,
        )
        if activate:
            activate_campaign(campagne)
    return campagne, True


def _fill_missing_fragility(campagne: Campagne, result: ZonageResult) -> None:
    """A vote campaign saved before migration 0003 has no fragility score (the migration invents none) and
    recomputing it gives the same fingerprint (the fragility is not in it, ADR 0021): the identical result
    fills the empty scores, and only those, so that the map and the planning priority get them."""
    empty = list(
        ResultatEpci.objects.filter(campagne=campagne, score_fragilite__isnull=True).select_related("epci")
    )
    fragility = {s.siren: s.score_fragilite for s in result.scores}
    filled = [r for r in empty if fragility.get(r.epci.siren) is not None]
    for r in filled:
        r.score_fragilite = fragility[r.epci.siren]
    ResultatEpci.objects.bulk_update(filled, ["score_fragilite"], batch_size=500)


def activate_campaign(campagne: Campagne) -> None:
    with transaction.atomic():
        Campagne.objects.filter(active=True).exclude(pk=campagne.pk).update(active=False)
        Campagne.objects.filter(pk=campagne.pk).update(active=True)
    campagne.active = True


def active_campaign() -> Campagne | None:
    return Campagne.objects.filter(active=True).first()


def final_sirens(campagne: Campagne) -> set[str]:
    """The final list: the computed selection, plus the ARS additions, minus their removals."""
    selected = set(campagne.resultats.filter(selectionnee_calcul=True).values_list("epci__siren", flat=True))
    for siren, action in campagne.ajustements.values_list("epci__siren", "action"):
        if action == Ajustement.Action.AJOUT:
            selected.add(siren)
        else:
            selected.discard(siren)
    return selected


def zone_rouge(epci: Epci) -> tuple[Campagne, bool] | None:
    """The active campaign and whether the EPCI is on its final list (final_sirens, for one EPCI: its computed
    selection, unless its ARS added or removed it); None without an active campaign or a result of the EPCI in it."""
    campagne = active_campaign()
    resultat = campagne.resultats.filter(epci=epci).first() if campagne else None
    if campagne is None or resultat is None:
        return None
    action = campagne.ajustements.filter(epci=epci).values_list("action", flat=True).first()
    return campagne, resultat.selectionnee_calcul if action is None else action == Ajustement.Action.AJOUT


def epci_regions(epci: Epci) -> list[Region]:
    return list(Region.objects.filter(departements__communes__epci=epci).distinct().order_by("code"))


def motif_publie(motif: str) -> str:
    """The motif as it is stored and published: without format characters (zero-width spaces and joiners, word
    joiner, BOM: Unicode category Cf), stripped. ValidationError if fewer than MOTIF_MIN visible characters remain,
    more than MOTIF_MAX characters, or a control character other than a line break or a tab (or a lone surrogate,
    which no UTF-8 text can hold)."""
    texte = "".join(ch for ch in motif or "" if unicodedata.category(ch) != "Cf").strip()
    if len(texte) > MOTIF_MAX:
        maximum, longueur = (f"{n:,}".replace(",", "\u202f") for n in (MOTIF_MAX, len(texte)))
        raise ValidationError(
            {
                "motif": f"Le motif dépasse {maximum} caractères (il en compte {longueur}) : résumez-le, il sera publié."
            }
        )
    invalide = next(
        (ch for ch in texte if unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\t\n\r"), None
    )
    if invalide is not None:
        raise ValidationError(
            {
                "motif": f"Le motif contient un caractère de contrôle ou mal codé (U+{ord(invalide):04X}) : "
                "retapez-le, il sera publié."
            }
        )
    if sum(1 for ch in texte if not ch.isspace()) < MOTIF_MIN:
        raise ValidationError(
            {
                "motif": f"Le motif est obligatoire ({MOTIF_MIN} caractères visibles au moins) : il sera publié."
            }
        )
    return texte


def validate_adjustment(campagne: Campagne, epci: Epci, action: str, motif: str, user: User) -> Region:
    """Raises ValidationError (or PermissionDenied) unless this ARS may make this adjustment; returns its region.
    The motif is checked as `motif_publie` cleans it: store that cleaned text."""
    motif_publie(motif)
    if action not in Ajustement.Action.values:
        raise ValidationError({"action": "Action inconnue : « ajout » ou « retrait »."})
    regions = epci_regions(epci)
    region = acces.region_of(user)
    if region is not None and region not in regions:
        names = ", ".join(r.nom for r in regions) or "aucune région"
        raise ValidationError(
            {
                "epci": f"{epci.nom} relève de : {names}. L'ARS {region.nom} ne peut ajuster que les EPCI de sa région."
            }
        )
    resultat = campagne.resultats.filter(epci=epci).first()
    if resultat is None:
        raise ValidationError(
            {"epci": f"{epci.nom} n'a pas de résultat dans la campagne v{campagne.version}."}
        )
    if action == Ajustement.Action.AJOUT and resultat.selectionnee_calcul:
        raise ValidationError({"action": f"{epci.nom} est déjà retenu par le calcul (rang {resultat.rang})."})
    if action == Ajustement.Action.RETRAIT and not resultat.selectionnee_calcul:
        raise ValidationError(
            {"action": f"{epci.nom} n'est pas retenu par le calcul (rang {resultat.rang})."}
        )
    if campagne.ajustements.filter(epci=epci).exists():
        raise ValidationError({"epci": f"{epci.nom} a déjà un ajustement dans cette campagne."})
    return region or regions[0]


def adjust(campagne: Campagne, epci: Epci, action: str, motif: str, user: User) -> Ajustement:
    """An ARS adds or removes an EPCI of its region, with a written reason; checked, then saved."""
    region = validate_adjustment(campagne, epci, action, motif, user)
    try:
        with transaction.atomic():
            return Ajustement.objects.create(
                campagne=campagne,
                epci=epci,
                action=action,
                motif=motif_publie(motif),
                auteur=user,
                region=region,
            )
    except IntegrityError:
        raise ValidationError({"epci": f"{epci.nom} a déjà un ajustement dans cette campagne."}) from None


@dataclass(frozen=True)
class CampaignComparison:
    added: list[Epci]
    removed: list[Epci]
    moved: list[tuple[Epci, int, int]]  # (EPCI, rank in a, rank in b), for EPCI retained in both


def compare_campaigns(a: Campagne, b: Campagne) -> CampaignComparison:
    final_a, final_b = final_sirens(a), final_sirens(b)
    ranks_a = dict(a.resultats.values_list("epci__siren", "rang"))
    ranks_b = dict(b.resultats.values_list("epci__siren", "rang"))
    epcis = {e.siren: e for e in Epci.objects.filter(siren__in=final_a | final_b)}
    moved = [
        (epcis[s], ranks_a[s], ranks_b[s])
        for s in sorted(final_a & final_b)
        if s in ranks_a and s in ranks_b and ranks_a[s] != ranks_b[s]
    ]
    return CampaignComparison(
        added=sorted((epcis[s] for s in final_b - final_a), key=lambda e: e.nom),
        removed=sorted((epcis[s] for s in final_a - final_b), key=lambda e: e.nom),
        moved=sorted(moved, key=lambda m: m[2]),
    )


def epci_refs() -> list[EpciRef]:
    """Every EPCI with its regions and départements (from its communes), to read a list of names."""
    where: dict[str, tuple[set[tuple[str, str]], set[str]]] = defaultdict(lambda: (set(), set()))
    rows = Commune.objects.filter(epci__isnull=False).values_list(
        "epci__siren", "departement__code", "departement__region__code", "departement__region__nom"
    )
    for siren, dep, region_code, region_nom in rows.distinct():
        where[siren][0].add((region_code, region_nom))
        where[siren][1].add(dep)
    return [
        EpciRef(siren, nom, tuple(sorted(where[siren][0])), tuple(sorted(where[siren][1])))
        for siren, nom in Epci.objects.values_list("siren", "nom")
    ]


def read_official_list(content: bytes | str) -> list[Correspondance]:
    """The EPCI of a list given by SIREN or by EPCI names (`listes.lire_liste`), with how each line was
    matched; every bad line is reported and the list refused whole."""
    try:
        if isinstance(content, bytes):  # a CSV in UTF-8, UTF-16 or Windows-1252, or an .xlsx workbook
            return lire_fichier(content, epci_refs())
        return lire_liste(content, epci_refs())
    except ListeError as exc:
        raise ValidationError(exc.messages) from None


def parse_official_list(content: bytes | str) -> list[str]:
    """The SIREN codes of a list (`read_official_list`)."""
    return [c.siren for c in read_official_list(content)]


def import_official_list(
    content: bytes | str, nom: str, date: dt.date, source: str, user: User | None = None
) -> ListeOfficielle:
    """Refused whole on any bad line (unknown SIREN, duplicate…); otherwise stored in one transaction."""
    if not nom.strip() or not source.strip():
        raise ValidationError("Le nom et la source de la liste sont obligatoires.")
    sirens = parse_official_list(content)
    with transaction.atomic():
        liste = ListeOfficielle.objects.create(
            nom=nom.strip(),
            date=date,
            source=source.strip(),
            importee_par=user if user and user.is_authenticated else None,
        )
        fill_official_list(liste, sirens)
    return liste


def fill_official_list(liste: ListeOfficielle, sirens: list[str]) -> None:
    ids = dict(Epci.objects.filter(siren__in=sirens).values_list("siren", "pk"))
    ListeOfficielleEpci.objects.bulk_create(
        [ListeOfficielleEpci(liste=liste, epci_id=ids[s]) for s in sirens]
    )


@dataclass(frozen=True)
class OfficialComparison:
    both: list[ResultatEpci]
    official_only: list[tuple[Epci, ResultatEpci | None]]
    computed_only: list[ResultatEpci]
    # The ARS additions modelled where the final list falls short of a published count (ajouts.py), as
    # `zonage calibrer --liste` counts them: the official list holds the ~10 real ones.
    ajouts: list[ResultatEpci] = field(default_factory=list)
    # A partial list (an ARS's own region, a sample): what precision counts, in French ("" for a whole list,
    # FAITS_ILLISIBLES without the published total), and the modelled additions outside the regions it names, left
    # out of precision like the computed zones there.
    perimetre: str = ""
    ajouts_hors_perimetre: int = 0

    @property
    def ajouts_sirens(self) -> frozenset[str]:
        return frozenset(r.epci.siren for r in self.ajouts)

    @property
    def ajouts_trouves(self) -> list[ResultatEpci]:
        """The modelled additions in the official list (never computed: among the official zones missed)."""
        missed = {e.siren for e, _ in self.official_only}
        return [r for r in self.ajouts if r.epci.siren in missed]

    @property
    def trouvees_avec_ajouts(self) -> int:
        return len(self.both) + len(self.ajouts_trouves)

    @property
    def precision_denominateur_avec_ajouts(self) -> int:
        return self.precision_denominateur + len(self.ajouts) - self.ajouts_hors_perimetre

    @property
    def rappel_denominateur(self) -> int:
        return len(self.both) + len(self.official_only)

    @property
    def precision_denominateur(self) -> int:
        return len(self.both) + len(self.computed_only)

    @property
    def rappel(self) -> float:
        """Share of the official zones that the computation (after ARS adjustments) found."""
        total = len(self.both) + len(self.official_only)
        return len(self.both) / total if total else 0.0

    @property
    def precision(self) -> float:
        """Share of the computed zones that are official."""
        total = len(self.both) + len(self.computed_only)
        return len(self.both) / total if total else 0.0


def epci_region_codes(sirens: set[str]) -> dict[str, set[str]]:
    """Every region each EPCI spans (26 cross a regional border), by SIREN: one query."""
    codes: dict[str, set[str]] = defaultdict(set)
    for siren, code in (
        Commune.objects.filter(epci__siren__in=sirens)
        .values_list("epci__siren", "departement__region__code")
        .distinct()
    ):
        codes[siren].add(code)
    return codes


# Without the published facts, the total a whole list names is unknown: the list is compared as whole, and said so.
FAITS_ILLISIBLES = (
    "Le fichier des faits publiés est illisible : sans le nombre de zones publié, la liste est comparée comme "
    "une liste entière (toutes les zones calculées comptent dans la précision)."
)


def compare_official(liste: ListeOfficielle, campagne: Campagne) -> OfficialComparison:
    official = set(liste.lignes.values_list("epci__siren", flat=True))
    final = final_sirens(campagne)
    results = {r.epci.siren: r for r in campagne.resultats.select_related("epci")}
    epcis = {e.siren: e for e in Epci.objects.filter(siren__in=official)}
    modelled = fidelite_campagne(campagne, {})  # no geometry: the additions do not depend on surfaces
    ajouts = [a.resultat for a in modelled.ajouts_modeles] if modelled else []
    regions = epci_region_codes(official | final | {r.epci.siren for r in ajouts})
    # Whole or partial as `zonage calibrer --liste` judges it: against the published total, not the zones computed.
    computed, codes = ecarts.perimetre(final, official, regions, modelled.faits) if modelled else (final, ())
    perimetre = "" if modelled else FAITS_ILLISIBLES
    if codes and modelled:
        noms = dict(Region.objects.filter(code__in=codes).values_list("code", "nom"))
        perimetre = ecarts.perimetre_texte(len(official), modelled.faits, codes, noms)
    return OfficialComparison(
        both=sorted((results[s] for s in official & computed if s in results), key=lambda r: r.rang),
        official_only=sorted(
            ((epcis[s], results.get(s)) for s in official - computed),
            key=lambda p: p[1].rang if p[1] else 10**9,
        ),
        computed_only=sorted((results[s] for s in computed - official if s in results), key=lambda r: r.rang),
        ajouts=ajouts,
        perimetre=perimetre,
        ajouts_hors_perimetre=sum(1 for r in ajouts if not regions[r.epci.siren].intersection(codes))
        if codes
        else 0,
    )


@dataclass(frozen=True)
class AjoutPropose:
    """A modelled ARS addition shown on the campaign page (ajouts.py): a suggestion, never an adjustment."""

    resultat: ResultatEpci
    motif: str


@dataclass(frozen=True)
class FideliteCampagne:
    faits: Faits
    lignes: list[LigneFidelite]
    perte: Perte
    ajouts_modeles: list[AjoutPropose] = field(default_factory=list)


def fidelite_campagne(campagne: Campagne, geometries: dict[str, Any]) -> FideliteCampagne | None:
    """The published facts against the campaign's final list (after ARS adjustments), and the ARS additions
    modelled where the final list still falls short of a published count; None when the facts file cannot
    be read (the page then says nothing rather than fail)."""
    final = final_sirens(campagne)
    names = dict(Region.objects.values_list("code", "nom"))
    departements_lus = list(Departement.objects.values_list("code", "region__code", "nom"))
    try:
        faits = load_faits(names, departement_region={code: region for code, region, _ in departements_lus})
    except FaitsError:
        return None
    by_region: dict[str, Counter[str]] = defaultdict(Counter)
    departements: dict[str, set[str]] = defaultdict(set)
    rows = (
        Commune.objects.filter(epci__resultats_zonage__campagne=campagne)
        .values_list("epci__siren", "departement__region__code", "departement__code")
        .annotate(habitants=Sum("population"))
    )
    for siren, region, departement, habitants in rows:
        by_region[siren][region] += habitants or 0
        departements[siren].add(departement)
    region_of = {s: c.most_common(1)[0][0] for s, c in by_region.items()}
    populations = dict(Epci.objects.filter(siren__in=final).values_list("siren", "population_municipale"))
    par_region: Counter[str] = Counter(region_of[s] for s in final if s in region_of)
    population_region: Counter[str] = Counter()
    for siren in final:
        if siren in region_of:
            population_region[region_of[siren]] += populations.get(siren, 0)
    par_departement: Counter[str] = Counter(d for s in final for d in departements.get(s, ()))
    obs = Observation(
        zones=len(final),
        population=sum(populations.values()),
        surface_km2=sum(surface_km2(geometries[s]) for s in final if s in geometries),
        outre_mer=sum(1 for s in final if region_of.get(s) in OUTRE_MER),
        par_region=dict(par_region),
        population_region=dict(population_region),
        departements=dict(par_departement),
        densite_moyenne_epci=(
            sum(populations.get(s, 0) / d for s in final if (d := surface_km2(geometries[s])) > 0)
            / len(final)
            if final and all(s in geometries for s in final)
            else 0.0
        ),
    )
    resultats = list(campagne.resultats.select_related("epci").order_by("rang"))
    scores = [
        EpciScore(
            siren=r.epci.siren,
            population=r.epci.population_municipale,
            criteres={},
            score=r.score,
            rang=r.rang,
            selectionnee=r.epci.siren in final,
            region=region_of.get(r.epci.siren, ""),
            rang_region=r.rang_region,
            ecart_seuil=r.ecart_seuil,
            score_fragilite=r.score_fragilite,
        )
        for r in resultats
        # an EPCI the computation retained and its ARS removed is neither a zone nor a proposal
        if r.epci.siren in final or not r.selectionnee_calcul
    ]
    by_siren = {r.epci.siren: r for r in resultats}
    ajouts = ajouts_modeles(
        scores,
        {s: tuple(sorted(d)) for s, d in departements.items()},
        faits,
        vote=bool((campagne.parametres or {}).get("membres")),
    )
    return FideliteCampagne(
        faits,
        fidelite(faits, obs, names, {code: nom for code, _, nom in departements_lus}),
        perte(faits, obs),
        [AjoutPropose(by_siren[a.siren], a.motif) for a in ajouts],
    )
