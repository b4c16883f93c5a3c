"""Waitlist: a patient leaves contact details for a lieu and a period; told when a slot frees up.

Lessons from rdv-service-public's `FileAttente`, whose counter was raised only on the e-mail path (an
SMS-only person was never capped): here one message, whatever its channels, counts once per person,
the counter is raised by a conditional UPDATE (two workers cannot both pass the cap), at most one
message a day, and none in the last days of the period (dated parameters). The cap counts the messages of the
person's entries at the lieu whose period is not over, withdrawn ones included: leaving and registering again
does not start it afresh. At most `liste_attente_inscriptions_max` entries in progress per person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from solidarite.annuaire.models import LieuSolidaire
from solidarite.annuaire.validation import receives_sms
from solidarite.parametres import UnknownParametreError, entier, valeur
from solidarite.rdv import outbox
from solidarite.rdv.creneaux import MAX_RANGE_DAYS, horizon
from solidarite.rdv.models import AccesDonnees, InscriptionAttente, Message
from solidarite.rdv.patients import clean_contact
from solidarite.territoire.fuseaux import fuseau

JETON_SALT = "solidarite.rdv.attente"
MAX_PERIOD_DAYS = 62


def max_messages() -> int:
    return int(valeur("liste_attente_messages_max"))


def stop_days() -> int:
    return int(valeur("liste_attente_arret_jours"))


def max_entries(day: dt.date | None = None) -> int | None:
    """The cap on a person's entries in progress on `day`; None before it came into force (6 December 2026)."""
    try:
        return entier("liste_attente_inscriptions_max", day)
    except UnknownParametreError:
        return None


def register(lieu: LieuSolidaire, data: dict[str, Any], today: dt.date | None = None) -> InscriptionAttente:
    """Checks and stores an entry; ValidationError with one French message per field."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    try:
        contact = clean_contact(data)
    except ValidationError as exc:
        errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
        contact = {}
    if contact and not contact["email"] and not receives_sms(contact["telephone"]):
        errors["telephone"] = (
            "Ce numéro ne reçoit pas de SMS (téléphone fixe) : donnez un numéro de portable ou une adresse "
            "électronique pour être prévenu."
        )
    du, au = _date(data.get("du")), _date(data.get("au"))
    _, last = horizon(today)
    if du is None or au is None:
        errors["du"] = "Indiquez une période : dates au format AAAA-MM-JJ."
    elif du < today:
        errors["du"] = "La période ne peut pas commencer dans le passé."
    elif du > last:
        errors["du"] = (
            f"La période doit commencer d'ici {MAX_RANGE_DAYS} jours, le {last:%d/%m/%Y} au plus tard."
        )
    elif au < du:
        errors["au"] = "La fin de la période précède son début."
    elif (au - du).days > MAX_PERIOD_DAYS:
        errors["au"] = f"Période trop longue : {MAX_PERIOD_DAYS} jours au plus."
    elif au < today + dt.timedelta(days=stop_days()):
        errors["au"] = (
            f"La liste d'attente prévient jusqu'à {stop_days()} jours avant la fin de la période : "
            "pour un besoin plus proche, appelez le lieu de consultation ou le 116 117 "
            "(en cas d'urgence, le 15)."
        )
    if not lieu.actif:
        errors["lieu"] = "Ce lieu ne reçoit plus de patients."
    cap = max_entries(today)
    if not errors and cap is not None and _entries_in_progress(contact, today) >= cap:
        errors["__all__"] = (
            f"Vous avez déjà {cap} inscriptions en cours sur la liste d'attente, à ce nom avec ce "
            "téléphone ou cette adresse : c'est le maximum. Pour vous inscrire ici, retirez d'abord une "
            "inscription : ouvrez le lien « me retirer de la liste d'attente » donné à l'inscription et dans "
            "chaque message reçu."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        inscription = InscriptionAttente.objects.create(lieu=lieu, du=du, au=au, **contact)
        AccesDonnees.objects.create(inscription=inscription, action="inscription", canal="site")
    return inscription


def _entries_in_progress(contact: dict[str, Any], today: dt.date) -> int:
    """The person's entries in progress, at any lieu: active, their period not over."""
    keys = set(_person_keys(contact["telephone"], contact["email"], contact["nom"], contact["prenom"]))
    same_contact = Q()
    if contact["telephone"]:
        same_contact |= Q(telephone=contact["telephone"])
    if contact["email"]:
        same_contact |= Q(email=contact["email"])
    rows = InscriptionAttente.objects.filter(
        same_contact, statut=InscriptionAttente.Statut.ACTIVE, au__gte=today
    ).values_list("telephone", "email", "nom", "prenom")
    return sum(1 for row in rows if keys & set(_person_keys(*row)))


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def notify_freed(lieu_id: int, starts: Iterable[dt.datetime], now: dt.datetime | None = None) -> int:
    """Slots have freed up at a lieu: tell the first people whose period holds one (one person a slot).

    Called inside the transaction that frees the slots; returns the number of people told.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    tz = fuseau(LieuSolidaire.objects.values_list("commune__code_insee", flat=True).get(pk=lieu_id))
    days = sorted({timezone.localtime(s, tz).date() for s in starts if s > now})  # the lieu's days
    if not days:
        return 0
    remaining = sum(1 for s in starts if s > now)
    in_period = Q()
    for day in days:
        in_period |= Q(du__lte=day, au__gte=day)
    candidates = (
        InscriptionAttente.objects.filter(
            in_period,
            lieu_id=lieu_id,
            statut=InscriptionAttente.Statut.ACTIVE,
            messages_envoyes__lt=max_messages(),
            au__gte=today + dt.timedelta(days=stop_days()),
        )
        .exclude(dernier_message_le=today)
        .order_by("cree_le", "pk")
    )
    told, tried, sent = 0, 0, _sent_by_person(lieu_id, today)
    # At most three claims a freed slot (another process may claim an entry first); the entries of a person told
    # today, or told enough, are skipped before they count, so that they never hold the slot back from the next.
    for inscription in candidates:
        if told >= remaining or tried >= 3 * remaining:
            break
        keys = _person_keys(inscription.telephone, inscription.email, inscription.nom, inscription.prenom)
        if any(key in sent.today or sent.count.get(key, 0) >= max_messages() for key in keys):
            continue  # the same person under another entry: told today already, or told enough
        tried += 1
        claimed = (
            InscriptionAttente.objects.filter(
                pk=inscription.pk,
                statut=InscriptionAttente.Statut.ACTIVE,
                messages_envoyes__lt=max_messages(),
            )
            .exclude(dernier_message_le=today)
            .update(messages_envoyes=F("messages_envoyes") + 1, dernier_message_le=today)
        )
        if claimed:
            outbox.queue_waitlist(inscription, today, now)
            sent.today.update(keys)
            for key in keys:
                sent.count[key] = sent.count.get(key, 0) + 1
            told += 1
    return told


@dataclass
class _Sent:
    today: set[str] = field(default_factory=set)
    count: dict[str, int] = field(default_factory=dict)


def _person_keys(telephone: str, email: str, nom: str, prenom: str) -> list[str]:
    """One person, whatever their entries: the same name at the same phone (stored normalised, +33…) or at the
    same e-mail (lower case). Two names at one phone stay two people: a couple may share a mobile."""
    name = f"{nom.strip().casefold()}|{prenom.strip().casefold()}"
    return [f"{kind}:{value}|{name}" for kind, value in (("t", telephone), ("e", email)) if value]


def _sent_by_person(lieu_id: int, today: dt.date) -> _Sent:
    """Messages already sent to each person of the lieu, and who was told today.

    A person may hold several entries (each registration its own, with its own withdrawal link: answering
    a second registration with the first one's link would hand it to anyone who types their number): the
    waitlist's limits, one message a day and `liste_attente_messages_max` in all, hold per person. Counted
    over the active entries and over every entry whose period is not over, withdrawn ones included: withdrawing
    and registering again does not start the count afresh (the cap holds while the person waits)."""
    sent = _Sent()
    rows = InscriptionAttente.objects.filter(
        Q(statut=InscriptionAttente.Statut.ACTIVE) | Q(au__gte=today), lieu_id=lieu_id
    )
    for telephone, email, nom, prenom, count, last in rows.values_list(
        "telephone", "email", "nom", "prenom", "messages_envoyes", "dernier_message_le"
    ):
        for key in _person_keys(telephone, email, nom, prenom):
            sent.count[key] = sent.count.get(key, 0) + count
            if last == today:
                sent.today.add(key)
    return sent


def jeton_for(inscription: InscriptionAttente) -> str:
    return signing.dumps({"i": inscription.pk}, salt=JETON_SALT, compress=True)


def from_jeton(jeton: str) -> InscriptionAttente:
    """The entry a signed link designates; ValidationError for a forged or unknown one."""
    try:
        payload = signing.loads(jeton, salt=JETON_SALT)
        return InscriptionAttente.objects.get(pk=payload["i"])
    except (signing.BadSignature, KeyError, TypeError, InscriptionAttente.DoesNotExist):
        raise ValidationError("Lien invalide.") from None


def withdraw(jeton: str) -> InscriptionAttente:
    inscription = from_jeton(jeton)
    with transaction.atomic():
        InscriptionAttente.objects.filter(pk=inscription.pk).update(statut=InscriptionAttente.Statut.RETIREE)
        Message.objects.filter(inscription=inscription, statut=Message.Statut.A_ENVOYER).update(
            statut=Message.Statut.SANS_OBJET, erreur="désinscription"
        )
        AccesDonnees.objects.create(inscription=inscription, action="désinscription", canal="lien signé")
    inscription.refresh_from_db()
    return inscription
