"""Sign-up, state transitions and checks of the annuaire. Every write is one transaction."""

from __future__ import annotations

import collections
import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, models, router, transaction
from django.db.models import Q
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire, TransitionStatut, new_token
from solidarite.annuaire.validation import InvalidValueError, normalise_phone, normalise_rpps
from solidarite.parametres import valeur
from solidarite.territoire import acces
from solidarite.territoire.models import Region
from solidarite.zonage import services as zonage

logger = logging.getLogger(__name__)
Statut = MedecinVolontaire.Statut
TRANSITIONS: dict[str, set[str]] = {
    Statut.INSCRIT: {Statut.DOSSIER_COMPLET, Statut.SUSPENDU},
    Statut.DOSSIER_COMPLET: {Statut.VALIDE, Statut.INSCRIT, Statut.SUSPENDU},
    Statut.VALIDE: {Statut.ACTIF, Statut.SUSPENDU},
    Statut.ACTIF: {Statut.SUSPENDU},
    Statut.SUSPENDU: {Statut.ACTIF, Statut.INSCRIT},
}
# Transitions that only an ARS agent of the volunteer's region (or the ministry) may make.
ARS_ONLY = {Statut.VALIDE, Statut.ACTIF, Statut.SUSPENDU}
BLOCK_DAYS = {
    MedecinVolontaire.Rotation.JOUR: 1,
    MedecinVolontaire.Rotation.DEUX_JOURS: 2,
    MedecinVolontaire.Rotation.SEMAINE: 5,
}


def national_max_days() -> int:
    """The national cap of mission days per month: the scheme's dated parameter (parametres.py)."""
    return int(valeur("jours_max_par_mois"))


def check_days_and_rotation(jours: int, rotation: str) -> None:
    cap = national_max_days()
    if not 1 <= jours <= cap:
        raise ValidationError(
            {"jours_max_par_mois": f"Entre 1 et {cap} jours par mois (plafond national du dispositif)."}
        )
    block = BLOCK_DAYS[MedecinVolontaire.Rotation(rotation)]
    if block > jours:
        raise ValidationError(
            {
                "rotation": f"Ce rythme demande {block} jours dans le mois ; vous en proposez {jours} (plafond national : {cap})."
            }
        )


def missing_for_complete_file(medecin: MedecinVolontaire) -> list[str]:
    missing = []
    if not medecin.numero_am_mission:
        missing.append("le numéro Assurance Maladie dédié à la mission")
    if medecin.cps_statut == MedecinVolontaire.Cps.A_DEMANDER:
        missing.append("la demande de carte CPS de la mission")
    return missing


def change_status(medecin: MedecinVolontaire, vers: str, par: Any, commentaire: str = "") -> TransitionStatut:
    """Moves the volunteer to `vers` if the state machine and the author's rights allow it."""
    current = medecin.statut
    if vers not in TRANSITIONS.get(current, set()):
        raise ValidationError(
            f"Passage impossible de « {Statut(current).label} » à « {Statut(vers).label} »."
        )
    if vers in ARS_ONLY:
        region = acces.region_of(par)  # PermissionDenied for accounts attached to no ARS
        if region is not None and medecin.cdom.region_id != region.pk:
            raise PermissionDenied(
                f"{medecin} relève de l'ARS {medecin.cdom.region.nom} (CDOM {medecin.cdom.nom}) : seule elle peut le faire."
            )
    if vers == Statut.DOSSIER_COMPLET:
        missing = missing_for_complete_file(medecin)
        if missing:
            raise ValidationError(f"Dossier incomplet : il manque {', '.join(missing)}.")
    with transaction.atomic():
        locked = MedecinVolontaire.objects.select_for_update().get(pk=medecin.pk)
        if locked.statut != current:
            raise ValidationError("Le statut vient d'être modifié par quelqu'un d'autre : rechargez la page.")
        locked.statut = vers
        locked.save(update_fields=["statut"])
        medecin.statut = vers
        author = par if getattr(par, "is_authenticated", False) else None
        return TransitionStatut.objects.create(
            medecin=locked, de=current, vers=vers, par=author, commentaire=commentaire
        )


def personal_links(medecin: MedecinVolontaire) -> dict[str, str]:
    """The volunteer's pages, behind their login (no secret in them), and their calendar feed: the only secret
    link, read-only, without patient data; empty while revoked by the ARS (decision 0006)."""
    base = f"{settings.SOLIDARITE_BASE_URL}/planning/medecin"
    return {
        "disponibilites": f"{base}/disponibilites/",
        "missions": f"{base}/missions/",
        "agenda": ""
        if medecin.jeton_calendrier_revoque_le
        else f"{base}/{medecin.jeton_calendrier}/missions.ics",
    }


def rotate_feed_token(medecin: MedecinVolontaire) -> MedecinVolontaire:
    """The volunteer issues a new calendar feed secret: the old address answers 404 at once."""
    medecin.jeton_calendrier = new_token()
    medecin.jeton_calendrier_emis_le = timezone.now()
    medecin.jeton_calendrier_revoque_le = None
    medecin.save(
        update_fields=["jeton_calendrier", "jeton_calendrier_emis_le", "jeton_calendrier_revoque_le"]
    )
    return medecin


def revoke_feed_token(medecin: MedecinVolontaire, par: Any) -> MedecinVolontaire:
    """The ARS of the volunteer's region (or the ministry) stops the feed: the secret is replaced by one nobody
    knows, and no feed answers until the volunteer issues a new one from their page."""
    acces.check_region(par, medecin.cdom.region)
    medecin.jeton_calendrier = new_token()
    medecin.jeton_calendrier_revoque_le = timezone.now()
    medecin.save(update_fields=["jeton_calendrier", "jeton_calendrier_revoque_le"])
    return medecin


def register(data: dict[str, Any]) -> MedecinVolontaire | None:
    """Creates a volunteer (state « inscrit ») and its first dated transition, in one transaction; then
    e-mails the volunteer their personal links.

    When the RPPS or the address is already registered, nothing is created and None is returned: the
    registrations holding them are told by e-mail, and the sign-up page answers as for a new volunteer, so that
    it tells nobody whether a doctor volunteers (as the ARS agents' form, decision 0006 point 8)."""
    check_days_and_rotation(data["jours_max_par_mois"], data["rotation"])
    existing = _registered(data)
    if not existing:
        try:
            with transaction.atomic():
                medecin = MedecinVolontaire.objects.create(**data)
                TransitionStatut.objects.create(
                    medecin=medecin, de="", vers=Statut.INSCRIT, commentaire="Inscription en ligne"
                )
                transaction.on_commit(lambda: _send_welcome(medecin))
            return medecin
        except IntegrityError:  # a double click: the other request registered this RPPS or address meanwhile
            existing = _registered(data)
            if not existing:
                raise
    for medecin in existing:
        transaction.on_commit(functools.partial(_send_already_registered, medecin))
    return None


def _registered(data: dict[str, Any]) -> list[MedecinVolontaire]:
    """The registrations holding the RPPS or the address of `data` (one, or two when each holds one)."""
    return list(
        MedecinVolontaire.objects.filter(Q(rpps=data["rpps"]) | Q(email__iexact=data["email"]))
        .select_related("cdom__region")
        .order_by("pk")
    )


def _send_welcome(medecin: MedecinVolontaire) -> None:
    links = personal_links(medecin)
    body = (
        f"Bonjour {medecin},\n\nVotre inscription comme médecin volontaire est enregistrée. L'ARS {medecin.cdom.region.nom} "
        f"vérifie votre dossier avec le conseil de l'Ordre ({medecin.cdom.nom}).\n\n"
        "Vos pages, une fois votre dossier validé par l'ARS (connexion avec Pro Santé Connect) :\n"
        f"- vos disponibilités : {links['disponibilites']}\n- vos missions : {links['missions']}\n"
        f"- votre agenda, en lecture seule, à ajouter à votre calendrier : {links['agenda']}\n"
        "(cette adresse ne montre que vos missions ; vous pouvez la renouveler depuis la page de vos missions)\n\n"
        "Solidarité territoriale"
    )
    try:
        send_mail("Votre inscription de médecin volontaire", body, None, [medecin.email])
    except OSError:  # the registration stands; the ARS can resend the links
        logger.exception("message de bienvenue non envoyé au médecin %s", medecin.pk)


def _send_already_registered(medecin: MedecinVolontaire) -> None:
    """Tells a registered volunteer that a sign-up gave their RPPS or their address: what to do if it was them
    (nothing, or write to their ARS to change an address), and that nothing changed."""
    links = personal_links(medecin)
    body = (
        f"Bonjour {medecin},\n\nUne demande d'inscription comme médecin volontaire vient d'être envoyée avec "
        "votre numéro RPPS ou votre adresse électronique. Vous êtes déjà inscrit sur Solidarité territoriale "
        f"depuis le {timezone.localtime(medecin.cree_le):%d/%m/%Y} : cette demande n'a rien changé, et aucune "
        "autre inscription n'a été créée.\n\n"
        "Si c'était vous, vous n'avez rien à refaire. Vos pages, une fois votre dossier validé par l'ARS "
        "(connexion avec Pro Santé Connect) :\n"
        f"- vos disponibilités : {links['disponibilites']}\n- vos missions : {links['missions']}\n"
        f"Pour changer d'adresse électronique ou de téléphone, écrivez à l'ARS {medecin.cdom.region.nom}, qui "
        "vérifie votre dossier.\n\nSi ce n'était pas vous, vous pouvez ignorer ce message.\n\n"
        "Solidarité territoriale"
    )
    try:
        send_mail("Votre inscription de médecin volontaire existe déjà", body, None, [medecin.email])
    except OSError:  # as for the welcome: the ARS can answer the volunteer
        logger.exception("message d'inscription existante non envoyé au médecin %s", medecin.pk)


def active_zone_sirens() -> set[str]:
    campagne = zonage.active_campaign()
    return zonage.final_sirens(campagne) if campagne else set()


def check_lieu(lieu: LieuSolidaire, user: Any = None) -> None:
    """A lieu serves an active zone, lies in it, and is managed by the ARS of its region."""
    _check_lieu(lieu, active_zone_sirens(), user, acces.region_of)


def _check_lieu(
    lieu: LieuSolidaire, sirens: set[str], user: Any, region_of: Callable[[Any], Region | None]
) -> None:
    if lieu.epci_id is None or lieu.commune_id is None:
        return
    if lieu.epci.siren not in sirens:
        raise ValidationError(
            {
                "epci": f"{lieu.epci.nom} n'est pas une zone prioritaire active : un lieu solidaire doit servir une zone."
            }
        )
    if lieu.commune.epci_id != lieu.epci_id:
        raise ValidationError({"commune": f"{lieu.commune.nom} n'appartient pas à {lieu.epci.nom}."})
    if user is not None:
        region = region_of(user)
        if region is not None and lieu.commune.departement.region_id != region.pk:
            raise ValidationError(
                {
                    "commune": f"Ce lieu est en {lieu.commune.departement.region.nom} : seule l'ARS de cette région le gère."
                }
            )


# --- Many at once (the demonstration generator) ---------------------------------------------------------

M = TypeVar("M", bound=models.Model)


def _create_all(model: type[M], rows: Sequence[M]) -> list[M]:
    """One INSERT for many rows, with the pre_save and post_save signals that create() would send for each."""
    using = router.db_for_write(model)
    for row in rows:
        pre_save.send(sender=model, instance=row, raw=False, using=using, update_fields=None)
    created = model._default_manager.bulk_create(rows)
    for row in created:
        post_save.send(sender=model, instance=row, created=True, raw=False, using=using, update_fields=None)
    return created


def _which(kind: str, name: object, exc: ValidationError) -> ValidationError:
    return ValidationError([f"{kind} « {name} » :", *exc.messages])


def enregistrer_lieux(lieux: Sequence[LieuSolidaire], user: Any = None) -> list[LieuSolidaire]:
    """Records many lieux in one transaction, checked as the back-office form checks one (every field, then
    check_lieu: an active zone, the commune in it, the ARS of its region); saved with the signals of a save
    (the search forgets the lieux it keeps). Nothing is recorded if one lieu is refused."""
    sirens = active_zone_sirens()
    region_of = functools.cache(acces.region_of) if user is not None else acces.region_of
    for lieu in lieux:
        try:
            lieu.full_clean()
            _check_lieu(lieu, sirens, user, region_of)
        except ValidationError as exc:
            raise _which("Lieu", lieu.nom, exc) from None
    with transaction.atomic():
        return _create_all(LieuSolidaire, lieux)


def inscrire_medecins(
    medecins: Sequence[MedecinVolontaire], commentaire: str = "Inscription en ligne", bienvenue: bool = True
) -> list[MedecinVolontaire]:
    """Registers many volunteers in one transaction, checked and normalised as the sign-up form does one:
    RPPS (11 digits, Luhn key) and e-mail not yet registered, phone in E.164, e-mail in lower case, days and
    rhythm within the national cap, every field. Each gets its first dated transition (to its status,
    « inscrit » unless set) and the signals of a save; once committed, the welcome e-mail of register(),
    unless `bienvenue` is False (demonstration people, whose addresses do not exist)."""
    for medecin in medecins:
        try:
            try:
                medecin.rpps = normalise_rpps(medecin.rpps)
                medecin.telephone = normalise_phone(medecin.telephone)
            except InvalidValueError as exc:
                raise ValidationError(str(exc)) from None
            medecin.email = medecin.email.strip().lower()
            check_days_and_rotation(medecin.jours_max_par_mois, medecin.rotation)
            medecin.full_clean(validate_unique=False)
        except ValidationError as exc:
            raise _which("Médecin", medecin.rpps, exc) from None
    rpps = collections.Counter(m.rpps for m in medecins)
    emails = collections.Counter(m.email for m in medecins)
    taken = MedecinVolontaire.objects.filter(Q(rpps__in=rpps) | Q(email__in=emails)).values_list(
        "rpps", "email"
    )
    taken_rpps, taken_emails = {r for r, _ in taken}, {e.lower() for _, e in taken}
    for medecin in medecins:
        if medecin.rpps in taken_rpps or rpps[medecin.rpps] > 1:
            raise ValidationError(f"Le numéro RPPS {medecin.rpps} est déjà inscrit.")
        if medecin.email in taken_emails or emails[medecin.email] > 1:
            raise ValidationError(f"L'adresse {medecin.email} est déjà utilisée par une inscription.")
    with transaction.atomic():
        created = _create_all(MedecinVolontaire, medecins)
        _create_all(
            TransitionStatut,
            [TransitionStatut(medecin=m, de="", vers=m.statut, commentaire=commentaire) for m in created],
        )
        if bienvenue:
            transaction.on_commit(lambda: [_send_welcome(m) for m in created])
    return created
