"""Back office of the ARS: consultation hours of their lieux, and the record of messages (no patient data)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from solidarite.rdv.models import HorairesConsultation, Message
from solidarite.territoire.backoffice import region_scoped


@admin.register(HorairesConsultation)
class HorairesConsultationAdmin(admin.ModelAdmin):
    list_display = ["lieu", "matin_debut", "matin_fin", "apres_midi_debut", "apres_midi_fin", "duree_minutes"]
    list_select_related = ["lieu__commune"]
    search_fields = ["lieu__nom"]
    autocomplete_fields = ["lieu"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[HorairesConsultation]:
        return region_scoped(request, super().get_queryset(request), "lieu__commune__departement__region")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "lieu":
            field.queryset = region_scoped(request, field.queryset, "commune__departement__region")
        return field


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Who was messaged (appointment or waitlist number), what, when, and how it went: read only."""

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

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        scoped = super().get_queryset(request)
        if request.user.is_superuser:
            return scoped
        agent = getattr(request.user, "agent_ars", None)
        if agent is None:
            return scoped.none()
        return scoped.filter(rendez_vous__lieu__commune__departement__region=agent.region) | scoped.filter(
            inscription__lieu__commune__departement__region=agent.region
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
