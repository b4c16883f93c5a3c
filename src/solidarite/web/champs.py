"""The widgets of the fields about a person (a patient, a volunteer): each says its purpose (RGAA 11.13, WCAG
1.3.5), so that the browser can fill it in for someone who types with difficulty; a phone opens a keypad. And the
field of a count typed by hand, read in its one form (web.entrees)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from solidarite.web.entrees import COUNT_EXPECTED, parse_count


class Entier(forms.IntegerField):
    """A count typed in a form: Django's IntegerField read it with int() after dropping « .0 », so « ␣5 »,
    « +5 », « 5.0 », « 1_0 » and « ٥ » were 5 or 10 (decision 0004, point 11)."""

    default_error_messages = {"invalid": f"Saisissez {COUNT_EXPECTED}."}

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        number = parse_count(str(value))
        if number is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


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
