"""The volunteer's sign-up form (DSFR-rendered by django-dsfr's form tags), and the fields it shares with the
back office's forms (annuaire.admin): texts checked as the models' validators check them (annuaire.validateurs)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from dsfr.forms import DsfrBaseForm

from solidarite.annuaire import services
from solidarite.annuaire.models import MedecinVolontaire
from solidarite.annuaire.validateurs import NomDePersonne, Visible, phone_typed
from solidarite.annuaire.validation import InvalidValueError, normalise_rpps
from solidarite.territoire.models import Commune, Departement, normalise_nom
from solidarite.territoire.search import SearchOutcome, search_communes
from solidarite.web import champs
from solidarite.web.textes import typed

EMAIL_MAX = MedecinVolontaire._meta.get_field("email").max_length


class Ligne(forms.CharField):
    """A one-line text (a name, an address): its whitespace collapsed to single spaces and its accents composed
    (web.textes.typed) before it is checked."""

    def to_python(self, value: Any) -> str:
        return typed(super().to_python(value))


class Courriel(forms.EmailField):
    """An e-mail address, in lower case. Its invisible characters are refused, named, before Django's check,
    which reads one above U+00A0 as a letter of a domain (an address with a zero-width space, U+200B, in its
    domain was stored, while the message went to the address without it); an address longer than its column is
    refused in French (PostgreSQL refused it: a 500)."""

    default_error_messages = {
        "max_length": "L'adresse électronique compte %(show_value)d caractères, %(limit_value)d au plus : "
        "vérifiez-la, ou indiquez une adresse plus courte."
    }

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).lower()

    def validate(self, value: Any) -> None:
        super().validate(value)
        Visible("email")(value)


def _not_found(outcome: SearchOutcome) -> str:
    """The search's message, and what it proposes instead (« Vouliez-vous dire : 15200 Mauriac, 33540 Mauriac ? »)."""
    proposed = [f"{s.postcode} {s.commune.nom}".strip() for s in outcome.suggestions] + [
        f"{p.code} ({p.largest})" for p in outcome.postcode_suggestions
    ]
    message = outcome.message or "Commune introuvable."
    return f"{message} Vouliez-vous dire : {', '.join(proposed)} ?" if proposed else message


class InscriptionForm(DsfrBaseForm):
    rpps = forms.CharField(label="Numéro RPPS", max_length=20, help_text="11 chiffres, sur votre carte CPS.")
    prenom = Ligne(
        label="Prénom", max_length=100, widget=champs.prenom(), validators=[NomDePersonne("prenom")]
    )
    nom = Ligne(label="Nom", max_length=100, widget=champs.nom(), validators=[NomDePersonne("nom")])
    email = Courriel(
        label="Adresse électronique",
        max_length=EMAIL_MAX,
        help_text="Format attendu : nom@domaine.fr",
        widget=champs.email(),
    )
    telephone = forms.CharField(
        label="Téléphone", max_length=20, help_text="Par exemple 06 12 34 56 78.", widget=champs.telephone()
    )
    commune = forms.CharField(
        label="Commune de résidence",
        max_length=80,
        help_text="Code postal et nom, par exemple 15200 Mauriac.",
    )
    mode_exercice = forms.ChoiceField(label="Mode d'exercice", choices=MedecinVolontaire.ModeExercice.choices)
    cdom = forms.ModelChoiceField(
        label="Conseil départemental de l'Ordre (CDOM)",
        queryset=Departement.objects.order_by("code"),
        empty_label="Choisir",
    )
    jours_max_par_mois = champs.Entier(
        label="Jours de mission par mois au plus", min_value=1, initial=services.national_max_days
    )
    rotation = forms.ChoiceField(label="Rythme souhaité", choices=MedecinVolontaire.Rotation.choices)
    trajet_max_minutes = champs.Entier(
        label="Temps de trajet maximal (minutes)", min_value=10, max_value=600, initial=60
    )
    consentement = forms.BooleanField(
        label="J'accepte que ces informations soient transmises à l'ARS et à l'Ordre pour traiter mon inscription."
    )

    def clean_rpps(self) -> str:
        try:
            rpps = normalise_rpps(self.cleaned_data["rpps"])
        except InvalidValueError as exc:
            raise ValidationError(str(exc)) from None
        # Not checked against the registrations: services.register tells the one holding it (decision 0006).
        return rpps

    def clean_telephone(self) -> str:
        return phone_typed(self.cleaned_data["telephone"])

    def clean_commune(self) -> Commune:
        """« 15200 Mauriac », « Mauriac » or « 15200 » (when the postcode has a single commune)."""
        Visible("commune")(self.cleaned_data["commune"])
        raw = " ".join(self.cleaned_data["commune"].split())
        postcode = next((token for token in raw.split() if token.isdigit() and len(token) == 5), "")
        name = " ".join(token for token in raw.split() if token != postcode)
        if postcode and name:
            wanted = normalise_nom(name)
            matches = [
                m.commune for m in search_communes(postcode).matches if m.commune.nom_normalise == wanted
            ]
            if len(matches) == 1:
                return matches[0]
        outcome = search_communes(name or postcode)
        matches = [m.commune for m in outcome.matches]
        exact = [c for c in matches if c.nom_normalise == normalise_nom(name)] if name else []
        if postcode and name:
            exact = [c for c in exact if c.codes_postaux.filter(code=postcode).exists()]
        if len(exact) == 1:
            return exact[0]
        if (
            len(matches) == 1 and not outcome.postcode_suggestions
        ):  # « 15020 »: Beaulieu's INSEE code, or 15200?
            return matches[0]
        if not matches or outcome.postcode_suggestions:
            raise ValidationError(_not_found(outcome))
        suggestions = ", ".join(f"{c.codes_postaux.order_by('code').first()} {c.nom}" for c in matches[:5])
        raise ValidationError(
            f"Plusieurs communes correspondent : {suggestions}… Saisissez le code postal et le nom."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("jours_max_par_mois") and data.get("rotation"):
            try:
                services.check_days_and_rotation(data["jours_max_par_mois"], data["rotation"])
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field, errors)
        return data
