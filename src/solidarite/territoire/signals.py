"""What territoire asks the contexts above it, without importing them (ARCHITECTURE.md)."""

from __future__ import annotations

from dataclasses import dataclass

from django.dispatch import Signal

from solidarite.territoire.models import Commune


@dataclass(frozen=True)
class CommuneSection:
    """A part of a commune's page written by a context above territoire: a title, a sentence, a link."""

    order: int  # the page shows its sections by it: what a patient came for first
    title: str
    text: str
    link_url: str = ""  # none: the sentence says it all
    link_text: str = ""  # explicit out of its sentence (RGAA 6.1): « Prendre rendez-vous près de Mauriac »
    primary: bool = False  # the page's main action: a button rather than a link


# sender=Commune, commune=<Commune>: what a context above has to say on the commune's page, for the patient who
# found their commune; a receiver answers a CommuneSection, or None. rdv answers where to book near it, zonage
# whether its EPCI is a zone rouge of the active campaign. territoire imports neither.
commune_page = Signal()


def commune_sections(commune: Commune) -> list[CommuneSection]:
    answers = commune_page.send(sender=Commune, commune=commune)
    return sorted((answer for _, answer in answers if answer is not None), key=lambda section: section.order)
