"""What indemnisation does when a context below it announces an event (ARCHITECTURE.md: it imports them, never the
other way round)."""

from typing import Any

from django.db.models import Q
from django.dispatch import receiver

from solidarite.indemnisation.models import EtapeReleve, JourRealise, LigneReleve, Releve
from solidarite.planning.signals import demo_reset


@receiver(demo_reset, dispatch_uid="indemnisation_demo_reset")
def demo_data_reset(sender: Any, **kwargs: Any) -> None:
    """`demo --reset`: the realised days and statements of demonstration doctors or lieux go first, children before
    parents (their links to missions and doctors are PROTECT), in the reset's transaction. The monthly runs
    (CalculMois) hold counts only, no link to a doctor or a mission: they stay."""
    demo = Q(mission__medecin__demonstration=True) | Q(mission__lieu__demonstration=True)
    releves = Releve.objects.filter(
        Q(medecin__demonstration=True) | Q(pk__in=LigneReleve.objects.filter(demo).values("releve"))
    )
    EtapeReleve.objects.filter(releve__in=releves).delete()
    LigneReleve.objects.filter(Q(releve__in=releves) | demo).delete()
    releves.delete()
    JourRealise.objects.filter(demo).delete()
