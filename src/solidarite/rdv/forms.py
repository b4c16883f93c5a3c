"""The patient's booking form (DSFR): the minimum needed to confirm and remind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from solidarite.rdv.attente import clean_entry
from solidarite.rdv.patients import CONTACT, CONTACT_FIELDS, clean_patient
from solidarite.web import champs

# A birth date with its year in full only: the French formats' two-digit year (« 17/05/25 ») is read as 2025,
# a patient born in 1925 booked as a one-year-old. Slashes, dashes, dots or spaces between the parts, and ISO.
BIRTH_DATE_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %m %Y", "%Y-%m-%d"]
FIRST_BIRTH_DATE = dt.date(1900, 1, 1)  # as rdv.patients.clean_patient


@dataclass(frozen=True)
class RefusedGroup:
    """Fields refused together, for the error summary (_resume_erreurs.html): its line links to the first one."""

    legend: str
    first: str  # the name of its first field
    errors: list[str]


class _ContactForm(DsfrBaseForm):
    """A phone and an e-mail, asked together in one fieldset (« Comment vous prévenir ? », rdv/_contact.html):
    when neither is given, the refusal is the fieldset's (DSFR: `fr-fieldset--error`, its message in the
    fieldset's messages, which name the group with its legend), said once, linked from the error summary, and
    both inputs are marked invalid. It was said under the phone alone, and a patient who meant to give only an
    e-mail read that a phone was wanted. A phone or an e-mail that reads as none is refused under its field."""

    contact_legend = "Comment vous prévenir ?"
    contact_hint = "Un téléphone ou une adresse électronique : au moins l'un des deux."

    @property
    def contact_errors(self) -> list[str]:
        return list(self.errors.get(CONTACT, []))

    @property
    def error_groups(self) -> list[RefusedGroup]:
        errors = self.contact_errors
        return [RefusedGroup(self.contact_legend, CONTACT_FIELDS[0], errors)] if errors else []

    def refuse_contact(self, messages: list[str]) -> None:
        """Neither a phone nor an e-mail: unless the form refused one of them already (a phone too long for the
        field reaches the rules as none given)."""
        if CONTACT in self.errors or any(field in self.errors for field in CONTACT_FIELDS):
            return
        self.errors[CONTACT] = self.error_class(messages)
        for field in CONTACT_FIELDS:
            self.fields[field].widget.attrs["aria-invalid"] = "true"


def refuse(form: _ContactForm, exc: ValidationError) -> None:
    """The refusals of the booking's rules, each on its field unless the form already refused that field, the
    missing contact on the fieldset of the phone and the e-mail, the others to the form as a whole."""
    by_field = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.error_list}
    for field, errors in by_field.items():
        messages = [message for error in errors for message in error.messages]
        if field == CONTACT:
            form.refuse_contact(messages)
        elif field not in form.fields:
            form.add_error(None, messages)
        elif field not in form.errors:
            form.add_error(field, messages)


def _rules_into(form: _ContactForm, check: Callable[[dict[str, Any]], object]) -> None:
    """The booking's own rules (`check`: a phone or an e-mail, a phone that reads as one, a period the waitlist
    can serve), applied to what the form's fields read (`refuse`): every error of the form on the first submit,
    next to its field. They were checked only once the form's own fields passed, and a patient with no contact
    and a date typed wrong learned that a phone or an e-mail was needed on the second submit."""
    try:
        check(dict(form.cleaned_data))
    except ValidationError as exc:
        refuse(form, exc)


class ReservationForm(_ContactForm):
    prenom = forms.CharField(label="Prénom", max_length=100, widget=champs.prenom())
    nom = forms.CharField(label="Nom", max_length=100, widget=champs.nom())
    date_naissance = forms.DateField(
        widget=champs.date_naissance(),
        label="Date de naissance",
        help_text="Format : JJ/MM/AAAA, par exemple 17/05/1948.",
        input_formats=BIRTH_DATE_FORMATS,
        error_messages={
            "invalid": "Date de naissance illisible ou impossible : saisissez le jour, le mois et l'année "
            "en 4 chiffres, par exemple 17/05/1948."
        },
    )
    telephone = forms.CharField(
        widget=champs.telephone(),
        label="Téléphone",
        max_length=20,
        required=False,
        help_text="Un portable reçoit le SMS de confirmation et les rappels ; un téléphone fixe, aucun message.",
    )
    email = forms.CharField(
        widget=champs.email(),
        label="Adresse électronique",
        max_length=200,
        required=False,
        help_text="Facultative si vous donnez un téléphone.",
    )
    medecin_traitant = forms.CharField(label="Médecin traitant (facultatif)", max_length=200, required=False)
    motif = forms.CharField(
        label="Motif (facultatif)",
        max_length=300,
        required=False,
        help_text="Ne donnez que ce qui aide à préparer la consultation.",
    )

    def clean_date_naissance(self) -> dt.date:
        """In the form's own format (the booking's message speaks the API's, AAAA-MM-JJ)."""
        born: dt.date = self.cleaned_data["date_naissance"]
        if not FIRST_BIRTH_DATE <= born <= timezone.localdate():
            raise forms.ValidationError(
                "Date de naissance impossible : entre le 01/01/1900 et aujourd'hui, par exemple 17/05/1948."
            )
        return born

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _rules_into(self, clean_patient)
        return cleaned


class AttenteForm(_ContactForm):
    prenom = forms.CharField(label="Prénom", max_length=100, widget=champs.prenom())
    nom = forms.CharField(label="Nom", max_length=100, widget=champs.nom())
    telephone = forms.CharField(
        widget=champs.telephone(),
        label="Téléphone",
        max_length=20,
        required=False,
        help_text="Un portable, pour être prévenu par SMS (un téléphone fixe ne reçoit pas de SMS).",
    )
    email = forms.CharField(
        widget=champs.email(),
        label="Adresse électronique",
        max_length=200,
        required=False,
        help_text="Facultative si vous donnez un téléphone.",
    )
    du = forms.DateField(
        label="À partir du",
        help_text="Format : JJ/MM/AAAA.",
        input_formats=BIRTH_DATE_FORMATS,
        error_messages={
            "invalid": "Date de début illisible ou impossible : saisissez par exemple 15/01/2027."
        },
    )
    au = forms.DateField(
        label="Jusqu'au",
        help_text="Format : JJ/MM/AAAA.",
        input_formats=BIRTH_DATE_FORMATS,
        error_messages={"invalid": "Date de fin illisible ou impossible : saisissez par exemple 31/01/2027."},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _rules_into(self, clean_entry)
        return cleaned
