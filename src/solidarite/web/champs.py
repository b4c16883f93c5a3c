"""The widgets of the fields about a person (a patient, a volunteer): each says its purpose (RGAA 11.13, WCAG
1.3.5), so that the browser can fill it in for someone who types with difficulty; a phone opens a keypad."""

from __future__ import annotations

from django import forms


class TelInput(forms.TextInput):
    input_type = "tel"  # a phone's keypad on a mobile


def prenom() -> forms.TextInput:
    return forms.TextInput(attrs={"autocomplete": "given-name"})


def nom() -> forms.TextInput:
    return forms.TextInput(attrs={"autocomplete": "family-name"})


def telephone() -> TelInput:
    return TelInput(attrs={"autocomplete": "tel"})


def email() -> forms.EmailInput:
    return forms.EmailInput(attrs={"autocomplete": "email"})


def date_naissance() -> forms.DateInput:
    return forms.DateInput(attrs={"autocomplete": "bday"})
