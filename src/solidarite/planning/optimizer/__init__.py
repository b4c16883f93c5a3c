"""Assigning volunteers to lieu-days, to proven optimality. Pure and typed: no Django, no files.

Words. The optimiser speaks English mechanics; `planning/services.py` maps the scheme's nouns onto it:

- `Site` is a `LieuSolidaire` (`capacity` = its `salles`, `priority` = its EPCI's zonage score,
  `needed` = its `besoins`: opening days of the month, public holidays and full days excluded;
  `reduced` = days where active missions already take some places);
- `Volunteer` is a `MedecinVolontaire` (`available` = its `Disponibilite` dates, `max_days` = its
  `jours_max_par_mois` minus days already on mission, `max_km` = its `trajet_max_minutes` at the
  crow-fly speed, `block_days` = its rotation length);
- `Assignment` is a `Proposition` of a planning run (confirmed, it becomes a `Mission`);
  `history` holds the (médecin, lieu) pairs of earlier confirmed or completed missions.

Problem. A filled place at site s is worth s.priority. Each site-day has `capacity` places; a
volunteer works at most one site a day, at most `max_days` days in the month, only on declared
dates, only within `max_km` (great circle, Earth radius 6371.0 km). Objective, lexicographic:
(1) maximise the total priority of filled places; (2) then maximise continuity (assignments to a
site the volunteer already worked at); (3) then minimise total travel.

Solvers.
- Single days (`flow.solve_flow`): a min-cost flow source → volunteer (max_days) → volunteer-day (1)
  → site-day (1) → sink (capacity), with a bypass arc for places left empty. The default engine is
  LEMON's network simplex (through `pylmcf`); OR-Tools' cost-scaling min-cost flow is the second
  engine (`engine="ortools"`), kept as a cross-check. Flow problems have integral optimal
  solutions, so the flow optimum is the proven optimum (bound = value). The three levels are
  folded into one integer cost whose weights are derived from the instance: the continuity weight
  exceeds the largest achievable travel total, the priority weight exceeds the largest continuity
  range. Costs stay below ~2⁶³ ÷ (nodes + 1) (OR-Tools' cost-scaling limit, kept for both engines);
  the travel resolution is the finest (0.01 km, 0.1 km, 1 km, …) that stays within that budget, and
  is reported: levels 1 and 2 are always exact, level 3 exact at that resolution.
- Rotation blocks (`blocks.solve_blocks`, `block_days` > 1: runs of exactly that many consecutive
  calendar dates at one site): OR-Tools' CP-SAT over block variables, seeded with the flow solution
  of the relaxed problem (every block split into single days), whose value is also an upper bound.
- `baseline.first_come_first_served`: what an ARS does by hand today, for comparison.

Modules: `model` (the data and its JSON form), `feasibility` (candidate arcs, evaluation, checking),
`flow` (over `reach` and `hubs`; `reduction`, the exact series reduction LEMON solves), `blocks` (and
`solve`, which picks the solver), `baseline`, `regions` (decomposition by ARS
region, ADR 0017), `keys` (the keys of the JSON form, and the unknown ones a file gives). This package re-exports them all.
"""

from solidarite.planning.optimizer.baseline import first_come_first_served
from solidarite.planning.optimizer.blocks import solve, solve_blocks, solve_blocks_mip
from solidarite.planning.optimizer.feasibility import (
    Arcs,
    build_solution,
    candidate_arcs,
    check,
    evaluate,
    reachable_pairs,
    relabel,
)
from solidarite.planning.optimizer.flow import ENGINES, priority_scale, solve_flow
from solidarite.planning.optimizer.keys import UnknownKey, unknown_keys
from solidarite.planning.optimizer.model import (
    COST_BUDGET,
    MAX_DAYS_IN_MONTH,
    PRIORITY_DECIMALS,
    Assignment,
    Instance,
    InstanceError,
    Site,
    Solution,
    Volunteer,
    instance_as_dict,
    parse_instance,
)
from solidarite.planning.optimizer.regions import reopen, residual, solve_by_region, split_by_region

__all__ = [
    "COST_BUDGET",
    "ENGINES",
    "MAX_DAYS_IN_MONTH",
    "PRIORITY_DECIMALS",
    "Arcs",
    "Assignment",
    "Instance",
    "InstanceError",
    "Site",
    "Solution",
    "UnknownKey",
    "Volunteer",
    "build_solution",
    "candidate_arcs",
    "check",
    "evaluate",
    "first_come_first_served",
    "instance_as_dict",
    "parse_instance",
    "priority_scale",
    "reachable_pairs",
    "relabel",
    "reopen",
    "residual",
    "solve",
    "solve_blocks",
    "solve_blocks_mip",
    "solve_by_region",
    "solve_flow",
    "split_by_region",
    "unknown_keys",
]
