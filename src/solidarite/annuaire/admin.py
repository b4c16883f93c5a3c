"""Back office of the ARS: volunteers of their region (validation), lieux solidaires of their region."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from solidarite.annuaire import services
from solidarite.annuaire.forms import Courriel, Ligne
from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire, ReferentLieu, TransitionStatut
from solidarite.annuaire.validateurs import phone_typed, rpps_typed
from solidarite.territoire import acces
from solidarite.territoire.backoffice import RegionScopedAdmin, UserFormMixin


class TransitionInline(admin.TabularInline):
    model = TransitionStatut
    extra = 0
    can_delete = False
    readonly_fields = ["de", "vers", "le", "par", "commentaire"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _transition_action(vers: str, label: str):  # type: ignore[no-untyped-def]
    @admin.action(description=label)
    def action(
        modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[MedecinVolontaire]
    ) -> None:
        done = 0
        for medecin in queryset.select_related("cdom__region"):
            try:
                services.change_status(medecin, vers, request.user)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                modeladmin.message_user(request, f"{medecin} : {text}", messages.ERROR)
        if done:
            modeladmin.message_user(
                request, f"{done} médecin(s) : « {MedecinVolontaire.Statut(vers).label} »."
            )

    action.__name__ = f"vers_{vers}"
    return action


class MedecinForm(forms.ModelForm):
    """The volunteer's back-office form: names, e-mail and phone read as the sign-up reads them (the models'
    validators check them as it does), the phone written in E.164 form."""

    class Meta:
        model = MedecinVolontaire
        fields = [
            "nom",
            "prenom",
            "email",
            "telephone",
            "commune",
            "mode_exercice",
            "cdom",
            "numero_am_mission",
            "cps_statut",
            "cps_date",
            "jours_max_par_mois",
            "rotation",
            "trajet_max_minutes",
        ]
        field_classes = {"nom": Ligne, "prenom": Ligne, "email": Courriel, "numero_am_mission": Ligne}

    def clean_telephone(self) -> str:
        return phone_typed(self.cleaned_data["telephone"])


@admin.register(MedecinVolontaire)
class MedecinVolontaireAdmin(RegionScopedAdmin, admin.ModelAdmin):
    form = MedecinForm
    region_paths = ("cdom__region",)
    list_display = [
        "nom",
        "prenom",
        "rpps",
        "statut",
        "cdom",
        "commune",
        "jours_max_par_mois",
        "rotation",
        "demonstration",
    ]
    list_filter = ["statut", "mode_exercice", "rotation", "cps_statut", "demonstration", "cdom__region"]
    list_select_related = ["cdom", "commune"]
    search_fields = ["nom", "prenom", "rpps", "email"]
    # 35,000 communes: searched as one types, never a list sent whole (9 s per page before).
    autocomplete_fields = ["commune"]
    readonly_fields = ["rpps", "statut", "cree_le", "demonstration", "liens_personnels"]
    exclude = ["compte", "lieux_preferes"]
    inlines = [TransitionInline]
    actions = [
        _transition_action(MedecinVolontaire.Statut.DOSSIER_COMPLET, "Marquer le dossier complet"),
        _transition_action(MedecinVolontaire.Statut.VALIDE, "Valider (ARS)"),
        _transition_action(MedecinVolontaire.Statut.ACTIF, "Activer"),
        _transition_action(MedecinVolontaire.Statut.SUSPENDU, "Suspendre"),
        "revoquer_agenda",
    ]

    @admin.display(description="pages personnelles du médecin")
    def liens_personnels(self, obj: MedecinVolontaire) -> str:
        """Where the volunteer signs in; the feed's state, never its secret address (decision 0006)."""
        links = services.personal_links(obj)
        if obj.jeton_calendrier_revoque_le:
            feed = f"agenda révoqué le {obj.jeton_calendrier_revoque_le:%d/%m/%Y}"
        else:
            feed = f"agenda émis le {obj.jeton_calendrier_emis_le:%d/%m/%Y}"
        return format_html("après connexion : {} · {} — {}", links["disponibilites"], links["missions"], feed)

    @admin.action(description="Révoquer l'adresse d'agenda (le médecin en créera une nouvelle)")
    def revoquer_agenda(self, request: HttpRequest, queryset: QuerySet[MedecinVolontaire]) -> None:
        done = 0
        for medecin in queryset.select_related("cdom__region"):
            try:
                services.revoke_feed_token(medecin, request.user)
                done += 1
            except PermissionDenied as exc:
                self.message_user(request, f"{medecin} : {exc}", messages.ERROR)
        if done:
            self.message_user(request, f"{done} adresse(s) d'agenda révoquée(s) : elles ne répondent plus.")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # volunteers sign up themselves (/medecins/inscription/)


class LieuForm(forms.ModelForm):
    class Meta:
        model = LieuSolidaire
        fields = [
            "nom",
            "epci",
            "commune",
            "adresse",
            "latitude",
            "longitude",
            "type",
            "salles",
            "equipements",
            "logiciel_metier",
            "compatible_dmp",
            "secretariat",
            "hebergement",
            "referent_nom",
            "referent_telephone",
            "referent_email",
            "jours_ouverture",
            "horaires",
            "accessibilite",
            "actif",
        ]
        field_classes = {
            "nom": Ligne,
            "adresse": Ligne,
            "logiciel_metier": Ligne,
            "referent_nom": Ligne,
            "referent_email": Courriel,
            "horaires": Ligne,
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_referent_telephone(self) -> str:
        return phone_typed(self.cleaned_data["referent_telephone"], "referent_telephone")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Coordinates, rooms and opening days: the model's validators and LieuSolidaire.clean (full_clean).
        if data.get("epci") and data.get("commune"):
            candidate = LieuSolidaire(epci=data["epci"], commune=data["commune"])
            services.check_lieu(candidate, self.user)
        return data


@admin.register(LieuSolidaire)
class LieuSolidaireAdmin(RegionScopedAdmin, UserFormMixin, admin.ModelAdmin):
    form = LieuForm
    region_paths = ("commune__departement__region",)
    list_display = ["nom", "commune", "epci", "type", "salles", "compatible_dmp", "actif", "demonstration"]
    list_filter = [
        "type",
        "actif",
        "compatible_dmp",
        "secretariat",
        "demonstration",
        "commune__departement__region",
    ]
    list_select_related = ["commune", "epci"]
    search_fields = ["nom", "commune__nom", "epci__nom"]
    autocomplete_fields = ["commune", "epci"]


class ReferentForm(forms.ModelForm):
    """A lieu's référent: RPPS, names and e-mail read as the volunteers' sign-up reads them. The RPPS alone
    grants the référent's role at the Pro Santé Connect login (connexion.comptes): 11 digits and their key."""

    # Typed with spaces too (« 100 0000 0017 »), as on the CPS card; stored as 11 digits.
    rpps = forms.CharField(label="numéro RPPS", max_length=20, help_text="11 chiffres, sur la carte CPS.")

    class Meta:
        model = ReferentLieu
        fields = ["lieu", "rpps", "nom", "prenom", "email", "actif"]
        field_classes = {"nom": Ligne, "prenom": Ligne, "email": Courriel}

    def clean_rpps(self) -> str:
        return rpps_typed(self.cleaned_data["rpps"])


@admin.register(ReferentLieu)
class ReferentLieuAdmin(RegionScopedAdmin, admin.ModelAdmin):
    """The ARS names the référents of its lieux; their account is attached at their first Pro Santé Connect
    login (matched by RPPS)."""

    form = ReferentForm
    region_paths = ("lieu__commune__departement__region",)
    list_display = ["nom", "prenom", "rpps", "lieu", "actif", "compte"]
    list_filter = ["actif"]
    list_select_related = ["lieu__commune", "compte"]
    search_fields = ["nom", "prenom", "rpps", "lieu__nom"]
    autocomplete_fields = ["lieu"]
    readonly_fields = ["compte", "cree_le"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "lieu":
            field.queryset = acces.scope(request.user, field.queryset, "commune__departement__region")
        return field
