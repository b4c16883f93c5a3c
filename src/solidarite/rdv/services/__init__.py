"""Free slots (computed), booking (guaranteed by the database), signed links, search, and what the process keeps.

A package of modules, one concern each: `free_slots` (the slot rules and their hot SQL over planning.lecture's open
missions), `booking` (the database's guarantee, moves, cancellations, presence), `jetons` (signed links),
`search` (lieux within reach with their next free slots) and `caches` (what a process keeps between requests,
thread-sensitive). The public API is re-exported here: callers write `services.book(...)`. Patch a function
where it is looked up (e.g. `services.search.next_free_by_lieu`), not here."""

from solidarite.rdv.services import booking, caches, free_slots, jetons, search
from solidarite.rdv.services.booking import (
    NOT_OFFERED,
    PATIENT_FIELDS,
    PRESENCE,
    CreneauTakenError,
    book,
    cancel,
    cancel_for_mission,
    hours_changed,
    mark_presence,
    move,
    offered_mission,
    slots_opened,
)
from solidarite.rdv.services.caches import active_lieux, forget_lieux, freed_here, lieu_nom, taken_here
from solidarite.rdv.services.free_slots import (
    DEFAULT_HOURS,
    MAX_RANGE_DAYS,
    Creneau,
    MissionDay,
    check_range,
    creneau_by_id,
    hours_of,
    mission_days,
    next_free,
    next_free_by_lieu,
    shifted,
    slots,
    slots_by_lieu,
    slots_json,
)
from solidarite.rdv.services.jetons import JETON_SALT, InvalidJetonError, from_jeton, jeton_for
from solidarite.rdv.services.search import LieuProche, lieux_proches, next_free_for_search

__all__ = [
    "DEFAULT_HOURS",
    "JETON_SALT",
    "MAX_RANGE_DAYS",
    "NOT_OFFERED",
    "PATIENT_FIELDS",
    "PRESENCE",
    "Creneau",
    "CreneauTakenError",
    "InvalidJetonError",
    "LieuProche",
    "MissionDay",
    "active_lieux",
    "book",
    "booking",
    "caches",
    "cancel",
    "cancel_for_mission",
    "check_range",
    "creneau_by_id",
    "forget_lieux",
    "free_slots",
    "freed_here",
    "from_jeton",
    "hours_changed",
    "hours_of",
    "jeton_for",
    "jetons",
    "lieu_nom",
    "lieux_proches",
    "mark_presence",
    "mission_days",
    "move",
    "next_free",
    "next_free_by_lieu",
    "next_free_for_search",
    "offered_mission",
    "search",
    "shifted",
    "slots",
    "slots_by_lieu",
    "slots_json",
    "slots_opened",
    "taken_here",
]
