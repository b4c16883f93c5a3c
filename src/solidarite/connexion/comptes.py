"""Which account an identity opens, and whether it still may: the matching rules of every login.

Pro Santé Connect (and the development login of a doctor or référent) match the RPPS to a validated
`MedecinVolontaire` and/or active `ReferentLieu` rows; ProConnect matches an existing account that has an
`AgentArs` record or is a national admin (superuser); FranceConnect opens a patient account that knows only the
provider's `sub`. Nothing is created for an unknown or not-yet-validated person.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from solidarite.annuaire import acces as annuaire_acces
from solidarite.annuaire.models import MedecinVolontaire, ReferentLieu
from solidarite.annuaire.validation import luhn_ok
from solidarite.territoire.models import AgentArs

from .models import Fournisseur, IdentiteExterne
from .noms import fit_name

VALID_STATUTS = (MedecinVolontaire.Statut.VALIDE, MedecinVolontaire.Statut.ACTIF)

# sender=None, rpps=<11 digits>: does a context above know this health professional without a volunteer or
# référent record (continuite: a médecin traitant a patient declared)? A receiver answers True; Pro Santé Connect
# then opens (and keeps) their account, whose pages check what it may read.
professionnel_connu = Signal()


def _known_elsewhere(rpps: str) -> bool:
    return bool(rpps) and any(answer for _, answer in professionnel_connu.send(sender=None, rpps=rpps))


def account_names(prenom: str, nom: str) -> dict[str, str]:
    """The first and last name of a new account, from a provider or a register: cleaned and cut to their columns
    (connexion.noms.fit_name)."""
    return {
        field: fit_name(value, User._meta.get_field(field).max_length)
        for field, value in (("first_name", prenom), ("last_name", nom))
    }


def rpps_of(user: User) -> str:
    """The RPPS a health professional's account was opened with (its username `rpps-<RPPS>`), or ""."""
    name = user.get_username()
    return name.removeprefix("rpps-") if name.startswith("rpps-") and name[5:].isdigit() else ""


# The kind of role a session was opened for, re-checked at every request (middleware).
SANTE, AGENT, PATIENT = "sante", "agent", "patient"


class RefusedError(Exception):
    """A login that opens nothing: `raison` names the French explanation page to show."""

    def __init__(self, raison: str) -> None:
        super().__init__(raison)
        self.raison = raison


@dataclass(frozen=True)
class Identite:
    """What a provider (or the development login) says about the person, reduced to what matching needs."""

    fournisseur: str
    sub: str
    rpps: str = ""
    email: str = ""
    nom: str = ""
    prenom: str = ""
    acr: str = ""
    amr: list[str] = field(default_factory=list)


# The RPPS of an identity whose claims carry none that is valid: matches no one, and says so (page "rpps_absent").
NO_RPPS = "-"


def normalize_rpps(raw: object) -> str:
    """The 11-digit RPPS from a PSC claim: the national identifier is "8" + RPPS (12 characters). "" when it is not
    one: other characters (« ² » is a digit to isdigit), another length, or a wrong Luhn key."""
    value = str(raw or "").strip()
    if len(value) == 12 and value.startswith("8"):
        value = value[1:]
    if len(value) == 11 and value.isascii() and value.isdigit() and luhn_ok(value):
        return value
    return ""


def open_account(identite: Identite) -> tuple[User, str]:
    """The account this identity opens and the kind of role, in one transaction; `RefusedError` otherwise."""
    if identite.fournisseur == Fournisseur.FRANCECONNECT:
        return _patient(identite), PATIENT
    if identite.rpps:
        return _sante(identite), SANTE
    if identite.email:
        return _agent(identite), AGENT
    raise RefusedError("inconnu")


def _remember(identite: Identite, user: User) -> None:
    if not user.is_active:
        # An account the ministry deactivated opens no session, whatever the identity (the caller's transaction
        # undoes what it linked).
        raise RefusedError("desactive")
    IdentiteExterne.objects.update_or_create(
        fournisseur=identite.fournisseur,
        sub=identite.sub,
        defaults={
            "compte": user,
            "derniere_connexion": timezone.now(),
            "acr": identite.acr[:100],
            "amr": list(identite.amr)[:10],
        },
    )


def _known(identite: Identite) -> User | None:
    found = (
        IdentiteExterne.objects.filter(fournisseur=identite.fournisseur, sub=identite.sub)
        .select_related("compte")
        .first()
    )
    return found.compte if found else None


@transaction.atomic
def _sante(identite: Identite) -> User:
    if identite.rpps == NO_RPPS:
        raise RefusedError("rpps_absent")
    medecin = (
        MedecinVolontaire.objects.select_for_update()
        .filter(rpps=identite.rpps, statut__in=VALID_STATUTS)
        .first()
    )
    referents = list(ReferentLieu.objects.select_for_update().filter(rpps=identite.rpps, actif=True))
    if medecin is None and not referents:
        statut = MedecinVolontaire.objects.filter(rpps=identite.rpps).values_list("statut", flat=True).first()
        if statut is None and _known_elsewhere(identite.rpps):
            return _professionnel(identite)
        if statut is None:
            raise RefusedError("rpps_inconnu")
        raise RefusedError("suspendu" if statut == MedecinVolontaire.Statut.SUSPENDU else "en_attente")
    user = (
        _known(identite)
        or (medecin.compte if medecin else None)
        or next((r.compte for r in referents if r.compte_id), None)
    )
    source = medecin or referents[0]
    username = f"rpps-{identite.rpps}"
    user = user or User.objects.filter(username=username).first()  # an account whose links the ARS cleared
    if user is None:
        user = User(
            username=username,
            email=source.email,
            **account_names(source.prenom, source.nom),
        )
        user.set_unusable_password()
        user.save()
    if medecin is not None and medecin.compte_id != user.pk:
        medecin.compte = user
        medecin.save(update_fields=["compte"])
    for referent in referents:
        if referent.compte_id != user.pk:
            referent.compte = user
            referent.save(update_fields=["compte"])
    _remember(identite, user)
    return user


@transaction.atomic
def _agent(identite: Identite) -> User:
    user = _known(identite)
    if user is None:
        candidates = list(
            User.objects.filter(email__iexact=identite.email, is_active=True).select_related("agent_ars")[:2]
        )
        if len(candidates) == 1:
            user = candidates[0]
    if user is None or not agent_entitled(user):
        raise RefusedError("agent_inconnu")
    _remember(identite, user)
    return user


@transaction.atomic
def _patient(identite: Identite) -> User:
    user = _known(identite)
    if user is None:
        # Only the provider's pseudonymous sub is kept: the username is a digest of it.
        digest = hashlib.sha256(f"{identite.fournisseur}:{identite.sub}".encode()).hexdigest()[:24]
        user = User(username=f"patient-{digest}")
        user.set_unusable_password()
        user.save()
    _remember(identite, user)
    return user


def agent_entitled(user: User) -> bool:
    return user.is_active and (user.is_superuser or AgentArs.objects.filter(user=user).exists())


def sante_entitled(user: User) -> bool:
    """The rule of the Pro Santé Connect login (_sante), at every request: a validated doctor or an active référent;
    a professional known only elsewhere, as long as no volunteer record of theirs is suspended or awaiting the ARS
    (the login refuses those, and so does the next request)."""
    if not user.is_active:
        return False
    if (
        MedecinVolontaire.objects.filter(compte=user, statut__in=VALID_STATUTS).exists()
        or ReferentLieu.objects.filter(compte=user, actif=True).exists()
    ):
        return True
    rpps = rpps_of(user)
    return (
        bool(rpps)
        and not MedecinVolontaire.objects.filter(rpps=rpps).exists()
        and not MedecinVolontaire.objects.filter(compte=user).exists()
        and _known_elsewhere(rpps)
    )


def _professionnel(identite: Identite) -> User:
    """A professional known only to a context above (a declared médecin traitant): their own account."""
    username = f"rpps-{identite.rpps}"
    user = _known(identite) or User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username,
            email=identite.email,
            **account_names(identite.prenom, identite.nom),
        )
        user.set_unusable_password()
        user.save()
    _remember(identite, user)
    return user


def still_entitled(user: User, role: str) -> bool:
    """Whether the account still holds the role its session was opened for (checked at every request)."""
    if role == SANTE:
        return sante_entitled(user)
    if role == AGENT:
        return agent_entitled(user)
    return user.is_active and role == PATIENT


def dev_identite(email: str) -> Identite:
    """The development login applies the same rules: a doctor or référent by their RPPS, an agent by e-mail."""
    address = email.strip().lower()
    medecin = MedecinVolontaire.objects.filter(email__iexact=address).first()
    referent = ReferentLieu.objects.filter(email__iexact=address, actif=True).first()
    rpps = medecin.rpps if medecin else (referent.rpps if referent else "")
    return Identite(fournisseur=Fournisseur.DEV, sub=address, rpps=rpps, email=address, acr="dev")


def landing_url(user: User, role: str = "") -> str:
    """Where a person lands after login: one place to adjust when the role pages move (stream acces)."""
    if role == PATIENT:
        return "/connexion/mes-rendez-vous/"
    if user.is_superuser or AgentArs.objects.filter(user=user).exists():
        return "/planning/ars/" if user.is_staff else "/"
    if annuaire_acces.validated_medecin(user) is not None:
        return "/planning/medecin/missions/"
    if annuaire_acces.referent_lieu_ids(user):
        return "/planning/referent/"
    return "/"
