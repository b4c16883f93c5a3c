"""Back office of the ARS: consultation hours of their lieux, and the record of messages (no patient data)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from solidarite.rdv.models import HorairesConsultation, Message
from solidarite.territoire import acces
from solidarite.territoire.backoffice import RegionScopedAdmin


@admin.register(HorairesConsultation)
class HorairesConsultationAdmin(RegionScopedAdmin, admin.ModelAdmin):
    region_paths = ("lieu__commune__departement__region",)
    list_display = ["lieu", "matin_debut", "matin_fin", "apres_midi_debut", "apres_midi_fin", "duree_minutes"]
    list_select_related = ["lieu__commune"]
    search_fields = ["lieu__nom"]
    autocomplete_fields = ["lieu"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "lieu":
            field.queryset = acces.scope(request.user, field.queryset, "commune__departement__region")
        return field


@admin.register(Message)
class MessageAdmin(RegionScopedAdmin, admin.ModelAdmin):
    """Who was messaged (appointment or waitlist number), what, when, and how it went: read only."""

    region_paths = (
        "rendez_vous__lieu__commune__departement__region",
        "inscription__lieu__commune__departement__region",
    )

    list_display = [
        "pk",
        "nature",
        "canal",
        "statut",
        "prevu_le",
        "envoye_le",
        "tentatives",
        "rendez_vous_id",
    ]
    list_filter = ["nature", "canal", "statut"]
    date_hierarchy = "prevu_le"
    fields = [*list_display[1:], "inscription_id", "cle", "erreur"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
