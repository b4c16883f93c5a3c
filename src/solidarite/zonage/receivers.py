"""What zonage answers the contexts below it, which do not import it: connected in ZonageConfig.ready()."""

from __future__ import annotations

from django.urls import reverse

from solidarite.territoire.models import Commune
from solidarite.territoire.signals import CommuneSection, commune_page
from solidarite.zonage import services


def commune_section(sender: object, commune: Commune, **kwargs: object) -> CommuneSection | None:
    """Whether the commune's EPCI (its city's, for a municipal arrondissement) is a zone rouge of the active
    campaign, with the way to its zonage page; nothing when it has none, or no campaign is active."""
    epci = commune.epci or (commune.commune_parente.epci if commune.commune_parente else None)
    status = services.zone_rouge(epci) if epci else None
    if epci is None or status is None:
        return None
    url = reverse("zonage:epci", args=[epci.siren])
    if status[1]:
        return CommuneSection(
            20,
            "Zone rouge",
            f"{commune.nom} fait partie de l'intercommunalité {epci.nom}, une des « zones rouges » du dispositif : "
            "les territoires où l'accès à un médecin est le plus difficile, où les médecins volontaires viennent "
            "consulter en priorité.",
            url,
            f"Pourquoi {epci.nom} est une zone rouge",
        )
    return CommuneSection(
        20,
        "Hors zone rouge",
        f"{commune.nom} fait partie de l'intercommunalité {epci.nom}, qui n'est pas une des « zones rouges » du "
        "dispositif. Les lieux de consultation des médecins volontaires se trouvent dans les zones rouges.",
        url,
        f"Le zonage de {epci.nom} en détail",
    )


def connect() -> None:
    """Connects the receivers, once (dispatch_uid)."""
    commune_page.connect(commune_section, dispatch_uid="zonage.commune_page")
