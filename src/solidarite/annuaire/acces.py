"""The volunteer doctor and the lieu référent, on top of the region rule (territoire.acces).

A validated volunteer (« validé » or « actif ») signed in with their account sees their own missions; a lieu
référent, the lieu(x) they answer for. Suspended volunteers and inactive référents see nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire, ReferentLieu
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
        raise acces.HorsPerimetre(NOT_A_VOLUNTEER)
    return medecin


def referent_lieu_ids(user: Any) -> set[int]:
    """The lieux this account answers for (active référent rows)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(ReferentLieu.objects.filter(compte_id=user.pk, actif=True).values_list("lieu_id", flat=True))


def lieux_for(user: Any) -> QuerySet[LieuSolidaire]:
    """Lieux the user manages: every one (national admin), their region's (ARS), their own (référent)."""
    rows = LieuSolidaire.objects.all()
    if acces.is_national_admin(user) or acces.ars_region(user) is not None:
        return acces.scope(user, rows, "commune__departement__region")
    return rows.filter(pk__in=referent_lieu_ids(user))


def medecins_for(user: Any) -> QuerySet[MedecinVolontaire]:
    """Volunteers the user manages: every one (national admin), those of their region's CDOM (ARS)."""
    return acces.scope(user, MedecinVolontaire.objects.all(), "cdom__region")
