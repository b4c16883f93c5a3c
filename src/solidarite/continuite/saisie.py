"""What the doctor types at the consultation, checked before anything is written: the identity (INS traits and
status), the handover and its exams, the médecin traitant. Each free-text field by its own model field, through
a ModelForm of just those fields (length, e-mail address, no NUL character: the limits are the columns', never
repeated here), then the rules of the context (INS, dates within bounds). Errors are one ValidationError with a
French message per field, naming it; the services raise it before their transaction opens."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from solidarite.annuaire.validation import luhn_ok
from solidarite.continuite import ins
from solidarite.continuite.models import (
    MedecinTraitant,
    NatureExamen,
    Patient,
    ResultatAttendu,
    StatutIdentite,
    Suivi,
    Transmission,
)
from solidarite.web.textes import RETYPE_NAME, invisible_refusal, letter_refusal

# The earliest birth date taken, as the booking does (rdv.patients): an older one is a typing error.
NE_AU_PLUS_TOT = dt.date(1900, 1, 1)


# --- The fields' own rules, from the model ------------------------------------------------------------------

EMAIL_INVALIDE = "Adresse électronique invalide : vérifiez-la (forme attendue : nom@domaine.fr)."


@functools.cache
def _form_for(model: type[models.Model], fields: tuple[str, ...]) -> type[forms.ModelForm]:  # type: ignore[type-arg]
    emails = [f for f in fields if isinstance(model._meta.get_field(f), models.EmailField)]
    return forms.modelform_factory(
        model, fields=fields, error_messages={f: {"invalid": EMAIL_INVALIDE} for f in emails}
    )


def field_errors(model: type[models.Model], values: dict[str, str], row: str = "") -> dict[str, str]:
    """The model's own rules for the filled-in `values` (length, e-mail address, no NUL character), through a
    ModelForm of just those fields: the limits are the columns', never repeated here. One French message per
    refused field, naming it (or `row`, an exam's line). Blank values are left to the callers' own checks."""
    filled = {k: v for k, v in values.items() if v.strip()}
    form = _form_for(model, tuple(filled))(data=filled)
    errors: dict[str, str] = {}
    for name, messages in form.errors.items():
        text = " ".join(messages)
        if not text.startswith(EMAIL_INVALIDE):  # that message names the field itself
            where = row or str(form.fields[name].label if name in form.fields else "")
            text = f"{where} : {text[0].lower()}{text[1:]}" if where else text
        errors[name] = text
    return errors


RETYPE = "retapez-le sans ce caractère"


def text_errors(
    model: type[models.Model], values: dict[str, str], lines: tuple[str, ...] = ()
) -> dict[str, str]:
    """The French refusal, naming the field, of each of `values` holding an invisible or control character or a
    lone surrogate (web.textes): a right-to-left override reversed what the next doctor read after it, a vertical
    tab made the FHIR document's text invalid. The fields in `lines` are multi-line (tabs and line breaks kept)."""
    errors: dict[str, str] = {}
    for name, value in values.items():
        label = str(model._meta.get_field(name).verbose_name)
        label = label[0].upper() + label[1:]
        if refusal := invisible_refusal(f"« {label} »", RETYPE, value, lines=name in lines):
            errors[name] = refusal
    return errors


def _add(errors: dict[str, str], more: dict[str, str]) -> None:
    """`more` where `errors` has nothing yet for the field (the callers' own message comes first)."""
    for name, text in more.items():
        errors.setdefault(name, text)


# --- Identity at the visit -----------------------------------------------------------------------------------


@dataclass
class Identite:
    nom_naissance: str
    prenoms: str
    date_naissance: dt.date
    sexe: str
    lieu_naissance: str
    statut_identite: str = StatutIdentite.PROVISOIRE
    matricule_ins: str = ""
    telephone: str = ""
    email: str = ""


def check_identite(data: Identite, today: dt.date) -> str:
    """The normalised matricule, or ValidationError (French, one message per field) for every bad input."""
    errors: dict[str, str] = {}
    if not data.nom_naissance.strip() or not data.prenoms.strip():
        errors["nom_naissance"] = "Le nom de naissance et le prénom sont obligatoires."
    if data.date_naissance > today:
        errors["date_naissance"] = "La date de naissance est dans le futur : vérifiez-la."
    elif data.date_naissance < NE_AU_PLUS_TOT:
        errors["date_naissance"] = (
            f"La date de naissance est antérieure au {NE_AU_PLUS_TOT:%d/%m/%Y} : vérifiez-la."
        )
    if data.sexe not in {"F", "M", "I"}:
        errors["sexe"] = "Le sexe doit être F, M ou I (indéterminé)."
    code = data.lieu_naissance.strip().upper()
    if len(code) != 5 or not (code.isdigit() or (code[:2] in {"2A", "2B"} and code[2:].isdigit())):
        errors["lieu_naissance"] = (
            "Le lieu de naissance est un code INSEE de 5 caractères (99XXX à l'étranger)."
        )
    if data.statut_identite not in StatutIdentite.values:
        errors["statut_identite"] = "Statut d'identité inconnu."
    matricule = ""
    if data.statut_identite == StatutIdentite.QUALIFIEE and not data.matricule_ins.strip():
        errors["matricule_ins"] = (
            "Une identité qualifiée a un matricule INS (obtenu par le téléservice INSi) : saisissez-le, ou "
            "choisissez le statut « validée »."
        )
    elif data.matricule_ins.strip() and data.statut_identite != StatutIdentite.QUALIFIEE:
        errors["matricule_ins"] = (
            "Le matricule INS ne s'enregistre qu'avec une identité qualifiée (vérifiée sur pièce et retrouvée "
            "par le téléservice INSi)."
        )
    elif data.matricule_ins.strip():
        try:
            matricule = ins.normalise_matricule(data.matricule_ins)
        except ins.InsError as exc:
            errors["matricule_ins"] = str(exc)
        else:
            if reason := ins.incoherence(matricule, data.date_naissance, data.sexe):
                errors["matricule_ins"] = reason
    _add(
        errors,
        field_errors(
            Patient,
            {
                "nom_naissance": data.nom_naissance,
                "prenoms": data.prenoms,
                "telephone": data.telephone,
                "email": data.email,
            },
        ),
    )
    _add(errors, text_errors(Patient, {"telephone": data.telephone, "email": data.email}))
    for name, label in (("nom_naissance", "Le nom de naissance"), ("prenoms", "Le prénom")):
        value = getattr(data, name)  # « 12345 » was a birth name, « DUR\u202eAND » one shown reversed
        if value.strip() and (
            refusal := invisible_refusal(label, RETYPE_NAME, value) or letter_refusal(label, value)
        ):
            errors.setdefault(name, refusal)
    if errors:
        raise ValidationError(errors)
    return matricule


# --- The handover and its exams ------------------------------------------------------------------------------


@dataclass
class Examen:
    nature: str
    libelle: str
    date_prevue: dt.date


@dataclass
class Saisie:
    motif: str
    synthese: str
    prescriptions: str = ""
    suivi: str = Suivi.AUCUN
    texte_libre: str = ""
    examens: tuple[Examen, ...] = ()


def check_saisie(saisie: Saisie, consultation: dt.date, horizon: int) -> None:
    """ValidationError (French, one message per field or exam line) unless every field is right and each exam's
    result is expected between the consultation and `horizon` days after it."""
    errors: dict[str, str] = {}
    if not saisie.motif.strip():
        errors["motif"] = "Le motif de consultation est obligatoire."
    if not saisie.synthese.strip():
        errors["synthese"] = "La synthèse est obligatoire."
    if saisie.suivi not in Suivi.values:
        errors["suivi"] = "Choix de suivi inconnu."
    texts = {name: getattr(saisie, name) for name in ("motif", "synthese", "prescriptions", "texte_libre")}
    _add(errors, field_errors(Transmission, texts))
    _add(errors, text_errors(Transmission, texts, lines=("synthese", "prescriptions", "texte_libre")))
    latest = consultation + dt.timedelta(days=horizon)
    for n, e in enumerate(saisie.examens, 1):
        if e.nature not in NatureExamen.values or not e.libelle.strip():
            errors[f"examen_{n}"] = f"Examen {n} : nature et intitulé sont obligatoires."
        elif e.date_prevue < consultation:
            errors[f"examen_{n}"] = f"Examen {n} : la date de résultat attendue précède la consultation."
        elif e.date_prevue > latest:
            errors[f"examen_{n}"] = (
                f"Examen {n} : la date de résultat attendue est à plus de {horizon} jours de la consultation "
                f"(au plus tard le {latest:%d/%m/%Y}) : vérifiez-la."
            )
        elif refusal := invisible_refusal(f"L'intitulé de l'examen {n}", RETYPE, e.libelle):
            errors[f"examen_{n}"] = refusal
        elif row := field_errors(ResultatAttendu, {"libelle": e.libelle}, row=f"Examen {n}"):
            errors[f"examen_{n}"] = " ".join(row.values())
    if errors:
        raise ValidationError(errors)


# --- Closing an expected result ------------------------------------------------------------------------------


def check_cloture(lu_par_nom: str, resultat: str, conduite: str) -> None:
    """ValidationError (French, one message per field) unless the reader is named and what was done is said,
    within the columns' rules: a reader's name over 200 characters was cut silently."""
    errors: dict[str, str] = {}
    if not lu_par_nom.strip():
        errors["lu_par_nom"] = "Indiquez qui a lu le résultat."
    if not conduite.strip():
        errors["conduite"] = "Indiquez ce qui a été fait (patient rappelé, rendez-vous, rien à faire…)."
    values = {"lu_par_nom": lu_par_nom.strip(), "resultat": resultat, "conduite": conduite}
    _add(errors, field_errors(ResultatAttendu, values))
    _add(errors, text_errors(ResultatAttendu, values, lines=("resultat", "conduite")))
    if errors:
        raise ValidationError(errors)


# --- The médecin traitant ------------------------------------------------------------------------------------


def check_medecin_traitant(nom: str, rpps: str, email: str) -> None:
    """ValidationError (French, one message per field) unless the name is given, the RPPS (if any) is 11 digits
    and the e-mail address (if any) is one: the reminders (continuite.relances) are sent to it."""
    errors: dict[str, str] = {}
    if not nom.strip():
        errors["nom"] = "Indiquez le nom du médecin traitant."
    if rpps and not (rpps.isascii() and rpps.isdigit() and len(rpps) == 11):
        errors["rpps"] = "Le numéro RPPS compte 11 chiffres."
    elif rpps and not luhn_ok(rpps):  # a typo would name nobody: the GP would never see the declaration
        errors["rpps"] = (
            "Ce numéro RPPS n'est pas valide : sa clé de contrôle ne correspond pas. Vérifiez les chiffres, "
            "ou laissez le champ vide."
        )
    _add(errors, field_errors(MedecinTraitant, {"nom": nom, "rpps": rpps, "email": email}))
    _add(errors, text_errors(MedecinTraitant, {"nom": nom, "email": email}))
    if errors:
        raise ValidationError(errors)
