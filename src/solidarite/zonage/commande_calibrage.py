"""`python -m solidarite zonage calibrer`: the search of ADR 0016, its report and the new parameter set.

Nothing is written unless everything succeeded: bad facts, a bad parameter set or an impossible target
stop with a French message and exit code 2.
"""

from __future__ import annotations

import datetime as dt
import time
import tomllib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string
from tqdm import tqdm

from solidarite.systeme import lire_octets
from solidarite.territoire.providers import provider_from_settings
from solidarite.territoire.sources import DataError, TerritoireData, read_territoire
from solidarite.territoire.travel import TravelError
from solidarite.zonage import calibrage, ecarts, sources
from solidarite.zonage.ajouts import ajouts_modeles
from solidarite.zonage.calcul import EpciInfo, ZonageResult, compute_criteria, score_criteria
from solidarite.zonage.ecriture import meme_chemin, verifier_chemin, write_all
from solidarite.zonage.faits import FaitsError
from solidarite.zonage.fidelite import fidelite
from solidarite.zonage.listes import Correspondance, EpciRef, ListeError, lire_fichier, resume
from solidarite.zonage.perte import perte
from solidarite.zonage.score import LIBELLES, ParamError, parse_params
from solidarite.zonage.vote import vote_retenu, voter


def _fail(message: str) -> CommandError:
    return CommandError(f"{message}\nRien n'a été écrit.", returncode=2)


def read_liste(
    path: Path, content: bytes, epcis: dict[str, EpciInfo], territoire: TerritoireData
) -> list[Correspondance]:
    """The SIREN codes of an official list (`content`, the bytes of `path`), by SIREN or by EPCI names, as the
    back office takes it."""
    # every region an EPCI spans (26 cross a regional border), as the back office reads them
    region_of = {d.code: d.region for d in territoire.departements}
    noms = {r.code: r.nom for r in territoire.regions}
    refs = [
        EpciRef(
            s,
            i.nom,
            tuple(sorted({(region_of[d], noms[region_of[d]]) for d in i.departements})),
            i.departements,
        )
        for s, i in epcis.items()
    ]
    try:
        lues = lire_fichier(content, refs)
    except ListeError as exc:
        raise _fail(f"{path.name} : " + "\n".join(exc.messages)) from exc
    return lues


POIDS_ALEATOIRES_DEFAUT = 40
RAPPORT = "fidelite.html"  # the fidelity report, written in --out
POIDS_ALEATOIRES_MAX = 2000  # ~30 s of search per 40 weights on the shared machine: beyond, hours


def _dossier_sortie(options: dict[str, Any]) -> Path:
    return Path(options["out"] or Path(settings.REPO_ROOT) / "var" / "zonage")


def calibrer(command: BaseCommand, options: dict[str, Any]) -> None:
    started = time.perf_counter()
    write = command.stdout.write
    quiet = options["verbosity"] == 0
    aleatoires = (
        POIDS_ALEATOIRES_DEFAUT if options["poids_aleatoires"] is None else options["poids_aleatoires"]
    )
    if not 0 <= aleatoires <= POIDS_ALEATOIRES_MAX:
        raise _fail(f"--poids-aleatoires doit être un entier de 0 à {POIDS_ALEATOIRES_MAX}.")
    ecrire, sortie = Path(options["ecrire"] or sources.PARAMS_2025_CALIBRE), _dossier_sortie(options)
    verifier_chemin(ecrire, False, "--ecrire")
    verifier_chemin(sortie, True, "--out")
    if meme_chemin(ecrire, sortie):
        raise _fail(f"--ecrire : {ecrire} est aussi le dossier --out ; donnez le chemin d'un fichier à part.")
    contenu_liste = None
    if options["liste"]:  # read before the criteria are computed: a device or a pipe said at once
        try:  # as the back office: a plain file of 1 MB at most
            contenu_liste = lire_octets(
                options["liste"], "Liste officielle", CommandError, sources.TOML_MAX_BYTES
            )
        except CommandError as exc:
            raise _fail(str(exc)) from exc
    if meme_chemin(ecrire, sortie / RAPPORT):  # the report written over the set: the set lost
        raise _fail(
            f"--ecrire : {ecrire} est aussi le rapport de fidélité écrit dans --out ; donnez un autre nom."
        )
    data_dir = Path(options["data_dir"] or settings.SOLIDARITE_DATA_DIR)
    try:
        ancien = sources.load_params(options["params"] or sources.PARAMS_2025_HISTORIQUE)
        lecture = time.perf_counter()
        territoire = read_territoire(data_dir)
        lecture = time.perf_counter() - lecture  # the territory, read first to check the facts' regions
        noms = {r.code: r.nom for r in territoire.regions}
        noms_departements = {d.code: d.nom for d in territoire.departements}
        faits = sources.load_faits(
            noms, options["faits"], {d.code: d.region for d in territoire.departements}
        )
    except (ParamError, FaitsError) as exc:
        raise _fail(str(exc)) from exc
    except (DataError, OSError) as exc:
        raise _fail(str(exc)) from exc
    # the facts file, as the written set and the report name it (not always faits_2025.toml: --faits)
    fichier_faits = Path(options["faits"] or sources.DEFAULT_FAITS_FILE).name
    try:
        criteria = compute_criteria(data_dir, provider_from_settings(), None, territoire)
        surfaces = sources.read_epci_surfaces(data_dir)
    except ParamError as exc:
        raise _fail(str(exc)) from exc
    except (DataError, TravelError, OSError) as exc:
        raise _fail(str(exc)) from exc
    try:
        calibrage.verifier_faisable(
            faits,
            {s: i.region_code for s, i in criteria.epcis.items()},
            noms,
            {s: i.departements for s, i in criteria.epcis.items()},
            {s: i.population for s, i in criteria.epcis.items()},
        )
    except ParamError as exc:  # a count of the facts file no selection reaches: said where, and what to do
        raise _fail(
            f"{fichier_faits} : {exc} Corrigez ce compte dans le fichier de faits, ou donnez-en un autre "
            "(--faits)."
        ) from exc
    lues = (
        read_liste(options["liste"], contenu_liste, criteria.epcis, territoire)
        if contenu_liste is not None
        else None
    )
    liste = {c.siren for c in lues} if lues is not None else None
    write(
        f"Données lues en {lecture + criteria.lecture_seconds:.1f} s, critères calculés en {criteria.seconds:.1f} s ; "
        f"faits v{faits.version} du {faits.date:%d/%m/%Y}."
    )
    if lues is not None:
        first, *approches = resume(lues, {s: i.nom for s, i in criteria.epcis.items()})
        write(first)
        for line in approches:
            write(f"  {line}")

    candidats = calibrage.candidats(faits, aleatoires)
    ctx = calibrage.contexte(criteria, surfaces)
    bar = tqdm(total=len(candidats), desc="Calibrage", unit="jeu", disable=quiet)
    try:
        cal = calibrage.calibrer(ctx, faits, candidats, bar.update)
    except ParamError as exc:
        raise _fail(str(exc)) from exc
    finally:
        bar.close()
    quotas = calibrage.quotas_of(faits)
    today = dt.date.today()
    vote = voter(ctx, faits, cal)
    vote_ecrit = vote_retenu(cal, vote)
    text = calibrage.parametres_toml(
        cal, faits, quotas, today, ancien.depuis, vote if vote_ecrit else None, fichier_faits
    )
    try:
        nouveau = parse_params(tomllib.loads(text), "jeu calibré")  # the written file must read back
        result_new = score_criteria(criteria, nouveau)
        result_old = score_criteria(
            compute_criteria(data_dir, provider_from_settings(), None, territoire, ancien.agregations)
            if not set(ancien.agregations) <= set(criteria.tables)
            else criteria,
            ancien,
        )
    except ParamError as exc:
        raise _fail(str(exc)) from exc

    target = Path(options["ecrire"] or sources.PARAMS_2025_CALIBRE)
    precedent = None  # the set this run replaces, when there is one: previous vs new in the report
    if target.is_file():
        try:
            precedent = sources.load_params(target)
        except (ParamError, OSError):
            precedent = None
    if precedent is not None and not set(precedent.agregations) <= set(criteria.tables):
        precedent = None
    rows_prev = (
        fidelite(
            faits,
            calibrage.observation_of(score_criteria(criteria, precedent), surfaces),
            noms,
            noms_departements,
        )
        if precedent is not None
        else None
    )
    obs_old = calibrage.observation_of(result_old, surfaces)
    obs_new = calibrage.observation_of(result_new, surfaces)
    perte_old, perte_new = perte(faits, obs_old), perte(faits, obs_new)
    rows_old = fidelite(faits, obs_old, noms, noms_departements)
    rows_new = fidelite(faits, obs_new, noms, noms_departements)
    # The final list modelled: the computed zones plus the ARS additions modelled (ajouts.py)
    ajouts = ajouts_modeles(
        result_new.scores,
        {s: e.departements for s, e in result_new.epcis.items()},
        faits,
        vote=bool(result_new.params.membres),
    )
    sirens_ajouts = frozenset(a.siren for a in ajouts)
    obs_final = calibrage.observation_of(result_new, surfaces, sirens_ajouts)
    perte_final = perte(faits, obs_final)
    rows_final = fidelite(faits, obs_final, noms, noms_departements)

    write(f"{len(candidats)} jeux de choix, {cal.evaluations} sélections évaluées.")
    write("Validation croisée (une région laissée de côté ; écart sur la région laissée, en zones) :")
    for family, plis in sorted(cal.plis.items()):
        label = calibrage.libelle_famille(family)
        detail = ", ".join(f"{noms.get(p.region, p.region)} {p.calcule}/{p.publie}" for p in plis)
        write(f"  {label} : écart moyen {cal.perte_cv[family]:.2f} ({detail})")
    write(
        "Hypothèse d'allocation régionale : "
        + ("retenue" if cal.famille[0] else "rejetée")
        + " ; cible de population : "
        + ("retenue" if cal.famille[1] else "rejetée")
        + " (validation croisée)."
    )
    write(f"Meilleur jeu : {cal.gagnant.describe()} ; perte {cal.perte.total:.2f}.")
    if vote is not None:
        write(
            f"Vote des {len(vote.membres)} meilleurs jeux de même famille (ADR 0021) : perte {vote.perte.total:.2f}, "
            f"écart validé {vote.perte_cv:.2f} zone(s) (meilleure méthode seule, mêmes plis et mêmes jeux : "
            f"{vote.perte_cv_seul:.2f} ; meilleur jeu de tout l'espace : {cal.perte_cv[cal.famille]:.2f}) ; "
            f"avec la liste d'une méthode proche du meilleur (quasi-copies écartées), "
            f"{vote.recouvrement_texte('meilleur jeu seul')} → "
            + (
                "vote écrit, le meilleur jeu en est la méthode principale."
                if vote_ecrit
                else "vote non retenu."
            )
        )
    width = max(len(row.libelle) for row in rows_old)  # whole labels: « (pré-liste calculée) » comes last
    write(
        f"{'Fait':<{width}} {'publié':>12} {'aujourd hui':>12} {'précédent':>12} {'calibré':>12} {'+ ajouts':>12}"
    )
    for k, (a, b) in enumerate(zip(rows_old, rows_new, strict=True)):
        before = rows_prev[k].calcule if rows_prev else "—"
        write(
            f"{a.libelle:<{width}} {a.publie:>12} {a.calcule:>12} {before:>12} {b.calcule:>12} "
            f"{rows_final[k].calcule:>12}"
        )
    write(
        f"Perte : aujourd'hui {perte_old.total:.2f}, calibré {perte_new.total:.2f} "
        f"(liste finale modélisée, {len(ajouts)} ajouts des ARS modélisés : {perte_final.total:.2f})."
    )
    for a in ajouts:
        write(f"Ajout modélisé — {result_new.epcis[a.siren].nom} ({a.siren}) : {a.motif}")
    rappels: list[tuple[str, ecarts.Rappel, ZonageResult]] = []
    region_of = {d.code: d.region for d in territoire.departements}  # every region an EPCI spans, as the list
    regions_epci = {s: {region_of[d] for d in i.departements} for s, i in criteria.epcis.items()}
    perimetre_liste = ""
    if liste is not None:
        for label, result, extra in (
            ("aujourd'hui", result_old, frozenset[str]()),
            ("calibré", result_new, frozenset[str]()),
            ("calibré + ajouts des ARS modélisés", result_new, sirens_ajouts),
        ):
            r = ecarts.rappel({s.siren for s in result.selected} | extra, liste, regions_epci, faits)
            rappels.append((label, r, result))
            write(f"Liste officielle, jeu {label} : rappel {r.rappel:.0%}, précision {r.precision:.0%}.")
        if rappels[0][1].perimetre:
            perimetre_liste = ecarts.perimetre_texte(len(liste), faits, rappels[0][1].perimetre, noms)
            write(perimetre_liste)
    desaccords = ecarts.desaccords(result_new, faits)
    for d in desaccords:
        write(
            f"Désaccord — {noms.get(d.code, d.code)} : {d.explication.replace(d.critere, LIBELLES[d.critere])}"
        )

    out = _dossier_sortie(options)
    scores_by_siren = {s.siren: s for s in result_new.scores}
    html = render_to_string(
        "zonage/fidelite.html",
        {
            "faits": faits,
            "fichier_faits": fichier_faits,
            "lignes": [
                {
                    "a": a,
                    "b": b,
                    "p": rows_prev[k] if rows_prev else None,
                    "f": rows_final[k],
                    "libelle": a.libelle,
                    "publie": a.publie,
                    "source": a.source,
                }
                for k, (a, b) in enumerate(zip(rows_old, rows_new, strict=True))
            ],
            "precedent": precedent,
            "ancien": ancien,
            "nouveau": nouveau,
            "perte_old": perte_old,
            "perte_new": perte_new,
            "perte_final": perte_final,
            "ajouts": [
                {"siren": a.siren, "nom": result_new.epcis[a.siren].nom, "motif": a.motif} for a in ajouts
            ],
            "cal": cal,
            "plis": [
                {
                    "famille": calibrage.libelle_famille(f),
                    "plis": p,
                    "cv": cal.perte_cv[f],
                }
                for f, p in sorted(cal.plis.items())
            ],
            "noms": noms,
            "gagnant": cal.gagnant.describe(),
            "vote": vote,
            "vote_ecrit": vote_ecrit,
            "desaccords": [
                {
                    "region": noms.get(d.code, d.code),
                    "texte": d.explication.replace(d.critere, LIBELLES[d.critere]),
                }
                for d in desaccords
            ],
            "rappels": [
                {
                    "label": label,
                    "r": r,
                    "manquees": [
                        {
                            "siren": s,
                            "nom": result.epcis[s].nom,
                            "explication": next(x.explication for x in result.scores if x.siren == s),
                        }
                        for s in r.manquees
                    ],
                }
                for label, r, result in rappels
            ],
            "perimetre": perimetre_liste,
            "genere_le": dt.datetime.now().strftime("%d/%m/%Y %H:%M"),
            "fichier": target.name,
            "exemple": scores_by_siren.get(result_new.selected[0].siren) if result_new.selected else None,
        },
    )
    write_all([(target, text), (out / RAPPORT, html)])
    write(f"Jeu de paramètres écrit : {target} (l'ancien, {ancien.nom}, est conservé).")
    write(f"Rapport de fidélité : {out / RAPPORT} ; durée totale {time.perf_counter() - started:.0f} s.")
