"""Waitlist: a patient leaves contact details for a lieu and a period; told when a slot frees up.

Lessons from rdv-service-public's `FileAttente`, whose counter was raised only on the e-mail path (an
SMS-only person was never capped): here one message, whatever its channels, counts once per person,
the counter is raised by a conditional UPDATE (two workers cannot both pass the cap), at most one
message a day, and none in the last days of the period (dated parameters). The cap counts the messages of the
person's entries at the lieu whose period is not over, withdrawn ones included: leaving and registering again
does not start it afresh. At most `liste_attente_inscriptions_max` entries in progress per phone number or
e-mail address, whatever the names typed with it (a name is free to type: a cap per name did not cap a number).
The same entry (lieu, period, name and contact) is active once, by a unique constraint: sent again, or twice at
once, it is the first one, and counts once toward that cap.

Leaving the list in one go: a link sent to the phone or e-mail itself (`request_withdraw_all`), covering every
entry in progress made with that contact, whatever the name: the contact's owner already receives every message
of those entries. Whoever asks, the link reaches only the contact it covers, so typing someone's number never
removes their entries. When the cap refuses an entry, that link goes to the contact typed: a third party who
filled the list with someone's number cannot lock them out, and learns nothing they did not type.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from solidarite.annuaire.models import LieuSolidaire
from solidarite.annuaire.validation import receives_sms
from solidarite.parametres import UnknownParametreError, entier, valeur
from solidarite.rdv import outbox
from solidarite.rdv.creneaux import MAX_RANGE_DAYS, horizon
from solidarite.rdv.models import AccesDonnees, InscriptionAttente, Message
from solidarite.rdv.patients import CONTACT, CONTACT_FIELDS, check_contact
from solidarite.territoire.fuseaux import fuseau

JETON_SALT = "solidarite.rdv.attente"
JETON_TOUT_SALT = "solidarite.rdv.attente.tout"
MAX_PERIOD_DAYS = 62


def max_messages() -> int:
    return int(valeur("liste_attente_messages_max"))


def stop_days() -> int:
    return int(valeur("liste_attente_arret_jours"))


def max_entries(day: dt.date | None = None) -> int | None:
    """The cap on the entries in progress made with one phone or e-mail on `day`; None before it came into force
    (6 December 2026)."""
    try:
        return entier("liste_attente_inscriptions_max", day)
    except UnknownParametreError:
        return None


def link_days() -> int:
    return entier("liste_attente_lien_retrait_jours")


class AlreadyRegisteredError(Exception):
    """The same entry (lieu, period, name and contact) is already active: the form sent twice at once, or again.
    Carries it, and whether the browser that sent the form again is the one that made it (`same_sender`)."""

    def __init__(self, inscription: InscriptionAttente, same_sender: bool) -> None:
        super().__init__("Inscription déjà faite.")
        self.inscription = inscription
        self.same_sender = same_sender


def register(
    lieu: LieuSolidaire, data: dict[str, Any], today: dt.date | None = None, appelant: str = ""
) -> InscriptionAttente:
    """Checks and stores an entry; ValidationError with one French message per field.

    The same entry already active (lieu, period, name and contact as stored) is not made twice, nor counted twice
    toward the cap: AlreadyRegisteredError, with it. Two at once are one too: the database's unique constraint
    (`une_inscription_active_identique`) refuses the second, which then reads the first. `appelant` is the keyed
    hash of the sending browser, kept with the entry (`AlreadyRegisteredError.same_sender`)."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    entry_data = _check_entry(data, today, errors)
    if not lieu.actif:
        errors["lieu"] = "Ce lieu ne reçoit plus de patients."
    if errors:
        raise ValidationError(errors)
    contact = {k: v for k, v in entry_data.items() if k not in ("du", "au")}
    cap = max_entries(today)
    entry = {"lieu": lieu, **entry_data}
    with transaction.atomic():
        # the contact's entries in progress, locked: two registrations at once cannot both pass the cap
        in_progress = list(_in_progress(contact, today).select_for_update().values_list("pk", flat=True))
        same = _identical(entry)
        if same is not None:
            full = False
        elif cap is not None and len(in_progress) >= cap:
            full = True
        else:
            full = False
            try:
                with transaction.atomic():  # a savepoint: the refusal below leaves this transaction usable
                    inscription = InscriptionAttente.objects.create(**entry, appelant=appelant)
                    AccesDonnees.objects.create(inscription=inscription, action="inscription", canal="site")
            except IntegrityError:  # the same entry, made at this moment by another request: that one
                same = _identical(entry)
                if same is None:
                    raise
        if same is not None:
            AccesDonnees.objects.create(inscription=same, action="inscription renvoyée", canal="site")
    if same is not None:
        raise AlreadyRegisteredError(same, same_sender=bool(appelant) and same.appelant == appelant)
    if full:
        for entry, canal in _anchors(
            contact, today
        ):  # the link to see and withdraw them, to the contact typed
            request_withdraw_all(entry, canaux=[canal])
        raise ValidationError(
            {
                "__all__": (
                    f"Ce téléphone ou cette adresse électronique a déjà {cap} inscriptions en cours sur la liste "
                    "d'attente : c'est le maximum. Un lien pour les voir et les retirer est envoyé à ce téléphone "
                    "et à cette adresse (un par jour au plus) ; vous pourrez ensuite vous inscrire ici. Vous "
                    "pouvez aussi ouvrir le lien « me retirer de la liste d'attente » de chaque inscription."
                )
            }
        )
    return inscription


def clean_entry(data: dict[str, Any], today: dt.date | None = None) -> dict[str, Any]:
    """The contact and the period of an entry, whatever the lieu; ValidationError with one French message per
    field, every field checked at once (the waitlist's form shows them all on the first submit)."""
    errors: dict[str, str] = {}
    cleaned = _check_entry(data, today or timezone.localdate(), errors)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_entry(data: dict[str, Any], today: dt.date, errors: dict[str, str]) -> dict[str, Any]:
    """The contact (rdv.patients), a contact that can be told, and the period: each refusal into `errors`, the
    start's and the end's each on their own field, so that neither hides the other."""
    contact = check_contact(data, errors)
    if (
        not {CONTACT, *CONTACT_FIELDS} & errors.keys()
        and not contact["email"]
        and not receives_sms(contact["telephone"])
    ):
        errors["telephone"] = (
            "Ce numéro ne reçoit pas de SMS (téléphone fixe) : donnez un numéro de portable ou une adresse "
            "électronique pour être prévenu."
        )
    du, au = _date(data.get("du")), _date(data.get("au"))
    _, last = horizon(today)
    if du is None:
        errors["du"] = "Indiquez une période : dates au format AAAA-MM-JJ."
    elif du < today:
        errors["du"] = "La période ne peut pas commencer dans le passé."
    elif du > last:
        errors["du"] = (
            f"La période doit commencer d'ici {MAX_RANGE_DAYS} jours, le {last:%d/%m/%Y} au plus tard."
        )
    if au is None:
        errors["au"] = "Indiquez la fin de la période : date au format AAAA-MM-JJ."
    elif du is not None and au < du:
        errors["au"] = "La fin de la période précède son début."
    elif du is not None and (au - du).days > MAX_PERIOD_DAYS:
        errors["au"] = f"Période trop longue : {MAX_PERIOD_DAYS} jours au plus."
    elif au < today + dt.timedelta(days=stop_days()):
        errors["au"] = (
            f"La liste d'attente prévient jusqu'à {stop_days()} jours avant la fin de la période : "
            "pour un besoin plus proche, appelez le lieu de consultation ou le 116 117 "
            "(en cas d'urgence, le 15)."
        )
    return {**contact, "du": du, "au": au}


def _identical(entry: dict[str, Any]) -> InscriptionAttente | None:
    """The active entry with these lieu, period, name and contact, if any (`une_inscription_active_identique`)."""
    return InscriptionAttente.objects.filter(**entry, statut=InscriptionAttente.Statut.ACTIVE).first()


def _in_progress(contact: dict[str, Any], today: dt.date) -> Any:
    """The entries in progress (active, their period not over), at any lieu, made with the phone or the e-mail
    of `contact`, whatever the name."""
    same_contact = Q(pk__in=[])
    if contact["telephone"]:
        same_contact |= Q(telephone=contact["telephone"])
    if contact["email"]:
        same_contact |= Q(email=contact["email"])
    return InscriptionAttente.objects.filter(
        same_contact, statut=InscriptionAttente.Statut.ACTIVE, au__gte=today
    )


def _anchors(contact: dict[str, Any], today: dt.date) -> list[tuple[InscriptionAttente, str]]:
    """For each contact typed (phone, e-mail), one of its entries in progress and the channel reaching it: where
    the withdraw-all link goes from (to that contact only, never to another contact of that entry)."""
    entries = list(_in_progress(contact, today).order_by("pk"))
    found = []
    for attr, canal in (("telephone", Message.Canal.SMS), ("email", Message.Canal.EMAIL)):
        entry = next((e for e in entries if contact[attr] and getattr(e, attr) == contact[attr]), None)
        if entry is not None:
            found.append((entry, canal))
    return found


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
        Message.objects.filter(  # a withdraw-all link asked for still leaves
            inscription=inscription, nature=Message.Nature.ATTENTE, statut=Message.Statut.A_ENVOYER
        ).update(statut=Message.Statut.SANS_OBJET, erreur="désinscription")
        AccesDonnees.objects.create(inscription=inscription, action="désinscription", canal="lien signé")
    inscription.refresh_from_db()
    return inscription


# Leaving the list in one go: a link sent to the person's own phone or e-mail, never shown on a page.


def _contact_of(inscription: InscriptionAttente, canal: str) -> str:
    """The contact `canal` reaches for `inscription`: its e-mail address, or its phone number ("" if none)."""
    return inscription.email if canal == Message.Canal.EMAIL else inscription.telephone


def same_contact(inscription: InscriptionAttente, canal: str) -> list[InscriptionAttente]:
    """The active entries made with the contact `canal` reaches for `inscription` (the same phone for an SMS,
    the same e-mail address for an e-mail), whatever the name: the contact's owner already receives all their
    messages. Only that contact's: a link sent by e-mail never withdraws the entries of a phone number the
    e-mail's owner may merely have typed."""
    contact = _contact_of(inscription, canal)
    if not contact:
        return []
    same = Q(email=contact) if canal == Message.Canal.EMAIL else Q(telephone=contact)
    rows = InscriptionAttente.objects.filter(same, statut=InscriptionAttente.Statut.ACTIVE)
    return list(rows.select_related("lieu").order_by("du", "pk"))


def _contact_digest(inscription: InscriptionAttente, canal: str) -> str:
    """The contact reached by `canal`, as a keyed hash (no contact stored in the message's key)."""
    return salted_hmac(JETON_TOUT_SALT, f"{canal}:{_contact_of(inscription, canal)}").hexdigest()[:32]


def request_withdraw_all(
    inscription: InscriptionAttente, now: dt.datetime | None = None, canaux: Iterable[str] | None = None
) -> int:
    """Queues, on each channel of the entry (or those of `canaux`), the link that withdraws all the entries made
    with the contact that channel reaches (`same_contact`); returns how many were queued. One link a day at most
    for a contact, whatever the names and the entries it is asked from (the message's unique key holds the day
    and a keyed hash of the contact), so that the button never floods a phone; whatever is queued, the caller's
    answer is the same."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    queued = 0
    for canal in outbox.channels(inscription):
        if canaux is not None and canal not in canaux:
            continue
        key = f"retrait{day:%Y%m%d}:{_contact_digest(inscription, canal)}:{canal}"
        try:
            with transaction.atomic():
                Message.objects.create(
                    inscription=inscription,
                    nature=Message.Nature.RETRAIT,
                    canal=canal,
                    cle=key,
                    prevu_le=now,
                )
                AccesDonnees.objects.create(
                    inscription=inscription, action="demande de lien de retrait", canal="site"
                )
        except IntegrityError:
            continue  # already sent to this contact today
        queued += 1
    return queued


def jeton_tout_for(inscription: InscriptionAttente, canal: str) -> str:
    """The withdraw-all link's token: the entry it was asked from and the channel it went by (the person is
    read from them when it is used), dated: it expires after `liste_attente_lien_retrait_jours`."""
    return signing.dumps({"i": inscription.pk, "c": canal}, salt=JETON_TOUT_SALT, compress=True)


def from_jeton_tout(jeton: str) -> list[InscriptionAttente]:
    """The active entries a withdraw-all link covers (maybe none left); ValidationError for a forged, unknown
    or expired one."""
    try:
        payload = signing.loads(jeton, salt=JETON_TOUT_SALT, max_age=dt.timedelta(days=link_days()))
        canal = payload["c"]
        if canal not in Message.Canal.values:
            raise KeyError(canal)
        anchor = InscriptionAttente.objects.get(pk=payload["i"])
    except (signing.BadSignature, KeyError, TypeError, InscriptionAttente.DoesNotExist):
        raise ValidationError("Lien invalide ou expiré.") from None
    return same_contact(anchor, canal)


def withdraw_all(jeton: str) -> int:
    """Withdraws, in one transaction, the active entries the link covers; returns how many."""
    entries = from_jeton_tout(jeton)
    with transaction.atomic():
        pks = [e.pk for e in entries]
        done = InscriptionAttente.objects.filter(pk__in=pks, statut=InscriptionAttente.Statut.ACTIVE).update(
            statut=InscriptionAttente.Statut.RETIREE
        )
        Message.objects.filter(
            inscription_id__in=pks, nature=Message.Nature.ATTENTE, statut=Message.Statut.A_ENVOYER
        ).update(statut=Message.Statut.SANS_OBJET, erreur="désinscription")
        for pk in pks:
            AccesDonnees.objects.create(
                inscription_id=pk, action="désinscription (toutes)", canal="lien signé"
            )
    return done
