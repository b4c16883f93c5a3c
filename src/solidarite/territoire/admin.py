from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from solidarite.territoire.acces import is_national_admin
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


def comptes_rattachables(user: Any, current: int | None = None) -> QuerySet[User]:
    """The accounts `user` may attach to an ARS: active ones attached to none (and the row's own, `current`).
    The national admin chooses among all of them; an ARS agent only among the back-office accounts the ministry
    opened (staff, not national admins), and only by naming one by its address (`CompteParAdresse`)."""
    free = Q(is_active=True, agent_ars__isnull=True)
    if not is_national_admin(user):
        free &= Q(is_staff=True, is_superuser=False)
    return User.objects.filter(free | Q(pk=current) if current else free)


class CompteParAdresse(forms.Field):
    """The account of an ARS agent, named by its e-mail address: the one field an ARS agent has, in place of a
    list of accounts (all those of France, doctors and patients included). The same refusal whether the
    address is unknown, another kind of account's or already an agent's: it tells nothing of anyone."""

    widget = forms.EmailInput
    REFUSED = (
        "Aucun compte du back-office à rattacher n'a cette adresse : le compte de l'agent est ouvert par le "
        "ministère, avec son adresse électronique professionnelle, et n'est encore rattaché à aucune ARS."
    )

    def __init__(self, choices: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.choices = choices

    def clean(self, value: Any) -> User:
        address = str(super().clean(value) or "").strip()
        found = (
            list(self.choices.filter(email__iexact=address)[:2]) if address and len(address) <= 254 else []
        )
        if len(found) != 1:
            raise forms.ValidationError(self.REFUSED, code="invalid_choice")
        return found[0]


@admin.register(AgentArs)
class AgentArsAdmin(RegionScopedAdmin, admin.ModelAdmin):
    region_paths = ("region",)
    list_display = ["user", "region"]
    list_filter = ["region"]
    list_select_related = ["user", "region"]
    search_fields = ["user__username", "user__email"]

    def get_autocomplete_fields(self, request: HttpRequest) -> list[str]:
        """The national admin searches the accounts (ComptesAdmin, which lists only those still free); no list of
        accounts is ever drawn in the page (it had every account of France in a select)."""
        return ["user"] if is_national_admin(request.user) else []

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        user = request.user

        class AgentArsForm(form_class):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, **kw)
                if "user" not in self.fields:
                    return
                current = self.instance.user_id
                choices = comptes_rattachables(user, current)
                if is_national_admin(user):
                    self.fields["user"].queryset = choices
                    return
                self.fields["user"] = CompteParAdresse(
                    choices,
                    label="Adresse électronique du compte",
                    help_text="Le compte de l'agent, ouvert par le ministère et rattaché à aucune ARS.",
                )
                if current:
                    self.initial["user"] = self.instance.user.email

        return AgentArsForm


class ComptesAdmin(UserAdmin):
    """The accounts are the ministry's only, whatever permissions a group hands out (as config.admin does for the
    task results): an ARS agent with `view_user` read every account of France here, and through the admin's
    autocomplete of any field pointing to an account (/admin/autocomplete/ checks this admin's permissions).
    Searched for an agent's account, it lists only the accounts not yet attached to an ARS."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_national_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_national_admin(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_national_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_national_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_national_admin(request.user)

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        found, distinct = super().get_search_results(request, queryset, search_term)
        asked = request.GET
        if (asked.get("app_label"), asked.get("model_name"), asked.get("field_name")) == (
            "territoire",
            "agentars",
            "user",
        ):
            found = found.filter(pk__in=comptes_rattachables(request.user).values("pk"))
        return found, distinct


admin.site.unregister(User)
admin.site.register(User, ComptesAdmin)
