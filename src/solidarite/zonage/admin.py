"""Back office: campaigns (ministry), ARS adjustments (each ARS, its region only), official lists."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from solidarite.territoire.acces import is_national_admin
from solidarite.territoire.backoffice import RegionScopedAdmin, UserFormMixin
from solidarite.territoire.models import Epci
from solidarite.zonage import services
from solidarite.zonage.listes import resume
from solidarite.zonage.models import Ajustement, Campagne, ListeOfficielle, ResultatEpci


@admin.register(Campagne)
class CampagneAdmin(admin.ModelAdmin):
    list_display = ["version", "nom", "cree_le", "active", "zones", "population", "comparer"]
    readonly_fields = [
        "version",
        "nom",
        "cree_le",
        "cree_par",
        "parametres",
        "millesimes",
        "diagnostics",
        "resume",
        "empreinte",
        "active",
    ]
    actions = ["activer"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # campaigns are computed: python -m solidarite zonage --save

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # A campaign is national: only the ministry deletes or activates one, whatever a group's permissions (the
    # probe of 6 December: an ARS agent given every permission was offered both; decision 0006).
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_national_admin(request.user)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if not is_national_admin(request.user):
            actions.pop("activer", None)
        return actions

    @admin.display(description="zones (calcul)")
    def zones(self, obj: Campagne) -> Any:
        return obj.resume.get("zones")

    @admin.display(description="population")
    def population(self, obj: Campagne) -> Any:
        return obj.resume.get("population")

    @admin.display(description="comparaison")
    def comparer(self, obj: Campagne) -> str:
        previous = Campagne.objects.filter(version__lt=obj.version).order_by("-version").first()
        if previous is None:
            return "—"
        url = reverse("zonage:comparer_campagnes", args=[previous.pk, obj.pk])
        return format_html('<a href="{}">avec v{}</a>', url, previous.version)

    @admin.action(description="Faire de cette campagne la liste des zones actives")
    def activer(self, request: HttpRequest, queryset: QuerySet[Campagne]) -> None:
        if not request.user.is_superuser:
            raise PermissionDenied("Seul le ministère active une campagne.")
        if queryset.count() != 1:
            self.message_user(request, "Choisissez une seule campagne.", messages.ERROR)
            return
        campagne = queryset.get()
        services.activate_campaign(campagne)
        self.message_user(
            request, f"Les zones de la campagne v{campagne.version} sont désormais les zones actives."
        )


@admin.register(ResultatEpci)
class ResultatEpciAdmin(admin.ModelAdmin):
    list_display = [
        "rang",
        "epci",
        "nb_fragilites",
        "score",
        "score_fragilite",
        "selectionnee_calcul",
        "campagne",
    ]
    list_filter = ["campagne", "selectionnee_calcul", "nb_fragilites"]
    list_select_related = ["epci", "campagne"]
    search_fields = ["epci__nom", "epci__siren"]
    readonly_fields = [
        "campagne",
        "epci",
        "rang",
        "score",
        "score_fragilite",
        "nb_fragilites",
        "selectionnee_calcul",
        "rang_region",
        "ecart_seuil",
        "critere_decisif",
        "criteres",
        "explication",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AjustementForm(forms.ModelForm):
    class Meta:
        model = Ajustement
        fields = ["campagne", "epci", "action", "motif"]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if all(data.get(k) for k in ("campagne", "epci", "action")):
            try:
                self.instance.region = services.validate_adjustment(
                    data["campagne"], data["epci"], data["action"], data.get("motif", ""), self.user
                )
            except PermissionDenied as exc:
                raise ValidationError(str(exc)) from exc
            data["motif"] = services.motif_publie(data["motif"])  # as published: no zero-width character
            self.instance.auteur = self.user
        return data


@admin.register(Ajustement)
class AjustementAdmin(RegionScopedAdmin, UserFormMixin, admin.ModelAdmin):
    form = AjustementForm
    region_paths = ("region",)
    list_display = ["epci", "action", "region", "campagne", "auteur", "cree_le"]
    list_filter = ["action", "region", "campagne"]
    list_select_related = ["epci", "region", "campagne", "auteur"]
    search_fields = ["epci__nom", "epci__siren", "motif"]
    autocomplete_fields = ["epci"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # an adjustment is a dated decision: cancel it (delete) and make another


class ListeOfficielleForm(forms.ModelForm):
    fichier = forms.FileField(
        label="Fichier des EPCI, CSV ou classeur Excel .xlsx (SIREN ou noms)",
        help_text=(
            "Une colonne « siren » ou « nom » (les noms tels que le ministère ou la presse les écrivent), "
            "avec au besoin « region » ou « departement » pour départager les homonymes ; ou un SIREN ou un "
            "nom par ligne. CSV en UTF-8 ou tel qu'Excel l'enregistre ; les lignes de titre, de total ou de "
            "source sont écartées et signalées. Une ligne refusée refuse toute la liste (une formule « =… » "
            "au lieu d'un SIREN ou d'un nom aussi : collez les valeurs seules dans le classeur)."
        ),
    )

    class Meta:
        model = ListeOfficielle
        fields = ["nom", "date", "source"]

    def clean_fichier(self) -> Any:
        upload = self.cleaned_data["fichier"]
        if upload.size > 1_000_000:
            raise ValidationError("Fichier trop volumineux (1 Mo au plus).")
        self.correspondances = services.read_official_list(upload.read())
        self.sirens = [c.siren for c in self.correspondances]
        return upload


@admin.register(ListeOfficielle)
class ListeOfficielleAdmin(admin.ModelAdmin):
    form = ListeOfficielleForm
    list_display = ["nom", "date", "source", "importee_le", "nombre", "comparer"]

    # The official list is the ministry's, for all of France: each ARS may read it, only the ministry imports
    # or deletes one, whatever a group's permissions (the probe of 6 December: Occitanie's agent deleted the
    # list Auvergne-Rhône-Alpes had imported; decision 0006).
    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_national_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_national_admin(request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["nom", "date", "source", "importee_le", "importee_par"] if obj else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return (
            ["nom", "date", "source", "importee_le", "importee_par"]
            if obj
            else ["nom", "date", "source", "fichier"]
        )

    def save_model(self, request: HttpRequest, obj: ListeOfficielle, form: Any, change: bool) -> None:
        obj.importee_par = request.user
        super().save_model(
            request, obj, form, change
        )  # the admin wraps this and save_related in one transaction
        if not change:
            services.fill_official_list(obj, form.sirens)
            noms = dict(Epci.objects.filter(siren__in=form.sirens).values_list("siren", "nom"))
            for line in resume(form.correspondances, noms):  # approximate matches, lines left out
                messages.info(request, line)

    @admin.display(description="EPCI")
    def nombre(self, obj: ListeOfficielle) -> int:
        return obj.lignes.count()

    @admin.display(description="comparaison")
    def comparer(self, obj: ListeOfficielle) -> str:
        return format_html(
            '<a href="{}">avec les zones actives</a>', reverse("zonage:comparer_liste", args=[obj.pk])
        )
