"""The patient's booking form (DSFR): the minimum needed to confirm and remind."""

from __future__ import annotations

from django import forms
from dsfr.forms import DsfrBaseForm


class ReservationForm(DsfrBaseForm):
    prenom = forms.CharField(label="Prénom", max_length=100)
    nom = forms.CharField(label="Nom", max_length=100)
    date_naissance = forms.DateField(
        label="Date de naissance", help_text="Format : JJ/MM/AAAA, par exemple 17/05/1948."
    )
    telephone = forms.CharField(
        label="Téléphone",
        max_length=20,
        required=False,
        help_text="Pour le SMS de confirmation et les rappels.",
    )
    email = forms.CharField(
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


class AttenteForm(DsfrBaseForm):
    prenom = forms.CharField(label="Prénom", max_length=100)
    nom = forms.CharField(label="Nom", max_length=100)
    telephone = forms.CharField(
        label="Téléphone", max_length=20, required=False, help_text="Pour être prévenu par SMS."
    )
    email = forms.CharField(
        label="Adresse électronique",
        max_length=200,
        required=False,
        help_text="Facultative si vous donnez un téléphone.",
    )
    du = forms.DateField(label="À partir du", help_text="Format : JJ/MM/AAAA.")
    au = forms.DateField(label="Jusqu'au", help_text="Format : JJ/MM/AAAA.")
