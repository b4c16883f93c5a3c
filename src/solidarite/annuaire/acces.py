"""The volunteer doctor and the lieu référent, on top of the region rule (territoire.acces).

A validated volunteer (« validé » or « actif ») signed in with their account sees their own missions; a lieu
référent, the lieu(x) they answer for. Suspended volunteers and inactive référents see nothing.
"""

from __future__ import annotations

from typing import Any

from solidarite.annuaire.models import MedecinVolontaire, ReferentLieu
from solidarite.territoire import acces

VALIDATED = (MedecinVolontaire.Statut.VALIDE, MedecinVolontaire.Statut.ACTIF)
NOT_A_VOLUNTEER = (
    "Cette page est réservée aux médecins volontaires validés par leur ARS. "
    "Connectez-vous avec le compte rattaché à votre inscription."
)


def validated_medecin(user: Any) -> MedecinVolontaire | None:
    """The volunteer attached to this account, if the ARS validated them; None otherwise."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        MedecinVolontaire.objects.select_related("commune", "cdom__region")
        .filter(compte_id=user.pk, statut__in=VALIDATED)
        .first()
    )


def medecin_or_404(user: Any) -> MedecinVolontaire:
    medecin = validated_medecin(user)
    if medecin is None:
        raise acces.OutOfScopeError(NOT_A_VOLUNTEER)
    return medecin


def referent_lieu_ids(user: Any) -> set[int]:
    """The lieux this account answers for (active référent rows)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(ReferentLieu.objects.filter(compte_id=user.pk, actif=True).values_list("lieu_id", flat=True))
