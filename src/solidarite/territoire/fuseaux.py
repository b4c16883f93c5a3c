"""The legal time of a commune: Paris, or that of its overseas territory. Pure: no Django.

A lieu solidaire consults at its own hours: 8 h 30 in Mamoudzou is 8 h 30 in Mayotte, not in Paris. Its slots,
the times shown to its patients, their reminders and the times exported to other software (API, FHIR) are
written in the time zone of its commune (decision 0023); the platform's own clock stays Europe/Paris.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

PARIS = "Europe/Paris"

# Département (or collectivité) code, the first three characters of the commune's INSEE code -> IANA time zone.
OUTRE_MER = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy",
    "978": "America/Marigot",
}


def nom_fuseau(code_commune: str) -> str:
    """The IANA name of the time zone of a commune, from its INSEE code (metropolitan France and Corse: Paris)."""
    return OUTRE_MER.get((code_commune or "")[:3], PARIS)


def fuseau(code_commune: str) -> ZoneInfo:
    """The time zone of a commune, from its INSEE code. ZoneInfo keeps one instance per name: the same object
    for every commune of a territory (the caches of slots are keyed by it)."""
    return ZoneInfo(nom_fuseau(code_commune))
