from django.contrib import admin

from solidarite.territoire.backoffice import RegionScopedAdmin
from solidarite.territoire.models import (
    AgentArs,
    CodePostal,
    Commune,
    CommuneDeleguee,
    Departement,
    Epci,
    Region,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Reference data comes from the files through `load_territoire`: the back office only reads it."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ["code", "nom", "zone"]
    search_fields = ["code", "nom"]


@admin.register(Departement)
class DepartementAdmin(ReadOnlyAdmin):
    list_display = ["code", "nom", "region"]
    list_filter = ["region"]
    search_fields = ["code", "nom"]


@admin.register(Epci)
class EpciAdmin(ReadOnlyAdmin):
    list_display = ["siren", "nom", "type", "population_totale"]
    list_filter = ["type"]
    search_fields = ["siren", "nom"]


class CodePostalInline(admin.TabularInline):
    model = CodePostal
    extra = 0
    can_delete = False


@admin.register(Commune)
class CommuneAdmin(ReadOnlyAdmin):
    list_display = ["code_insee", "nom", "departement", "epci", "population"]
    list_filter = ["type", "zone", "departement__region"]
    list_select_related = ["departement", "epci"]
    search_fields = ["code_insee", "nom", "nom_normalise", "codes_postaux__code"]
    inlines = [CodePostalInline]


@admin.register(CommuneDeleguee)
class CommuneDelegueeAdmin(ReadOnlyAdmin):
    list_display = ["code_insee", "nom", "type", "commune"]
    list_filter = ["type"]
    list_select_related = ["commune"]
    search_fields = ["code_insee", "nom"]


@admin.register(AgentArs)
class AgentArsAdmin(RegionScopedAdmin, admin.ModelAdmin):
    region_paths = ("region",)
    list_display = ["user", "region"]
    list_filter = ["region"]
    list_select_related = ["user", "region"]
    search_fields = ["user__username", "user__email"]
