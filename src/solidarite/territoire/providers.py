"""The travel-time provider chosen in the settings (`SOLIDARITE_TRAVEL_PROVIDER`, `SOLIDARITE_OSRM_URL`)."""

from __future__ import annotations

from django.conf import settings

from solidarite.territoire.travel import (
    CrowFlyProvider,
    OsrmTableProvider,
    TravelProvider,
)


def provider_from_settings() -> TravelProvider:
    if settings.SOLIDARITE_TRAVEL_PROVIDER == "osrm":
        return OsrmTableProvider(settings.SOLIDARITE_OSRM_URL)
    return CrowFlyProvider()
