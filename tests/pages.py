"""Every named route of the URL configuration, and how a test reaches it: who, with which sample object, and what to
click there; or why it is not visited (EXCLUDED). Read by tests/test_csp.py (headers and HTML, test client) and by
tests/browser/test_csp.py (the real browser).

The list of routes is derived from the URL configuration (`get_resolver()`), never written by hand: a route that is
in neither REACH nor EXCLUDED, nor a back-office route of a registered model, fails both tests, so that a page added
later (the logins under /connexion/, the privacy pages) is checked from the day it is added.

One entry per route name. Who reaches it is a role of ROLES: "public" (nobody logged in), "medecin" (today the
doctor, logged in; only the iCal feed is
reached by its secret link), "ars" (an ARS agent of the sample lieu's region, logged
in), "admin" (a national administrator, superuser).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire, ReferentLieu
from solidarite.annuaire.validation import rpps_with_key
from solidarite.planning.models import Mission
from solidarite.rdv import attente, services
from solidarite.rdv.models import HorairesConsultation, RendezVous
from solidarite.territoire.models import Commune
from solidarite.zonage import services as zonage
from solidarite.zonage.models import Ajustement, Campagne, ListeOfficielle
from tests.factories import agent_ars, compte, le_jour_de
from tests.factories import medecin as make_medecin

PATIENT = {"nom": "Martin", "prenom": "Jeanne", "date_naissance": "1948-05-17", "telephone": "06 12 34 56 78"}


@dataclass(frozen=True)
class Visit:
    """One request of a route: its address, who makes it, what it answers, what the browser does there."""

    url: str
    role: str = "public"
    html: bool = True  # an HTML page; False: JSON, GeoJSON, iCalendar, FHIR (only the header is checked)
    status: int | None = (
        200  # None: whatever the back office decides for this user (200, 302 or 403), never a 5xx
    )
    actions: tuple[
        str, ...
    ] = ()  # names of tests/browser/test_csp.py's ACTIONS, run after the page has loaded


@dataclass
class Samples:
    """The objects the visits need, created by `make_samples` in the test's database."""

    commune: Commune
    lieu: LieuSolidaire
    medecin: MedecinVolontaire
    mission: Mission
    rdv: RendezVous
    rdv_jeton: str
    attente_jeton: str
    creneau_libre: str
    creneau_deplacer: str
    campagne: Campagne
    liste: ListeOfficielle
    agent: User
    admin: User


def _next_weekday(start: dt.date) -> dt.date:
    while start.weekday() >= 5:
        start += dt.timedelta(days=1)
    return start


def _transmission(s: Samples) -> Any:
    """The sample appointment's identity confirmed and its handover written (one exam), once, on the day of its
    mission (a few days ahead: never before the visit)."""
    from solidarite.continuite import services as continuite
    from solidarite.continuite.models import Transmission

    found = Transmission.objects.filter(visite__rendez_vous=s.rdv).first()
    if found is not None:
        return found
    identite = continuite.Identite("Martin", "Jeanne", dt.date(1948, 5, 17), "F", "15120")
    saisie = continuite.Saisie(
        "Toux",
        "Bronchite",
        examens=(continuite.Examen("biologie", "NFS", s.mission.date + dt.timedelta(days=7)),),
    )
    with le_jour_de(s.rdv):
        continuite.confirmer_identite(s.rdv, s.medecin, identite, s.medecin.compte)
        return continuite.ecrire_transmission(s.rdv, s.medecin, saisie, s.medecin.compte)


def make_samples() -> Samples:
    """A lieu in the first zone of the active campaign (computed and saved beforehand), a doctor with a confirmed
    mission there in a few days, a booked appointment, a waitlist entry, an ARS agent of the lieu's region, an
    administrator, and one object of every model of the back office."""
    campagne = zonage.active_campaign()
    assert campagne is not None, "make_samples : une campagne de zonage active est nécessaire"
    commune = Commune.objects.select_related("epci", "departement__region").get(code_insee="15120")  # Mauriac
    lieu = LieuSolidaire.objects.create(
        nom="Maison de santé de Mauriac",
        epci=commune.epci,
        commune=commune,
        adresse="1 place de la Mairie",
        latitude=commune.latitude,
        longitude=commune.longitude,
        type="msp",
        referent_nom="Claire Martin",
        referent_telephone="+33471000000",
        jours_ouverture=[0, 1, 2, 3, 4],
        accessibilite="Accès de plain-pied",
    )
    HorairesConsultation.objects.create(lieu=lieu)
    doctor = make_medecin(commune)
    compte(doctor)  # the account the Pro Santé Connect login attaches
    day = _next_weekday(timezone.localdate() + dt.timedelta(days=3))
    mission = Mission.objects.create(medecin=doctor, lieu=lieu, date=day, statut="confirmee")
    slots = services.slots(lieu, day, day)
    rdv = services.book(slots[0].id, PATIENT, canal="site")  # also queues its messages (rdv.Message)
    today = timezone.localdate()
    inscription = attente.register(
        lieu, {**PATIENT, "du": today.isoformat(), "au": (today + dt.timedelta(days=30)).isoformat()}
    )
    region = commune.departement.region
    agent = agent_ars(region.code, username="agent-csp")
    superuser = User.objects.create_superuser("admin-csp", "admin-csp@exemple.fr", "mot-de-passe-solide-123")
    liste = ListeOfficielle.objects.create(
        nom="Liste officielle", date=dt.date(2025, 6, 27), source="Ministère"
    )
    Ajustement.objects.create(
        campagne=campagne, epci=commune.epci, action="retrait", motif="Exemple", auteur=agent, region=region
    )
    ReferentLieu.objects.create(
        lieu=lieu,
        rpps=rpps_with_key("1000000000"),
        nom="Martin",
        prenom="Claire",
        compte=User.objects.create_user("referent-csp"),
    )
    Group.objects.get_or_create(name="Agents ARS")
    from solidarite.rdv.tasks import purge_quotidienne

    purge_quotidienne.enqueue()  # a background task, for the back office's pages of task results
    from dsfr.models import DsfrConfig

    DsfrConfig.objects.get_or_create(language="fr")
    return Samples(
        commune=commune,
        lieu=lieu,
        medecin=doctor,
        mission=mission,
        rdv=rdv,
        rdv_jeton=services.jeton_for(rdv),
        attente_jeton=attente.jeton_for(inscription),
        creneau_libre=slots[1].id,
        creneau_deplacer=slots[2].id,
        campagne=campagne,
        liste=liste,
        agent=agent,
        admin=superuser,
    )


# How each role logs in: the user to log in, or None (nobody).
ROLES: dict[str, Callable[[Samples], User | None]] = {
    "public": lambda s: None,
    "medecin": lambda s: s.medecin.compte,
    "referent": lambda s: s.lieu.referents.get().compte,
    "ars": lambda s: s.agent,
    "admin": lambda s: s.admin,
}

# One entry per route name: the visits that reach it.
REACH: dict[str, Callable[[Samples], list[Visit]]] = {
    "home": lambda s: [Visit("/", actions=("autocompletion_commune",))],
    "healthz": lambda s: [Visit(reverse("healthz"), html=False)],
    "donnees_personnelles": lambda s: [Visit(reverse("donnees_personnelles"))],
    "mentions_legales": lambda s: [Visit(reverse("mentions_legales"))],
    "accessibilite": lambda s: [Visit(reverse("accessibilite"))],
    "territoire:recherche": lambda s: [
        Visit(reverse("territoire:recherche"), actions=("autocompletion_commune",))
    ],
    "territoire:commune": lambda s: [Visit(reverse("territoire:commune", args=[s.commune.code_insee]))],
    "zonage:carte": lambda s: [Visit(reverse("zonage:carte"), actions=("carte_zones",))],
    "zonage:zones_geojson": lambda s: [Visit(reverse("zonage:zones_geojson"), html=False)],
    "zonage:epci": lambda s: [Visit(reverse("zonage:epci", args=[s.commune.epci.siren]))],
    "zonage:comparer_campagnes": lambda s: [
        Visit(reverse("zonage:comparer_campagnes", args=[s.campagne.pk, s.campagne.pk]), role="ars")
    ],
    "zonage:comparer_liste": lambda s: [
        Visit(reverse("zonage:comparer_liste", args=[s.liste.pk]), role="ars")
    ],
    "annuaire:inscription": lambda s: [Visit(reverse("annuaire:inscription"))],
    "rdv:recherche": lambda s: [
        Visit(reverse("rdv:recherche"), actions=("autocompletion_rdv",)),
        Visit(f"{reverse('rdv:recherche')}?commune={s.commune.code_insee}", actions=("carte_lieux",)),
        Visit(f"{reverse('rdv:recherche')}?q=15200"),  # several communes share this postcode: the list
        Visit(f"{reverse('rdv:recherche')}?commune=%00", status=400),  # the French error page
    ],
    "rdv:lieu": lambda s: [Visit(reverse("rdv:lieu", args=[s.lieu.pk]), actions=("liste_attente",))],
    "rdv:attente_retrait": lambda s: [Visit(reverse("rdv:attente_retrait", args=[s.attente_jeton]))],
    "rdv:attente_retrait_tout": lambda s: [
        Visit(
            reverse(
                "rdv:attente_retrait_tout",
                args=[attente.jeton_tout_for(attente.from_jeton(s.attente_jeton), "sms")],
            )
        )
    ],
    "rdv:reserver": lambda s: [Visit(reverse("rdv:reserver", args=[s.creneau_libre]), actions=("reserver",))],
    "rdv:gerer": lambda s: [Visit(reverse("rdv:gerer", args=[s.rdv_jeton]))],
    "rdv:deplacer": lambda s: [Visit(reverse("rdv:deplacer", args=[s.rdv_jeton, s.creneau_deplacer]))],
    "rdv:journee_medecin": lambda s: [
        Visit(
            reverse("rdv:journee_medecin", args=[s.mission.pk]),
            role="medecin",
            actions=("imprimer",),
        )
    ],
    # Continuity of care (issue 20): the sample appointment's identity and handover, written on first use.
    "continuite:consultation": lambda s: [
        Visit(
            reverse("continuite:consultation", args=[_transmission(s).visite.rendez_vous_id]), role="medecin"
        )
    ],
    "continuite:journee": lambda s: [
        Visit(reverse("continuite:journee", args=[_transmission(s).mission_id]), role="medecin")
    ],
    "continuite:resultat": lambda s: [
        Visit(reverse("continuite:resultat", args=[_transmission(s).resultats.get().pk]), role="medecin")
    ],
    "continuite:lieu": lambda s: [
        Visit(reverse("continuite:lieu", args=[_transmission(s).lieu_id]), role="medecin")
    ],
    "continuite:rapprochements": lambda s: [
        Visit(reverse("continuite:rapprochements", args=[_transmission(s).lieu_id]), role="medecin")
    ],
    "continuite:ars": lambda s: [Visit(reverse("continuite:ars"), role="ars")],
    "continuite:lettre": lambda s: [
        Visit(reverse("continuite:lettre", args=[_transmission(s).pk]), role="medecin")
    ],
    "continuite:fhir": lambda s: [
        Visit(reverse("continuite:fhir", args=[_transmission(s).pk]), role="medecin", html=False)
    ],
    "continuite:mes_acces": lambda s: [Visit(reverse("continuite:mes_acces", args=[s.rdv_jeton]))],
    "rdv:journee_ars": lambda s: [
        Visit(reverse("rdv:journee_ars", args=[s.mission.pk]), role="ars", actions=("imprimer",))
    ],
    # Off by default (SOLIDARITE_LISTE_ABSENCES, decision 0006): the French page saying why.
    "rdv:absences": lambda s: [Visit(reverse("rdv:absences"), role="ars", status=404)],
    "rdv:ancienne_journee": lambda s: [
        Visit(reverse("rdv:ancienne_journee", args=[s.medecin.jeton_calendrier, s.mission.pk]), status=404)
    ],
    "planning:ancien_disponibilites": lambda s: [
        Visit(reverse("planning:ancien_disponibilites", args=[s.medecin.jeton_calendrier]), status=404)
    ],
    "planning:ancien_missions": lambda s: [
        Visit(reverse("planning:ancien_missions", args=[s.medecin.jeton_calendrier]), status=404)
    ],
    "planning:ars": lambda s: [
        Visit(
            f"{reverse('planning:ars')}?mois={s.mission.date:%Y-%m}", role="ars", actions=("planning_calcul",)
        )
    ],
    # The solve's progress polled by the ARS page (htmx): here, no solve this month.
    "planning:ars_calcul": lambda s: [
        Visit(f"{reverse('planning:ars_calcul')}?mois={s.mission.date:%Y-%m}", role="ars")
    ],
    "planning:disponibilites": lambda s: [
        Visit(
            reverse("planning:disponibilites"),
            role="medecin",
            actions=("calendrier_htmx",),
        )
    ],
    "planning:missions": lambda s: [Visit(reverse("planning:missions"), role="medecin")],
    "planning:referent": lambda s: [Visit(reverse("planning:referent"), role="referent")],
    "connexion:page": lambda s: [Visit(reverse("connexion:page"))],
    # The development login: off outside development (SOLIDARITE_CONNEXION_DEV), its French 404 here.
    "connexion:dev": lambda s: [Visit(reverse("connexion:dev"), status=404)],
    "connexion:dev_lien": lambda s: [
        Visit(reverse("connexion:dev_lien", args=["jeton-invente"]), status=404)
    ],
    "planning:missions_ics": lambda s: [
        Visit(reverse("planning:missions_ics", args=[s.medecin.jeton_calendrier]), html=False)
    ],
    "fhir:location": lambda s: [Visit(reverse("fhir:location"), html=False)],
    "fhir:location_read": lambda s: [Visit(reverse("fhir:location_read", args=[s.lieu.pk]), html=False)],
    "fhir:schedule": lambda s: [Visit(reverse("fhir:schedule"), html=False)],
    "fhir:schedule_read": lambda s: [Visit(reverse("fhir:schedule_read", args=[s.lieu.pk]), html=False)],
    "fhir:slot": lambda s: [Visit(f"{reverse('fhir:slot')}?schedule={s.lieu.pk}", html=False)],
    "fhir:appointment": lambda s: [
        Visit(f"{reverse('fhir:appointment')}?date={s.mission.date:%Y-%m-%d}", role="ars", html=False)
    ],
    "fhir:slot_read": lambda s: [
        Visit(
            reverse("fhir:slot_read", args=[services.slots(s.lieu, s.mission.date, s.mission.date)[0].id]),
            html=False,
        )
    ],
    "fhir:appointment_read": lambda s: [
        Visit(reverse("fhir:appointment_read", args=[s.rdv.pk]), role="ars", html=False)
    ],
    "fhir:metadata": lambda s: [Visit(reverse("fhir:metadata"), html=False)],
    "api:openapi-json": lambda s: [Visit(reverse("api:openapi-json"), html=False)],
    "api:openapi-view": lambda s: [Visit(reverse("api:openapi-view"), actions=("swagger",))],
    "api:lieux": lambda s: [Visit(f"{reverse('api:lieux')}?commune={s.commune.code_insee}", html=False)],
    "api:creneaux": lambda s: [
        Visit(
            f"{reverse('api:creneaux', args=[s.lieu.pk])}?du={s.mission.date}&au={s.mission.date}", html=False
        )
    ],
    # The back office's pages that belong to no model (those of each model are derived: admin_visits).
    "admin:index": lambda s: [Visit(reverse("admin:index"), role="admin")],
    "admin:login": lambda s: [Visit(reverse("admin:login"))],
    "admin:password_change": lambda s: [Visit(reverse("admin:password_change"), role="admin")],
    "admin:password_change_done": lambda s: [Visit(reverse("admin:password_change_done"), role="admin")],
    "admin:app_list": lambda s: [
        Visit(reverse("admin:app_list", kwargs={"app_label": label}), role="admin")
        for label in _admin_app_labels()
    ],
    "admin:auth_user_password_change": lambda s: [
        Visit(reverse("admin:auth_user_password_change", args=[s.admin.pk]), role="admin")
    ],
    "admin:autocomplete": lambda s: [
        Visit(
            f"{reverse('admin:autocomplete')}?app_label=zonage&model_name=ajustement&field_name=epci&term=Mauriac",
            role="admin",
            html=False,
        )
    ],
    # pilotage, the dashboard and open data (issue 24, ADR 0018)
    "pilotage:tableau": lambda s: [Visit(reverse("pilotage:tableau"), actions=("carte_dessinee",))],
    "pilotage:zones_geojson": lambda s: [Visit(reverse("pilotage:zones_geojson"), html=False)],
    "pilotage:export": lambda s: [
        Visit(reverse("pilotage:export", args=["zones", "csv"]), html=False),
        Visit(reverse("pilotage:export", args=["mois", "xlsx"]), html=False),
    ],
    "pilotage:gestion": lambda s: [
        Visit(reverse("pilotage:gestion"), role="ars"),
        Visit(reverse("pilotage:gestion"), role="admin"),
    ],
    "pilotage:gestion_export": lambda s: [
        Visit(reverse("pilotage:gestion_export", args=["departements", "xlsx"]), role="ars", html=False)
    ],
    "pilotage:donnees_ouvertes": lambda s: [Visit(reverse("pilotage:donnees_ouvertes"))],
    "pilotage:donnees_ouvertes_schema": lambda s: [
        Visit(reverse("pilotage:donnees_ouvertes_schema"), html=False)
    ],
    "pilotage:donnees_ouvertes_csv": lambda s: [Visit(_publication(), html=False)],
    "pilotage:publier": lambda s: [Visit(reverse("pilotage:publier"), role="admin")],
    # indemnisation (issue 21)
    "indemnisation:medecin": lambda s: [Visit(reverse("indemnisation:medecin"), role="medecin")],
    "indemnisation:releve_pdf": lambda s: [
        Visit(reverse("indemnisation:releve_pdf", args=[_releve(s).pk]), role="medecin", html=False)
    ],
    "indemnisation:jours": lambda s: [Visit(reverse("indemnisation:jours"), role="medecin")],
    "indemnisation:confirmer": lambda s: [
        Visit(reverse("indemnisation:confirmer", args=[s.mission.pk]), role="medecin")
    ],
    "indemnisation:ars": lambda s: [Visit(reverse("indemnisation:ars"), role="ars")],
    "indemnisation:ars_calcul": lambda s: [Visit(reverse("indemnisation:ars_calcul"), role="ars")],
    "indemnisation:export": lambda s: [
        Visit(reverse("indemnisation:export"), role="ars", html=False),
        Visit(f"{reverse('indemnisation:export')}?format=xlsx", role="ars", html=False),
    ],
    "indemnisation:national": lambda s: [Visit(reverse("indemnisation:national"), role="admin")],
    "indemnisation:schema": lambda s: [Visit(reverse("indemnisation:schema"), html=False)],
}


def _publication() -> str:
    """A published quarter (created once, as published rows are never rewritten), its CSV's address."""
    from solidarite.pilotage.models import PublicationTrimestre

    p = PublicationTrimestre.objects.get_or_create(
        trimestre="2026T1",
        version=1,
        defaults={"schema_version": "1.0.0", "lignes": 0, "contenu": "trimestre\n", "empreinte": "0" * 64},
    )[0]
    return reverse("pilotage:donnees_ouvertes_csv", args=[p.trimestre, p.version])


# pilotage, the impact simulator (ADR 0019): a finished simulation (result page, map, curve) and one in progress.
REACH |= {
    "pilotage:simulations": lambda s: [Visit(reverse("pilotage:simulations"), role="ars")],
    "pilotage:simulation": lambda s: [
        Visit(
            reverse("pilotage:simulation", args=[_simulation(s, "terminee").pk]),
            role="ars",
            actions=("carte_dessinee",),
        ),
        Visit(reverse("pilotage:simulation", args=[_simulation(s, "en_cours").pk]), role="admin"),
    ],
    "pilotage:simulation_progres": lambda s: [
        Visit(reverse("pilotage:simulation_progres", args=[_simulation(s, "en_cours").pk]), role="ars")
    ],
    "pilotage:simulation_geojson": lambda s: [
        Visit(
            reverse("pilotage:simulation_geojson", args=[_simulation(s, "terminee").pk]),
            role="ars",
            html=False,
        )
    ],
}
EXCLUDED_SIMULATION = {
    "pilotage:simulation_annuler": "POST seulement : le bouton « Annuler la simulation » de la page d'une simulation "
    "en cours (tests/pilotage/test_simulation.py)",
}


def _simulation(s: Samples, etat: str) -> Any:
    """A simulation in that state (created once): finished ones carry a result written by hand."""
    from solidarite.pilotage.models import Simulation
    from tests.pilotage.exemples import resultat_exemple

    resultat = resultat_exemple(s.commune.epci.siren, s.commune.epci.nom) if etat == "terminee" else None
    return Simulation.objects.get_or_create(
        etat=etat,
        defaults={
            "volontaires": 10,
            "seeds": 2,
            "mois": 1,
            "couverture": 1.0,
            "progression": 40,
            "resultat": resultat,
        },
    )[0]


def _releve(s: Samples) -> Any:
    """A validated statement of the sample doctor this month (created once)."""
    from solidarite.indemnisation.models import Releve

    return Releve.objects.get_or_create(
        medecin=s.medecin,
        region=s.commune.departement.region,
        mois=timezone.localdate().replace(day=1),
        defaults={"cpam": "15", "statut": "valide"},
    )[0]


# Routes that no test visits, each with its reason (a French sentence).
EXCLUDED: dict[str, str] = {
    "rdv:attente_inscription": "POST seulement : le formulaire de la page d'un lieu (rdv:lieu), que le navigateur "
    "remplit et envoie (action liste_attente)",
    "rdv:attente_lien_tout": "POST seulement : le bouton « Recevoir un lien pour retirer toutes mes inscriptions » "
    "de la page de retrait (rdv:attente_retrait), dont la réponse est la même page",
    "api:reserver": "POST seulement (JSON) : la réservation par l'API ; aucune page",
    "api:annuler": "DELETE seulement (JSON) : l'annulation par l'API ; aucune page",
    "api:api-root": "racine de l'API sans vue (django-ninja) : rien à afficher",
    "connexion:start": "départ vers un fournisseur d'identité, éteint dans ces tests (404) : "
    "tests/browser/test_connexion.py le suit sous la même politique, jusqu'au fournisseur de test",
    "connexion:retour": "retour d'un fournisseur d'identité : parcouru par tests/browser/test_connexion.py",
    "connexion:deconnexion": "POST seulement : le bouton « Se déconnecter » de l'en-tête (tests/browser/test_connexion.py)",
    "connexion:fin_fournisseur": "page de passage vers la fin de session du fournisseur, seulement après une "
    "déconnexion : parcourue par tests/browser/test_connexion.py",
    "connexion:mes_rendez_vous": "page des patients connectés par FranceConnect : parcourue par "
    "tests/browser/test_connexion.py",
    "continuite:mes_acces_franceconnect": "page des patients connectés par FranceConnect : parcourue par "
    "tests/continuite/test_franceconnect.py (avec le fournisseur OIDC de test)",
    "continuite:declarer_medecin_traitant": "POST seulement : le formulaire « Médecin traitant » de la page de "
    "consultation (continuite:consultation), suivi par tests/continuite/test_medecin_traitant.py",
    "continuite:medecin_traitant": "page des médecins traitants connectés par Pro Santé Connect : parcourue par "
    "tests/continuite/test_medecin_traitant.py (avec le fournisseur OIDC de test)",
    "admin:logout": "POST seulement : déconnecte et redirige vers une page déjà visitée",
    "admin:view_on_site": "redirection vers la page publique de l'objet, visitée par ailleurs",
    "admin:jsi18n": "un script (catalogue de traductions de l'administration), chargé par ses pages visitées",
}
EXCLUDED |= EXCLUDED_SIMULATION

# The per-model routes of the back office (changelist, add, change, history, delete): derived from the registry.
ADMIN_VIEWS = ("changelist", "add", "change", "history", "delete")


def _admin_app_labels() -> list[str]:
    return sorted({model._meta.app_label for model in admin.site._registry})


def admin_visits() -> dict[str, list[Visit]]:
    """Each registered model's pages, as the administrator: the list, the form to add, and the change, history and
    deletion pages of its first object (make_samples creates one of each). A model without any object leaves its
    routes unvisited, and the tests say so."""
    visits: dict[str, list[Visit]] = {}
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        visits[f"{prefix}_changelist"] = [Visit(reverse(f"{prefix}_changelist"), role="admin", status=None)]
        visits[f"{prefix}_add"] = [Visit(reverse(f"{prefix}_add"), role="admin", status=None)]
        sample = model._default_manager.order_by("pk").first()
        if sample is None:
            continue
        for view in ("change", "history", "delete"):
            url = reverse(f"{prefix}_{view}", args=[sample.pk])
            visits[f"{prefix}_{view}"] = [Visit(url, role="admin", status=None)]
    return visits


def named_routes() -> list[str]:
    """Every route name of the URL configuration, with its namespaces ("rdv:lieu", "admin:index")."""

    def walk(patterns: list[Any], namespaces: tuple[str, ...]) -> Iterator[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield ":".join((*namespaces, pattern.name))

    return sorted(set(walk(get_resolver().url_patterns, ())))


def plan(samples: Samples) -> tuple[list[tuple[str, Visit]], list[str]]:
    """The visits of every named route, and the routes that are neither reached nor excluded."""
    derived = admin_visits()
    visits: list[tuple[str, Visit]] = []
    missing: list[str] = []
    for name in named_routes():
        if name in EXCLUDED:
            continue
        if name in REACH:
            visits.extend((name, v) for v in REACH[name](samples))
        elif name in derived:
            visits.extend((name, v) for v in derived[name])
        else:
            missing.append(name)
    return visits, missing


def missing_message(missing: list[str]) -> str:
    return (
        f"{len(missing)} route(s) ni visitée(s) ni exclue(s) : {', '.join(missing)}. Ajoutez chacune à REACH de "
        "tests/pages.py (comment l'atteindre, avec un objet des données de test) ou à EXCLUDED avec sa raison."
    )
