"""The vote of methods (ADR 0021), built from a calibration's best candidates. Pure, typed, no Django.

The published aggregates cannot tell apart lists that differ by 40 %: the EPCI retained by most of the methods
that fit them well are the safer guess of the official list. `voter` builds the vote and judges it (loss, its
own leave-one-region-out cross-validation, expected overlap); `vote_retenu` says whether it is written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solidarite.zonage.calibrage import (
    Calibrage,
    Candidat,
    Contexte,
    Pli,
    observation,
    quotas_of,
    selection,
)
from solidarite.zonage.faits import Faits
from solidarite.zonage.methode import groupes_outre_mer
from solidarite.zonage.perte import Perte, perte
from solidarite.zonage.score import order_of, select, vote

VOTE_MEMBRES = 40  # the best candidates of the winner's family and structure that vote
VOTE_TEMPERATURE = 2.0  # a method's vote: exp(−(its loss − the best loss) / this), in loss units
VOTE_DOUBLON = 0.9  # a member sharing this much of the truth's list is its near-copy: left out with it


@dataclass(frozen=True)
class Vote:
    membres: list[tuple[Candidat, float]]  # the principal (the winner) first, then by loss; with their vote
    selection: np.ndarray
    perte: Perte
    plis: list[Pli]  # cross-validation of the vote itself (leave one region out)
    perte_cv: float
    # expected share of a near-best method's list that the vote finds (see `voter`), and the same for the
    # winner alone; None when no member has a truth left to vote on (all near-copies of one another)
    recouvrement: float | None
    recouvrement_seul: float | None
    perte_cv_seul: float = 0.0  # the same folds, each predicted by its best method alone (same pool)

    def recouvrement_texte(self, seul: str = "méthode principale seule") -> str:
        """The expected overlap in words, saying so when it could not be measured."""
        if self.recouvrement is None or self.recouvrement_seul is None:
            return "recouvrement attendu non mesurable (les membres sont tous des quasi-copies les uns des autres)"
        return f"recouvrement attendu {self.recouvrement:.0%} ({seul} : {self.recouvrement_seul:.0%})"


def _structure(c: Candidat) -> tuple[object, ...]:
    return (c.famille, c.nombre, c.population, c.outre_mer, c.territoires)


def _votes(pertes: list[float]) -> list[float]:
    """Votes rounded as the parameter file writes them (3 decimals): the vote searched is the vote written."""
    best = min(pertes)
    return [round(float(np.exp(-(p - best) / VOTE_TEMPERATURE)), 3) for p in pertes]


def _elu(
    ctx: Contexte, principal: Candidat, choices: list[np.ndarray], votes: list[float], quotas: dict[str, int]
) -> np.ndarray:
    """The selection of a vote: EPCI ranked by their weighted share of votes, then by the principal."""
    score, nb = ctx.scores(principal, 80.0)
    _, order = vote(choices, votes, order_of(score, nb, principal.cumul))
    regions, overseas = groupes_outre_mer(ctx.regions, principal.outre_mer, dict(principal.territoires))
    all_quotas = (dict(quotas) if principal.allocation else {}) | overseas
    regle = "population" if principal.population else "nombre"
    return select(order, ctx.populations, regions, regle, principal.nombre, principal.population, all_quotas)


def voter(ctx: Contexte, faits: Faits, cal: Calibrage) -> Vote | None:
    """The vote of the `VOTE_MEMBRES` best candidates sharing the winner's family and structure (number of
    zones, overseas allocation), each weighted by its fit (`VOTE_TEMPERATURE`); None with an allocation.

    Judged three ways: its loss on all the facts; its own leave-one-region-out cross-validation (in each
    fold, the members and their votes come from the training loss); and its **expected overlap**: if the
    official list were that of one of the near-best methods, the share of it found (each member in turn
    left out of the vote and taken as the truth, weighted by its vote). The winner alone is measured the
    same way against the other members. A member whose list shares `VOTE_DOUBLON` of the truth's is its
    near-copy and is left out with it: otherwise the overlap measures a copy, not a guess. The vote's
    cross-validation is set beside the best method alone on the very same folds and pool."""
    g = cal.gagnant
    if g.allocation:
        return None
    pool = [c for c in cal.pertes if _structure(c) == _structure(g)]
    quotas = quotas_of(faits)
    chosen = sorted(pool, key=lambda c: (c != g, cal.pertes[c][0]))[:VOTE_MEMBRES]
    votes = _votes([cal.pertes[c][0] for c in chosen])
    membres = [(c, v) for c, v in zip(chosen, votes, strict=True) if v > 0]
    choices = {c: selection(ctx, c, quotas) for c, _ in membres}
    elected = _elu(ctx, g, [choices[c] for c, _ in membres], [v for _, v in membres], quotas)
    final = perte(faits, observation(ctx, elected))
    # Expected overlap: each member left out in turn and taken as the truth.
    found, found_alone, weight = 0.0, 0.0, 0.0
    for k, (truth, w) in enumerate(membres):
        n = max(int(choices[truth].sum()), 1)
        others = [
            m
            for j, m in enumerate(membres)
            if j != k and float((choices[m[0]] & choices[truth]).sum()) / n < VOTE_DOUBLON
        ]
        if not others:
            continue
        principal = others[0][0]
        without = _elu(ctx, principal, [choices[c] for c, _ in others], [v for _, v in others], quotas)
        found += w * float((without & choices[truth]).sum()) / n
        found_alone += w * float((choices[principal] & choices[truth]).sum()) / n
        weight += w
    plis, erreurs_seul = [], []
    for r in faits.regions:
        ranked = sorted(pool, key=lambda c: cal.pertes[c][1].get(r.code, 0.0))[:VOTE_MEMBRES]
        fold_votes = _votes([cal.pertes[c][1].get(r.code, 0.0) for c in ranked])
        fold = [(c, v) for c, v in zip(ranked, fold_votes, strict=True) if v > 0]
        for c, _ in fold:
            if c not in choices:
                choices[c] = selection(ctx, c, quotas)
        fold_sel = _elu(ctx, fold[0][0], [choices[c] for c, _ in fold], [v for _, v in fold], quotas)
        plis.append(Pli(r.code, r.zones, fold[0][0], int((fold_sel & (ctx.regions == r.code)).sum())))
        erreurs_seul.append(abs(int((choices[fold[0][0]] & (ctx.regions == r.code)).sum()) - r.zones))
    return Vote(
        membres,
        elected,
        final,
        plis,
        float(np.mean([p.erreur for p in plis])) if plis else 0.0,
        found / weight if weight else None,
        found_alone / weight if weight else None,
        float(np.mean(erreurs_seul)) if erreurs_seul else 0.0,
    )


def vote_retenu(cal: Calibrage, v: Vote | None) -> bool:
    """The vote is written when it is expected to find more of the official list than the winner alone,
    without fitting the facts worse by more than one `VOTE_TEMPERATURE`."""
    return (
        v is not None
        and len(v.membres) > 1
        and v.recouvrement is not None
        and v.recouvrement_seul is not None
        and v.recouvrement > v.recouvrement_seul
        and v.perte.total <= cal.perte.total + VOTE_TEMPERATURE
    )
