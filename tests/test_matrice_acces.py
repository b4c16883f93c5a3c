"""The authorisation matrix: every endpoint × every role × an object inside and outside the role's scope.

The endpoints come from the URL configuration (`get_resolver()`) and from the API's OpenAPI document, so that a new
route fails this test until it is classified in POLICY below (docs/decisions/0006-permissions.md). A cell is a
leak when a role gets an answer (200, 201, 204, or a redirect elsewhere than the login) where it should have been
refused (401, 403, 404, 405, or a redirect to the login), or when a page shows a row of the other region.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from solidarite.annuaire.models import LieuSolidaire, ReferentLieu
from solidarite.interop.api import api
from solidarite.planning.models import Mission
from solidarite.rdv import attente, services
from solidarite.rdv.models import HorairesConsultation, Message, RendezVous
from solidarite.territoire.models import AgentArs
from solidarite.zonage import services as zonage
from solidarite.zonage.models import Ajustement, Campagne, ListeOfficielle
from tests.factories import compte, le_jour_de, lieu, medecin, referent, zone_commune

pytestmark = pytest.mark.django_db

CELLS = itertools.count(1)
ROLES = ("anonyme", "patient", "medecin", "referent", "ars", "admin")
ALLOW, DENY = "autorisé", "refusé"

# Who is allowed, by kind of endpoint: role -> (inside, outside). None: no outside object for this kind.
PUBLIC = {r: (ALLOW, DENY) for r in ROLES}  # outside: an object that is not public (inactive, unknown)
PUBLIC_NO_OBJECT = {r: (ALLOW, None) for r in ROLES}
SECRET_LINK = {r: (ALLOW, DENY) for r in ROLES}  # inside: the right secret; outside: another's, or forged
GONE = {r: (DENY, DENY) for r in ROLES}  # former token addresses, catch-alls
VOLUNTEER_SELF = {r: ((ALLOW if r == "medecin" else DENY), None) for r in ROLES}
DAY_LIST = {r: ((ALLOW, DENY) if r in ("medecin", "referent") else (DENY, DENY)) for r in ROLES}
ARS_REGION = {
    r: ((ALLOW, DENY) if r == "ars" else (ALLOW, ALLOW) if r == "admin" else (DENY, DENY)) for r in ROLES
}
STAFF = {r: ((ALLOW, None) if r in ("ars", "admin") else (DENY, None)) for r in ROLES}
NATIONAL = {r: ((ALLOW, None) if r == "admin" else (DENY, None)) for r in ROLES}
NOT_FOUND_FOR_ALL = {r: (DENY, None) for r in ROLES}
REFERENT_SELF = {r: ((ALLOW if r == "referent" else DENY), None) for r in ROLES}


@dataclass
class Endpoint:
    kinds: dict[str, tuple[str, str | None]]
    url: Callable[[Any, str, str], str]  # (world, side, role) -> path
    method: str = "get"
    body: Callable[[Any], dict[str, Any]] | None = None
    hidden: Callable[[Any], list[str]] = field(default=lambda w: [])  # texts a refused cell never shows...
    hidden_roles: tuple[str, ...] = ()  # ... nor, even when allowed, these roles (the other region's rows)
    deny_redirect: str = ""  # a redirect that is this endpoint's way of refusing
    form: bool = False  # the body as an HTML form (else JSON)
    writes: Callable[[Any], dict[str, Any]] | None = None  # a form POSTed by each refused cell: refused too


def _side(inside: Any, outside: Any) -> Callable[[Any, str, str], str]:
    return lambda w, side, role: inside(w, role) if side == "in" else outside(w, role)


def _fixed(path: str) -> Callable[[Any, str, str], str]:
    return lambda w, side, role: path


def _admin(model: str, view: str) -> str:
    return f"admin:{model.replace('.', '_')}_{view}"


# Region-scoped back-office models: (app.model, object in region A, object in region B).
SCOPED_ADMIN: dict[str, Callable[[Any], tuple[int, int]]] = {
    "annuaire.medecinvolontaire": lambda w: (w.doc_a.pk, w.doc_b.pk),
    "annuaire.lieusolidaire": lambda w: (w.lieu_a.pk, w.lieu_b.pk),
    "annuaire.referentlieu": lambda w: (w.ref_row_a.pk, w.ref_row_b.pk),
    "rdv.horairesconsultation": lambda w: (w.horaires_a.pk, w.horaires_b.pk),
    "rdv.message": lambda w: (w.message_a.pk, w.message_b.pk),
    "zonage.ajustement": lambda w: (w.ajustement_a.pk, w.ajustement_b.pk),
    "territoire.agentars": lambda w: (w.agent_a.pk, w.agent_b.pk),
}
# Reference data of the back office (the same for every region): the ARS reads it, only the ministry writes.
REFERENCE_ADMIN: dict[str, Callable[[Any], int]] = {
    "territoire.region": lambda w: w.region_a.pk,
    "territoire.departement": lambda w: w.lieu_a.commune.departement_id,
    "territoire.epci": lambda w: w.lieu_a.epci_id,
    "territoire.commune": lambda w: w.lieu_a.commune_id,
    "territoire.communedeleguee": lambda w: w.commune_deleguee,
    "zonage.campagne": lambda w: w.campagne.pk,
    "zonage.resultatepci": lambda w: w.campagne.resultats.first().pk,
    "zonage.listeofficielle": lambda w: w.liste.pk,
}
# The ministry only (accounts, the DSFR settings).
NATIONAL_ADMIN: dict[str, Callable[[Any], int]] = {
    "auth.user": lambda w: w.users["medecin"].pk,
    "auth.group": lambda w: w.group.pk,
    "dsfr.dsfrconfig": lambda w: w.dsfr_config,
    "django_tasks_database.dbtaskresult": lambda w: w.task_result,  # the background tasks and their results
}


def _admin_policy() -> dict[str, Endpoint]:
    policy: dict[str, Endpoint] = {}
    for model, ids in SCOPED_ADMIN.items():
        app, name = model.split(".")
        policy[_admin(model, "changelist")] = Endpoint(
            STAFF,
            _fixed(f"/admin/{app}/{name}/"),
            hidden=lambda w, model=model: [w.hidden_text[model]],
            hidden_roles=("ars",),
        )
        for view in ("change", "history"):
            suffix = "change/" if view == "change" else "history/"
            policy[_admin(model, view)] = Endpoint(
                ARS_REGION,
                lambda w, side, role, app=app, name=name, ids=ids, suffix=suffix: (
                    f"/admin/{app}/{name}/{ids(w)[0 if side == 'in' else 1]}/{suffix}"
                ),
            )
    for table, kinds in ((REFERENCE_ADMIN, STAFF), (NATIONAL_ADMIN, NATIONAL)):
        for model, pk in table.items():
            app, name = model.split(".")
            policy[_admin(model, "changelist")] = Endpoint(kinds, _fixed(f"/admin/{app}/{name}/"))
            for view in ("change", "history"):
                suffix = "change/" if view == "change" else "history/"
                policy[_admin(model, view)] = Endpoint(
                    kinds,
                    lambda w, side, role, app=app, name=name, pk=pk, suffix=suffix: (
                        f"/admin/{app}/{name}/{pk(w)}/{suffix}"
                    ),
                )
    return policy


def _slot(w: Any) -> str:
    return w.free_slots.pop()


def _new_patient(w: Any) -> dict[str, str]:
    """The world's patient, born another day each time: a person has one appointment a day at a lieu (decision
    0004, 6 December 2026), and each cell books one of its own at lieu A."""
    w.patients_made += 1
    born = dt.date.fromisoformat(w.patient_data["date_naissance"]) + dt.timedelta(days=w.patients_made)
    return {**w.patient_data, "date_naissance": born.isoformat()}


def _fresh_token(w: Any, role: str) -> str:
    """DELETE /api/v1/rendez-vous/{jeton} cancels: each cell cancels an appointment of its own."""
    return services.jeton_for(services.book(_slot(w), _new_patient(w)))


POLICY: dict[str, Endpoint] = {
    # Public pages: the patient's search and booking, the zonage, the sign-up.
    "home": Endpoint(PUBLIC_NO_OBJECT, _fixed("/")),
    "healthz": Endpoint(PUBLIC_NO_OBJECT, _fixed("/healthz")),
    "donnees_personnelles": Endpoint(PUBLIC_NO_OBJECT, _fixed("/donnees-personnelles/")),
    "mentions_legales": Endpoint(PUBLIC_NO_OBJECT, _fixed("/mentions-legales/")),
    "accessibilite": Endpoint(PUBLIC_NO_OBJECT, _fixed("/accessibilite/")),
    "territoire:recherche": Endpoint(PUBLIC_NO_OBJECT, _fixed("/communes/?q=Mauriac")),
    "territoire:commune": Endpoint(
        PUBLIC,
        _side(lambda w, r: f"/communes/{w.lieu_a.commune.code_insee}/", lambda w, r: "/communes/00000/"),
    ),
    "zonage:carte": Endpoint(PUBLIC_NO_OBJECT, _fixed("/zonage/")),
    "zonage:zones_geojson": Endpoint(PUBLIC_NO_OBJECT, _fixed("/zonage/zones.geojson")),
    "zonage:epci": Endpoint(
        PUBLIC,
        _side(lambda w, r: f"/zonage/epci/{w.lieu_a.epci.siren}/", lambda w, r: "/zonage/epci/000000000/"),
    ),
    "annuaire:inscription": Endpoint(PUBLIC_NO_OBJECT, _fixed("/medecins/inscription/")),
    "rdv:recherche": Endpoint(PUBLIC_NO_OBJECT, _fixed("/rendez-vous/")),
    "rdv:lieu": Endpoint(
        PUBLIC,
        _side(
            lambda w, r: f"/rendez-vous/lieu/{w.lieu_a.pk}/",
            lambda w, r: f"/rendez-vous/lieu/{w.lieu_off.pk}/",
        ),
    ),
    "rdv:attente_inscription": Endpoint(  # POST only: a waitlist entry per cell
        PUBLIC,
        _side(
            lambda w, r: f"/rendez-vous/lieu/{w.lieu_a.pk}/attente/",
            lambda w, r: "/rendez-vous/lieu/999999/attente/",
        ),
        method="post",
        # each cell another mobile: one holds at most `liste_attente_inscriptions_max` entries, whatever the name
        body=lambda w: {**w.waitlist_form, "telephone": f"06 12 {next(CELLS) % 100:02d} 56 78"},
        form=True,
    ),
    "rdv:reserver": Endpoint(
        PUBLIC,
        _side(
            lambda w, r: f"/rendez-vous/creneau/{w.free_slots[0]}/",
            lambda w, r: "/rendez-vous/creneau/999999-202601010830/",
        ),
    ),
    # The patient's signed links: the secret is the identity, whoever holds it.
    "rdv:gerer": Endpoint(
        SECRET_LINK,
        _side(
            lambda w, r: f"/rendez-vous/gerer/{w.token_a}/",
            lambda w, r: f"/rendez-vous/gerer/{w.token_a[:-3]}xyz/",
        ),
        hidden=lambda w: ["ZOUBIR"],
        hidden_roles=ROLES,
    ),
    "rdv:deplacer": Endpoint(
        SECRET_LINK,
        _side(
            lambda w, r: f"/rendez-vous/gerer/{w.token_a}/deplacer/{w.free_slots[0]}/",
            lambda w, r: f"/rendez-vous/gerer/{w.token_a[:-3]}xyz/deplacer/{w.free_slots[0]}/",
        ),
    ),
    "rdv:attente_retrait": Endpoint(
        SECRET_LINK,
        _side(
            lambda w, r: f"/rendez-vous/attente/{w.waitlist_token}/",
            lambda w, r: f"/rendez-vous/attente/{w.waitlist_token[:-3]}xyz/",
        ),
    ),
    "rdv:attente_lien_tout": Endpoint(  # POST only: the link goes to the entry's contact, never to the page
        SECRET_LINK,
        _side(
            lambda w, r: f"/rendez-vous/attente/{w.waitlist_token}/lien/",
            lambda w, r: f"/rendez-vous/attente/{w.waitlist_token[:-3]}xyz/lien/",
        ),
        method="post",
        body=lambda w: {},
        form=True,
    ),
    "rdv:attente_retrait_tout": Endpoint(
        SECRET_LINK,
        _side(
            lambda w, r: f"/rendez-vous/attente/tout/{w.waitlist_all_token}/",
            lambda w, r: f"/rendez-vous/attente/tout/{w.waitlist_all_token[:-3]}xyz/",
        ),
        hidden=lambda w: [w.lieu_a.nom],
    ),
    "planning:missions_ics": Endpoint(
        SECRET_LINK,
        _side(
            lambda w, r: f"/planning/medecin/{w.doc_a.jeton_calendrier}/missions.ics",
            lambda w, r: f"/planning/medecin/{w.doc_revoked.jeton_calendrier}/missions.ics",
        ),
        hidden=lambda w: ["MARTIN", "Martin", "ZOUBIR", "1948"],
        hidden_roles=ROLES,  # no patient data in the feed, ever
    ),
    # The volunteer's pages, behind their login.
    "planning:disponibilites": Endpoint(
        VOLUNTEER_SELF,
        _fixed("/planning/medecin/disponibilites/"),
        writes=lambda w: {"date": str(w.today + dt.timedelta(days=20)), "action": "declarer"},
    ),
    "planning:missions": Endpoint(
        VOLUNTEER_SELF,
        _fixed("/planning/medecin/missions/"),
        hidden=lambda w: [w.lieu_b.nom],
        hidden_roles=ROLES,
        writes=lambda w: {"mission": w.mission_b.pk, "reponse": "desister", "commentaire": "essai"},
    ),
    "rdv:journee_medecin": Endpoint(
        DAY_LIST,
        _side(
            lambda w, r: f"/rendez-vous/journee/{w.mission_a.pk}/",
            lambda w, r: f"/rendez-vous/journee/{w.mission_b.pk}/",
        ),
        hidden=lambda w: ["ZOUBIR"],
        hidden_roles=("medecin", "referent"),
        writes=lambda w: {"rendez_vous": w.rdv_b.pk, "statut": "vu"},
    ),
    # Continuity of care (issue 20; continuite/acces.py): the doctor of the booking writes its handover; the
    # doctors of the lieu and its référent read its follow-ups; the ARS sees counts of its region only; the patient
    # sees who read, through the appointment's signed link.
    "continuite:consultation": Endpoint(
        {r: ((ALLOW, DENY) if r == "medecin" else (DENY, DENY)) for r in ROLES},
        _side(
            lambda w, r: f"/continuite/consultation/{w.rdv_a.pk}/",
            lambda w, r: f"/continuite/consultation/{w.rdv_b.pk}/",
        ),
        hidden=lambda w: ["ZOUBIR", "Zoubir"],
        writes=lambda w: {"motif": "Essai", "synthese": "Essai", "suivi": "aucun"},
    ),
    "continuite:journee": Endpoint(
        DAY_LIST,
        _side(
            lambda w, r: f"/continuite/journee/{w.mission_a.pk}/",
            lambda w, r: f"/continuite/journee/{w.mission_b.pk}/",
        ),
        hidden=lambda w: ["ZOUBIR"],
        hidden_roles=("medecin", "referent"),
        writes=lambda w: {"resultat": w.transmission_b.resultats.get().pk},
    ),
    "continuite:resultat": Endpoint(
        DAY_LIST,
        _side(
            lambda w, r: f"/continuite/resultat/{w.transmission_a.resultats.get().pk}/",
            lambda w, r: f"/continuite/resultat/{w.transmission_b.resultats.get().pk}/",
        ),
        hidden=lambda w: ["ZOUBIR"],
        writes=lambda w: {"lu_par_nom": "Essai", "conduite": "Essai"},
    ),
    "continuite:lieu": Endpoint(
        DAY_LIST,
        _side(
            lambda w, r: f"/continuite/lieu/{w.lieu_a.pk}/", lambda w, r: f"/continuite/lieu/{w.lieu_b.pk}/"
        ),
        hidden=lambda w: ["ZOUBIR"],
        hidden_roles=("medecin", "referent"),
    ),
    # The near matches of identities at a lieu (tests/continuite/test_rapprochements.py decides them).
    "continuite:rapprochements": Endpoint(
        DAY_LIST,
        _side(
            lambda w, r: f"/continuite/lieu/{w.lieu_a.pk}/rapprochements/",
            lambda w, r: f"/continuite/lieu/{w.lieu_b.pk}/rapprochements/",
        ),
        hidden=lambda w: ["ZOUBIR"],
        hidden_roles=("medecin", "referent"),
    ),
    # POST only, from the consultation page (tests/continuite/test_medecin_traitant.py): a GET answers no one.
    "continuite:declarer_medecin_traitant": Endpoint(
        NOT_FOUND_FOR_ALL, lambda w, side, role: f"/continuite/consultation/{w.rdv_a.pk}/medecin-traitant/"
    ),
    # The médecin traitant's answers (Pro Santé Connect, tests/continuite/test_medecin_traitant.py): no role of
    # this matrix is one, 404 for all.
    "continuite:medecin_traitant": Endpoint(
        NOT_FOUND_FOR_ALL,
        _fixed("/continuite/medecin-traitant/"),
        hidden=lambda w: ["ZOUBIR"],
        hidden_roles=ROLES,
    ),
    "continuite:ars": Endpoint(
        STAFF,
        _fixed("/continuite/ars/"),
        hidden=lambda w: [w.lieu_b.nom, "MARTIN"],
        hidden_roles=("ars",),
    ),
    "continuite:lettre": Endpoint(
        DAY_LIST,
        _side(
            lambda w, r: f"/continuite/transmission/{w.transmission_a.pk}/lettre/",
            lambda w, r: f"/continuite/transmission/{w.transmission_b.pk}/lettre/",
        ),
        hidden=lambda w: ["ZOUBIR"],
    ),
    "continuite:fhir": Endpoint(
        DAY_LIST,
        _side(
            lambda w, r: f"/continuite/transmission/{w.transmission_a.pk}/fhir/",
            lambda w, r: f"/continuite/transmission/{w.transmission_b.pk}/fhir/",
        ),
        hidden=lambda w: ["Zoubir"],
    ),
    "continuite:mes_acces": Endpoint(
        SECRET_LINK,
        _side(lambda w, r: f"/continuite/mes-acces/{w.token_a}/", lambda w, r: "/continuite/mes-acces/faux/"),
    ),
    # The same list for a patient signed in with FranceConnect (tests/continuite/test_franceconnect.py): no role of
    # this matrix has it.
    "continuite:mes_acces_franceconnect": Endpoint(
        NOT_FOUND_FOR_ALL, _fixed("/continuite/mes-acces/"), hidden=lambda w: ["ZOUBIR"], hidden_roles=ROLES
    ),
    # The former token addresses: 404 for everyone, with the right token or not.
    "planning:ancien_disponibilites": Endpoint(
        GONE,
        _side(
            lambda w, r: f"/planning/medecin/{w.doc_a.jeton_calendrier}/disponibilites/",
            lambda w, r: "/planning/medecin/jeton-invente/disponibilites/",
        ),
        writes=lambda w: {"mission": w.mission_a.pk, "reponse": "desister", "commentaire": "essai"},
    ),
    "planning:ancien_missions": Endpoint(
        GONE,
        _side(
            lambda w, r: f"/planning/medecin/{w.doc_a.jeton_calendrier}/missions/",
            lambda w, r: "/planning/medecin/jeton-invente/missions/",
        ),
        writes=lambda w: {"mission": w.mission_a.pk, "reponse": "desister", "commentaire": "essai"},
    ),
    "rdv:ancienne_journee": Endpoint(
        GONE,
        _side(
            lambda w, r: f"/rendez-vous/journee/{w.doc_a.jeton_calendrier}/{w.mission_a.pk}/",
            lambda w, r: f"/rendez-vous/journee/{w.doc_b.jeton_calendrier}/{w.mission_a.pk}/",
        ),
        hidden=lambda w: ["MARTIN", "ZOUBIR"],
        hidden_roles=ROLES,
        writes=lambda w: {"rendez_vous": w.rdv_a.pk, "statut": "vu"},
    ),
    # The lieu référent's page: the days of their lieux (each opening the day's list, above), none of another.
    "planning:referent": Endpoint(
        REFERENT_SELF, _fixed("/planning/referent/"), hidden=lambda w: [w.lieu_b.nom], hidden_roles=ROLES
    ),
    # The logins (decision 0005). The providers are off in the tests (404: tests/connexion runs them against a real
    # provider), so is the development login; "Mes rendez-vous" is the FranceConnect patients' (tests/connexion),
    # no role of this matrix.
    "connexion:page": Endpoint(PUBLIC_NO_OBJECT, _fixed("/connexion/")),
    "connexion:start": Endpoint(NOT_FOUND_FOR_ALL, _fixed("/connexion/psc/")),
    "connexion:retour": Endpoint(NOT_FOUND_FOR_ALL, _fixed("/connexion/psc/retour/?code=x&state=y")),
    "connexion:dev": Endpoint(NOT_FOUND_FOR_ALL, _fixed("/connexion/dev/")),
    "connexion:dev_lien": Endpoint(NOT_FOUND_FOR_ALL, _fixed("/connexion/dev/jeton-invente/")),
    "connexion:deconnexion": Endpoint(NOT_FOUND_FOR_ALL, _fixed("/connexion/deconnexion/")),  # POST only
    # Without a logout under way, back to the login page: nothing to show.
    "connexion:fin_fournisseur": Endpoint(
        NOT_FOUND_FOR_ALL, _fixed("/connexion/deconnexion/fournisseur/"), deny_redirect="/connexion/"
    ),
    "connexion:mes_rendez_vous": Endpoint(
        NOT_FOUND_FOR_ALL,
        _fixed("/connexion/mes-rendez-vous/"),
        hidden=lambda w: ["ZOUBIR"],
        hidden_roles=ROLES,
    ),
    # The ARS (its region) and the ministry (everything).
    "rdv:journee_ars": Endpoint(
        ARS_REGION,
        _side(
            lambda w, r: f"/rendez-vous/ars/journee/{w.mission_a.pk}/",
            lambda w, r: f"/rendez-vous/ars/journee/{w.mission_b.pk}/",
        ),
        writes=lambda w: {"action": "annuler_mission", "commentaire": "Essai de la matrice"},
    ),
    "rdv:absences": Endpoint(
        STAFF, _fixed("/rendez-vous/ars/absences/"), hidden=lambda w: ["ZOUBIR"], hidden_roles=("ars",)
    ),
    "planning:ars": Endpoint(
        ARS_REGION,
        _side(
            lambda w, r: f"/planning/ars/?region={w.region_a.code}",
            lambda w, r: f"/planning/ars/?region={w.region_b.code}",
        ),
        writes=lambda w: {"action": "publier", "run": 0},
    ),
    "planning:ars_calcul": Endpoint(
        ARS_REGION,
        _side(
            lambda w, r: f"/planning/ars/calcul/?region={w.region_a.code}",
            lambda w, r: f"/planning/ars/calcul/?region={w.region_b.code}",
        ),
    ),
    "zonage:comparer_campagnes": Endpoint(
        STAFF, lambda w, s, r: f"/zonage/gestion/campagnes/{w.campagne.pk}/{w.campagne.pk}/"
    ),
    "zonage:comparer_liste": Endpoint(STAFF, lambda w, s, r: f"/zonage/gestion/listes/{w.liste.pk}/"),
    # FHIR: public lieux and slots; appointments for the ARS of their region.
    "fhir:location": Endpoint(PUBLIC_NO_OBJECT, _fixed("/fhir/Location")),
    "fhir:location_read": Endpoint(
        PUBLIC, _side(lambda w, r: f"/fhir/Location/{w.lieu_a.pk}", lambda w, r: "/fhir/Location/999999")
    ),
    "fhir:schedule": Endpoint(PUBLIC_NO_OBJECT, _fixed("/fhir/Schedule")),
    "fhir:schedule_read": Endpoint(
        PUBLIC, _side(lambda w, r: f"/fhir/Schedule/{w.lieu_a.pk}", lambda w, r: "/fhir/Schedule/999999")
    ),
    "fhir:slot": Endpoint(
        PUBLIC,
        _side(
            lambda w, r: f"/fhir/Slot?schedule=Schedule/{w.lieu_a.pk}",
            lambda w, r: "/fhir/Slot?schedule=Schedule/999999",
        ),
    ),
    "fhir:appointment": Endpoint(
        ARS_REGION,
        _side(
            # inside: every appointment of the last days and the next weeks (B's too exist: not for the ARS of A)
            lambda w, r: (
                f"/fhir/Appointment?date=ge{w.today - dt.timedelta(days=5)}&date=le{w.today + dt.timedelta(days=20)}"
            ),
            lambda w, r: f"/fhir/Appointment?location=Location/{w.lieu_b.pk}&date=ge{w.mission_a.date}",
        ),
        hidden=lambda w: ["ZOUBIR"],
        hidden_roles=("ars",),
    ),
    "fhir:slot_read": Endpoint(
        PUBLIC,
        _side(
            lambda w, r: f"/fhir/Slot/{services.slots(w.lieu_a, w.mission_a.date, w.mission_a.date)[0].id}",
            lambda w, r: f"/fhir/Slot/999999-{w.mission_a.date:%Y%m%d}0830",
        ),
    ),
    "fhir:appointment_read": Endpoint(
        ARS_REGION,
        _side(lambda w, r: f"/fhir/Appointment/{w.rdv_a.pk}", lambda w, r: f"/fhir/Appointment/{w.rdv_b.pk}"),
        hidden=lambda w: ["ZOUBIR"],
        hidden_roles=("ars",),
    ),
    "fhir:metadata": Endpoint(PUBLIC_NO_OBJECT, _fixed("/fhir/metadata")),
    "fhir:?": Endpoint(NOT_FOUND_FOR_ALL, _fixed("/fhir/Patient")),
    # The API's own pages (its operations come from the OpenAPI document, below).
    "api:openapi-json": Endpoint(PUBLIC_NO_OBJECT, _fixed("/api/v1/openapi.json")),
    "api:openapi-view": Endpoint(PUBLIC_NO_OBJECT, _fixed("/api/v1/docs")),
    "api:api-root": Endpoint(NOT_FOUND_FOR_ALL, _fixed("/api/v1/")),
    "GET /api/v1/lieux": Endpoint(
        PUBLIC_NO_OBJECT, lambda w, s, r: f"/api/v1/lieux?commune={w.lieu_a.commune.code_insee}"
    ),
    "GET /api/v1/lieux/{lieu_id}/creneaux": Endpoint(
        PUBLIC,
        _side(
            lambda w, r: f"/api/v1/lieux/{w.lieu_a.pk}/creneaux?du={w.mission_a.date}&au={w.mission_a.date}",
            lambda w, r: (
                f"/api/v1/lieux/{w.lieu_off.pk}/creneaux?du={w.mission_a.date}&au={w.mission_a.date}"
            ),
        ),
    ),
    "POST /api/v1/rendez-vous": Endpoint(
        PUBLIC_NO_OBJECT,
        _fixed("/api/v1/rendez-vous"),
        method="post",
        body=lambda w: {**_new_patient(w), "creneau": _slot(w)},
    ),
    "DELETE /api/v1/rendez-vous/{jeton}": Endpoint(
        SECRET_LINK,
        _side(
            lambda w, r: f"/api/v1/rendez-vous/{_fresh_token(w, r)}",
            lambda w, r: f"/api/v1/rendez-vous/{w.token_a[:-3]}xyz",
        ),
        method="delete",
    ),
    # The back office's own pages.
    "admin:index": Endpoint(STAFF, _fixed("/admin/")),
    "admin:app_list": Endpoint(STAFF, _fixed("/admin/annuaire/")),
    "admin:login": Endpoint(PUBLIC_NO_OBJECT, _fixed("/admin/login/")),
    # POST only (GET is 405); Django's admin sends the accounts without the back office to its index.
    "admin:logout": Endpoint(NOT_FOUND_FOR_ALL, _fixed("/admin/logout/"), deny_redirect="/admin/"),
    "admin:password_change": Endpoint(STAFF, _fixed("/admin/password_change/")),
    "admin:password_change_done": Endpoint(STAFF, _fixed("/admin/password_change/done/")),
    "admin:jsi18n": Endpoint(STAFF, _fixed("/admin/jsi18n/")),
    "admin:autocomplete": Endpoint(
        STAFF,
        lambda w, s, r: (
            "/admin/autocomplete/?app_label=rdv&model_name=horairesconsultation&field_name=lieu&term=Maison"
        ),
        hidden=lambda w: [w.lieu_b.nom],
        hidden_roles=("ars",),
    ),
    "admin:view_on_site": Endpoint(
        NOT_FOUND_FOR_ALL,  # no model of the platform has a public address of its own
        lambda w, s, r: f"/admin/r/{ContentType.objects.get_for_model(LieuSolidaire).pk}/{w.lieu_b.pk}/",
    ),
    "admin:?": Endpoint(NOT_FOUND_FOR_ALL, _fixed("/admin/inexistant/")),
    **_admin_policy(),
}
# pilotage, the dashboard and open data (issue 24, ADR 0018): public (masked), ARS (its region), the ministry.


def _publication(w: Any) -> str:
    """A published quarter (created once), its CSV's address."""
    from solidarite.pilotage.models import PublicationTrimestre

    p = PublicationTrimestre.objects.get_or_create(
        trimestre="2026T1",
        version=1,
        defaults={"schema_version": "1.0.0", "lignes": 0, "contenu": "trimestre\n", "empreinte": "0" * 64},
    )[0]
    return f"/pilotage/donnees-ouvertes/{p.trimestre}/v{p.version}.csv"


POLICY |= {
    "pilotage:tableau": Endpoint(PUBLIC_NO_OBJECT, _fixed("/pilotage/")),
    "pilotage:zones_geojson": Endpoint(PUBLIC_NO_OBJECT, _fixed("/pilotage/zones.geojson")),
    "pilotage:export": Endpoint(PUBLIC_NO_OBJECT, _fixed("/pilotage/export/zones.csv")),
    "pilotage:gestion": Endpoint(
        ARS_REGION,
        _side(
            lambda w, r: f"/pilotage/gestion/?region={w.region_a.code}",
            lambda w, r: f"/pilotage/gestion/?region={w.region_b.code}",
        ),
        hidden=lambda w: [w.lieu_b.epci.nom],
        hidden_roles=("ars",),
    ),
    "pilotage:gestion_export": Endpoint(
        ARS_REGION,
        _side(
            lambda w, r: f"/pilotage/gestion/export/zones.csv?region={w.region_a.code}",
            lambda w, r: f"/pilotage/gestion/export/zones.csv?region={w.region_b.code}",
        ),
        hidden=lambda w: [w.lieu_b.epci.siren],
        hidden_roles=("ars",),
    ),
    "pilotage:donnees_ouvertes": Endpoint(PUBLIC_NO_OBJECT, _fixed("/pilotage/donnees-ouvertes/")),
    "pilotage:donnees_ouvertes_schema": Endpoint(
        PUBLIC_NO_OBJECT, _fixed("/pilotage/donnees-ouvertes/schema.json")
    ),
    "pilotage:donnees_ouvertes_csv": Endpoint(
        PUBLIC, _side(lambda w, r: _publication(w), lambda w, r: "/pilotage/donnees-ouvertes/2026T1/v9.csv")
    ),
    "pilotage:publier": Endpoint(
        NATIONAL, _fixed("/pilotage/donnees-ouvertes/publier/"), writes=lambda w: {"trimestre": "2026T2"}
    ),
}
# indemnisation (issue 21): the volunteer's statements, the days' confirmation, the ARS, the ministry.
OWN_STATEMENT = {r: ((ALLOW, DENY) if r == "medecin" else (DENY, DENY)) for r in ROLES}
CONFIRMERS = {r: ((ALLOW if r in ("medecin", "referent") else DENY), None) for r in ROLES}
POLICY |= {
    "indemnisation:medecin": Endpoint(
        VOLUNTEER_SELF, _fixed("/indemnisation/medecin/"), hidden=lambda w: [w.doc_b.nom], hidden_roles=ROLES
    ),
    "indemnisation:releve_pdf": Endpoint(
        OWN_STATEMENT,
        _side(
            lambda w, r: f"/indemnisation/medecin/releve/{w.releve_a.pk}.pdf",
            lambda w, r: f"/indemnisation/medecin/releve/{w.releve_b.pk}.pdf",
        ),
    ),
    "indemnisation:jours": Endpoint(
        CONFIRMERS, _fixed("/indemnisation/jours/"), hidden=lambda w: [w.lieu_b.nom], hidden_roles=ROLES
    ),
    "indemnisation:confirmer": Endpoint(
        DAY_LIST,
        _side(
            lambda w, r: f"/indemnisation/jours/{w.mission_a.pk}/",
            lambda w, r: f"/indemnisation/jours/{w.mission_b.pk}/",
        ),
        writes=lambda w: {"nature": "journee"},
    ),
    "indemnisation:ars": Endpoint(
        ARS_REGION,
        _side(
            lambda w, r: f"/indemnisation/ars/?region={w.region_a.code}",
            lambda w, r: f"/indemnisation/ars/?region={w.region_b.code}",
        ),
        writes=lambda w: {"action": "valider", "releves": w.releve_b.pk},
    ),
    "indemnisation:ars_calcul": Endpoint(
        ARS_REGION,
        _side(
            lambda w, r: f"/indemnisation/ars/calcul/?region={w.region_a.code}",
            lambda w, r: f"/indemnisation/ars/calcul/?region={w.region_b.code}",
        ),
    ),
    "indemnisation:export": Endpoint(
        ARS_REGION,
        _side(
            lambda w, r: f"/indemnisation/ars/export/?region={w.region_a.code}",
            lambda w, r: f"/indemnisation/ars/export/?region={w.region_b.code}",
        ),
    ),
    "indemnisation:national": Endpoint(NATIONAL, _fixed("/indemnisation/national/")),
    "indemnisation:schema": Endpoint(PUBLIC_NO_OBJECT, _fixed("/indemnisation/schema-cpam.json")),
}
# pilotage, the impact simulator (issue 24, ADR 0019): ARS agents and the national admin; every run is national.


def _simulation(w: Any) -> int:
    """A finished simulation (recreated when a cell cancelled it: cancelling deletes the row)."""
    from solidarite.pilotage.models import Simulation
    from tests.pilotage.exemples import resultat_exemple

    sim = getattr(w, "simulation", None)
    if sim is None or not Simulation.objects.filter(pk=sim.pk).exists():
        sim = w.simulation = Simulation.objects.create(
            volontaires=10, seeds=1, mois=1, couverture=1.0, etat="terminee", resultat=resultat_exemple()
        )
    return int(sim.pk)


def _pending_simulation(w: Any, role: str) -> int:
    """A queued simulation of this role's own (only its author, or the ministry, cancels one)."""
    from solidarite.pilotage.models import Simulation

    sim = Simulation.objects.create(volontaires=10, seeds=1, mois=1, couverture=1.0, cree_par=w.users[role])
    return int(sim.pk)


SIMULATION_FORM = {"volontaires": "10", "seeds": "1", "mois": "1", "couverture": "100"}
POLICY |= {
    "pilotage:simulations": Endpoint(
        STAFF, _fixed("/pilotage/simulations/"), writes=lambda w: SIMULATION_FORM
    ),
    "pilotage:simulation": Endpoint(STAFF, lambda w, s, r: f"/pilotage/simulations/{_simulation(w)}/"),
    "pilotage:simulation_progres": Endpoint(
        STAFF, lambda w, s, r: f"/pilotage/simulations/{_simulation(w)}/progres/"
    ),
    "pilotage:simulation_geojson": Endpoint(
        STAFF, lambda w, s, r: f"/pilotage/simulations/{_simulation(w)}/apl.geojson"
    ),
    "pilotage:simulation_annuler": Endpoint(
        STAFF,
        lambda w, s, r: f"/pilotage/simulations/{_pending_simulation(w, r)}/annuler/",
        method="post",
        body=lambda w: {},
        form=True,
    ),
}
# Admin views that write (add, delete, password of a user): not read by the matrix; the roles without the
# back office are still refused (checked: redirect to the login), and the scoped models' delete view of
# another region is a 404 like their change view (territoire.backoffice.RegionScopedAdmin).
WRITE_ONLY_ADMIN = re.compile(r"^admin:\w+_(add|delete|password_change)$")


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = (
                f"{namespace}:{pattern.namespace}"
                if namespace and pattern.namespace
                else (pattern.namespace or namespace)
            )
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or "?"
            yield prefix + str(pattern.pattern), f"{namespace}:{name}" if namespace else name


def endpoints() -> tuple[list[str], list[str]]:
    """Every endpoint key: URL names from the resolver, `METHOD path` from the OpenAPI document; and those to
    read only through the write-only rule."""
    schema_paths = api.get_openapi_schema()["paths"]
    operations = [f"{method.upper()} {path}" for path, item in schema_paths.items() for method in item]
    keys, write_only = set(operations), set()
    for route, name in _walk(get_resolver().url_patterns):
        openapi_path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
        if name.startswith("api:") and name not in POLICY and openapi_path in schema_paths:
            continue  # an API operation: covered by its OpenAPI key (one missing from the document: by its name)
        (write_only if WRITE_ONLY_ADMIN.match(name) else keys).add(name)
    return sorted(keys), sorted(write_only)


def _continuite(rdv: RendezVous) -> Any:
    """Continuity of care (issue 20): the appointment's identity confirmed, its handover with one exam, both on
    the day of its mission (a week ahead: never before the visit)."""
    from solidarite.continuite import services as continuite

    doctor = rdv.mission.medecin
    identite = continuite.Identite(rdv.nom, rdv.prenom, rdv.date_naissance, "F", "15120")
    saisie = continuite.Saisie(
        "Toux",
        "Bronchite",
        examens=(continuite.Examen("biologie", "NFS", rdv.mission.date + dt.timedelta(days=7)),),
    )
    with le_jour_de(rdv):
        continuite.confirmer_identite(rdv, doctor, identite, None)
        return continuite.ecrire_transmission(rdv, doctor, saisie, None)


class World:
    """Two regions, A (the ARS agent's) and B, each with a lieu, a volunteer, a confirmed mission and a patient."""

    def __init__(self) -> None:
        commune_a = zone_commune(1)
        self.region_a = commune_a.departement.region
        rank_b = next(r for r in range(2, 151) if zone_commune(r).departement.region_id != self.region_a.pk)
        commune_b = zone_commune(rank_b)
        self.region_b = commune_b.departement.region
        self.lieu_a, self.lieu_b = lieu(commune_a), lieu(commune_b)
        self.lieu_off = lieu(commune_a, actif=False)
        self.horaires_a = HorairesConsultation.objects.get_or_create(lieu=self.lieu_a)[0]
        self.horaires_b = HorairesConsultation.objects.get_or_create(lieu=self.lieu_b)[0]
        self.doc_a, self.doc_b = medecin(commune_a), medecin(commune_b)
        self.doc_revoked = medecin(commune_a, jeton_calendrier_revoque_le=timezone.now())
        day = timezone.localdate() + dt.timedelta(days=7)
        confirmed = Mission.Statut.CONFIRMEE
        self.mission_a = Mission.objects.create(
            medecin=self.doc_a, lieu=self.lieu_a, date=day, statut=confirmed
        )
        self.mission_b = Mission.objects.create(
            medecin=self.doc_b, lieu=self.lieu_b, date=day, statut=confirmed
        )
        Mission.objects.create(medecin=self.doc_revoked, lieu=self.lieu_a, date=day, statut=confirmed)
        self.patient_data = {
            "nom": "Martin",
            "prenom": "Jeanne",
            "date_naissance": "1948-05-17",
            "telephone": "0612345678",
        }
        slots_a = [c.id for c in services.slots(self.lieu_a, day, day) if c.libre]
        slots_b = [c.id for c in services.slots(self.lieu_b, day, day) if c.libre]
        rdv_a = self.rdv_a = services.book(slots_a.pop(0), self.patient_data)
        rdv_b = self.rdv_b = services.book(
            slots_b.pop(0), {**self.patient_data, "nom": "Zoubir", "date_naissance": "1950-02-03"}
        )
        self.free_slots = slots_a
        self.patients_made = 0
        self.token_a = services.jeton_for(rdv_a)
        self.transmission_a, self.transmission_b = _continuite(rdv_a), _continuite(rdv_b)
        # Patient B absent twice: in the no-show list of region B, which the ARS of A never sees.
        next_day = Mission.objects.create(
            medecin=self.doc_b, lieu=self.lieu_b, date=day + dt.timedelta(days=1), statut=confirmed
        )
        free_b = [c.id for c in services.slots(self.lieu_b, next_day.date, next_day.date) if c.libre]
        again_b = services.book(
            free_b[0], {**self.patient_data, "nom": "Zoubir", "date_naissance": "1950-02-03"}
        )
        RendezVous.objects.filter(pk__in=[rdv_b.pk, again_b.pk]).update(
            statut=RendezVous.Statut.ABSENT, debut=timezone.now() - dt.timedelta(days=3)
        )
        today = self.today = timezone.localdate()
        self.waitlist_form = {
            "nom": "Petit",
            "prenom": "Louis",
            "telephone": "0611111111",
            "du": (today + dt.timedelta(days=1)).isoformat(),
            "au": (today + dt.timedelta(days=40)).isoformat(),
        }
        entry = attente.register(self.lieu_a, self.waitlist_form)
        self.waitlist_token = attente.jeton_for(entry)
        self.waitlist_all_token = attente.jeton_tout_for(entry, "sms")
        self.message_a = Message.objects.filter(rendez_vous=rdv_a).first() or Message.objects.create(
            rendez_vous=rdv_a, nature="confirmation", canal="sms", prevu_le=timezone.now()
        )
        self.message_b = Message.objects.filter(rendez_vous=rdv_b).first() or Message.objects.create(
            rendez_vous=rdv_b, nature="confirmation", canal="sms", prevu_le=timezone.now()
        )
        self.campagne = zonage.active_campaign() or Campagne.objects.get()
        self.liste = ListeOfficielle.objects.create(nom="Liste test", date=day, source="test")
        epci_a, epci_b = self.lieu_a.epci, self.lieu_b.epci
        admin = User.objects.create_superuser("ministere", "ministere@exemple.fr", "x" * 16)
        self.ajustement_a = Ajustement.objects.create(
            campagne=self.campagne,
            epci=epci_a,
            action="retrait",
            motif="Motif de test assez long",
            region=self.region_a,
            auteur=admin,
        )
        self.ajustement_b = Ajustement.objects.create(
            campagne=self.campagne,
            epci=epci_b,
            action="retrait",
            motif="Motif de test assez long",
            region=self.region_b,
            auteur=admin,
        )
        from django.contrib.auth.models import Group

        self.group = Group.objects.create(name="Agents ARS")
        from solidarite.territoire.models import CommuneDeleguee

        self.commune_deleguee = CommuneDeleguee.objects.values_list("pk", flat=True).first()
        from dsfr.models import DsfrConfig

        self.dsfr_config = DsfrConfig.objects.get_or_create(pk=1)[0].pk
        from solidarite.rdv.tasks import purge_quotidienne

        self.task_result = purge_quotidienne.enqueue().id
        self.users: dict[str, User | None] = {"anonyme": None, "patient": None}
        self.users["medecin"] = compte(self.doc_a)
        compte(self.doc_b)
        self.users["referent"] = referent(self.lieu_a)
        referent(self.lieu_b)
        self.ref_row_a = ReferentLieu.objects.get(lieu=self.lieu_a)
        self.ref_row_b = ReferentLieu.objects.get(lieu=self.lieu_b)
        ars = User.objects.create_user("ars-a", is_staff=True)
        ars.user_permissions.set(  # as the ARS group would: reading its models, not the accounts
            Permission.objects.filter(codename__startswith="view_").exclude(
                content_type__app_label__in=["auth", "dsfr"]
            )
        )
        self.agent_a = AgentArs.objects.create(user=ars, region=self.region_a)
        self.agent_b = AgentArs.objects.create(
            user=User.objects.create_user("ars-b", is_staff=True), region=self.region_b
        )
        self.users["ars"] = ars
        self.users["admin"] = admin
        self.hidden_text = {  # in a change list, a row of region B is a link to its change page
            model: f"/admin/{model.replace('.', '/')}/{ids(self)[1]}/change/"
            for model, ids in SCOPED_ADMIN.items()
        }
        # indemnisation: a validated statement of each region's volunteer, for this month.
        from solidarite.indemnisation.models import Releve

        self.releve_a, self.releve_b = (
            Releve.objects.create(
                medecin=doc, region=region, mois=today.replace(day=1), cpam="15", statut="valide"
            )
            for doc, region in ((self.doc_a, self.region_a), (self.doc_b, self.region_b))
        )


def _outcome(response: Any, deny_redirect: str = "") -> str:
    status = response.status_code
    if status in (200, 201, 204):
        return ALLOW
    if status == 302:
        location = response["Location"]
        login = "/login/" in location or "/connexion/" in location or "/accounts/" in location
        return DENY if login or (deny_redirect and location == deny_redirect) else ALLOW
    if status in (401, 403, 404, 405):
        return DENY
    return f"statut {status}"


def run_matrix(world: World) -> tuple[int, list[str], list[str]]:
    keys, write_only = endpoints()
    unclassified = [k for k in keys if k not in POLICY]
    assert not unclassified, (
        f"Points d'accès à classer dans POLICY (tests/test_matrice_acces.py) : {unclassified}"
    )
    cells, leaks, wrong = 0, [], []
    clients = {}
    for role in ROLES:
        client = Client()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        clients[role] = client
    for key in keys:
        endpoint = POLICY[key]
        for role in ROLES:
            for side, expected in zip(("in", "out"), endpoint.kinds[role], strict=True):
                if expected is None:
                    continue
                path = endpoint.url(world, side, role)
                call = getattr(clients[role], endpoint.method)
                if endpoint.body is not None and endpoint.form:
                    response = call(path, endpoint.body(world))
                elif endpoint.body is not None:
                    response = call(path, endpoint.body(world), content_type="application/json")
                else:
                    response = call(path)
                cells += 1
                got = _outcome(response, endpoint.deny_redirect)
                text = response.content.decode(errors="replace") if hasattr(response, "content") else ""
                shown = [t for t in endpoint.hidden(world) if t and t in text]
                where = f"{key} · {role} · {'dedans' if side == 'in' else 'dehors'} · {path} → {response.status_code}"
                if expected == DENY and got == ALLOW:
                    leaks.append(where)
                elif shown and (expected == DENY or role in endpoint.hidden_roles):
                    leaks.append(f"{where} montre {shown}")
                elif got != expected:
                    wrong.append(where)
                if expected == DENY and endpoint.writes is not None:  # a refused reader writes nothing either
                    posted = clients[role].post(path, endpoint.writes(world))
                    cells += 1
                    if _outcome(posted, endpoint.deny_redirect) != DENY:
                        leaks.append(f"{where} · POST → {posted.status_code}")
    for name in write_only:  # add/delete views: refused to every role without the back office
        model = name.split(":")[1].rsplit("_", 1)[0]
        app, _, model_name = model.partition("_")
        for role in ("anonyme", "patient", "medecin", "referent"):
            path = (
                f"/admin/{app}/{model_name}/add/"
                if name.endswith("_add")
                else f"/admin/{app}/{model_name}/1/delete/"
            )
            cells += 1
            got = _outcome(clients[role].get(path))
            if got != DENY:
                leaks.append(f"{name} · {role} · {path} → {got}")
    return cells, leaks, wrong


# django-dsfr's settings page (a national-admin page) has URL fields built without assume_scheme.
@pytest.mark.filterwarnings(
    "ignore:The default scheme will be changed:django.utils.deprecation.RemovedInDjango60Warning"
)
def test_every_endpoint_every_role_inside_and_outside_its_scope(settings, capsys) -> None:  # type: ignore[no-untyped-def]
    settings.SOLIDARITE_LISTE_ABSENCES = True  # the list is checked for its region rule too
    world = World()
    statuses = {m.pk: m.statut for m in Mission.objects.all()}
    statuses_rdv = dict(
        RendezVous.objects.filter(pk__in=[world.rdv_a.pk, world.rdv_b.pk]).values_list("pk", "statut")
    )
    cells, leaks, wrong = run_matrix(world)
    with capsys.disabled():
        print(f"\nmatrice d'autorisation : {cells} cellules, {len(leaks)} fuite(s), {len(wrong)} écart(s)")
    assert not leaks, "Fuites :\n" + "\n".join(leaks)
    assert not wrong, "Réponses inattendues :\n" + "\n".join(wrong)
    # nothing written by the refused POSTs: the missions and the appointments keep their state
    assert {m.pk: m.statut for m in Mission.objects.filter(pk__in=statuses)} == statuses
    assert dict(RendezVous.objects.filter(pk__in=statuses_rdv).values_list("pk", "statut")) == statuses_rdv


def test_a_new_route_must_be_classified(settings) -> None:  # type: ignore[no-untyped-def]
    """A route nobody classified (here, one added to the URL configuration) makes the matrix fail."""
    assert not [k for k in endpoints()[0] if k not in POLICY]
    settings.ROOT_URLCONF = "tests.urls_nouvelle_route"
    assert [k for k in endpoints()[0] if k not in POLICY] == ["nouvelle:route"]
