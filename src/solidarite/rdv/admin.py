"""Back office of the ARS: consultation hours of their lieux, and the record of messages (no patient data)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

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
    """Who was messaged (appointment or waitlist number), what, when, and how it went: read only, for everyone
    (no change, no deletion: the record of what was sent). Labels in French, « — » for nothing."""

    region_paths = (
        "rendez_vous__lieu__commune__departement__region",
        "inscription__lieu__commune__departement__region",
    )
    # Django wrote « None » for a message without a waitlist entry: its change page shows what a method returns,
    # None included (only the change list writes empty_value_display for it), so the methods return the dash.
    empty_value_display = "—"

    list_display = [
        "numero",
        "nature",
        "canal",
        "statut",
        "prevu_le",
        "envoye_le",
        "tentatives",
        "rendez_vous_numero",
        "inscription_numero",
    ]
    list_select_related = ["rendez_vous__lieu__commune", "inscription__lieu__commune"]
    list_filter = ["nature", "canal", "statut"]
    date_hierarchy = "prevu_le"
    fields = [*list_display[1:], "lieu", "cle", "erreur"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        return super().get_queryset(request).select_related(*self.list_select_related)

    @admin.display(description="n°", ordering="pk")
    def numero(self, obj: Message) -> int:
        return obj.pk

    @admin.display(description="rendez-vous", ordering="rendez_vous_id")
    def rendez_vous_numero(self, obj: Message) -> str:
        """The appointment's number and time (the lieu's), no patient data; « — » for a waitlist message."""
        rdv = obj.rendez_vous
        if rdv is None:
            return self.empty_value_display
        return f"n° {rdv.pk}, le {timezone.localtime(rdv.debut, rdv.lieu.fuseau):%d/%m/%Y à %H:%M}"

    @admin.display(description="inscription en liste d'attente", ordering="inscription_id")
    def inscription_numero(self, obj: Message) -> str:
        entry = obj.inscription
        if entry is None:
            return self.empty_value_display
        return f"n° {entry.pk}, du {entry.du:%d/%m/%Y} au {entry.au:%d/%m/%Y}"

    @admin.display(description="lieu")
    def lieu(self, obj: Message) -> str:
        """The lieu of the appointment or of the waitlist entry, as a link to its page of the back office."""
        target = obj.rendez_vous or obj.inscription
        if target is None:
            return self.empty_value_display
        url = reverse("admin:annuaire_lieusolidaire_change", args=[target.lieu_id])
        return format_html('<a href="{}">{}</a>', url, target.lieu.nom)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
