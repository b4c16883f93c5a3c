"""The wall between regions, probed from inside (decision 0006): an ARS agent of region A, given every permission
of the back office a group can hand out, a volunteer and a référent of A, aiming at rows of region B through
what the authorisation matrix (tests/test_matrice_acces.py) does not send: the ids of B posted to A's own pages
and admin actions, the filters and searches of B in lists and exports, the autocompletes, and what a deletion
page lists of the rows it reaches.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.utils import timezone

from solidarite.annuaire.models import LieuSolidaire, MedecinVolontaire, ReferentLieu
from solidarite.indemnisation.models import Releve
from solidarite.planning.models import Mission, PlanningRun, Proposition
from solidarite.rdv import services
from solidarite.rdv.models import HorairesConsultation, RendezVous
from solidarite.territoire.models import AgentArs
from solidarite.zonage import services as zonage
from solidarite.zonage.models import Ajustement
from tests.factories import compte, lieu, medecin, referent, zone_commune

pytestmark = pytest.mark.django_db

PATIENT_B = {"nom": "Zoubir", "prenom": "Nadia", "date_naissance": "1950-02-03", "telephone": "0612345678"}
RESULTAT = {  # what the ARS planning page reads of a finished solve
    "priority_total": 1.0,
    "bound": 1.0,
    "continuity": 0,
    "filled_places": 0,
    "optimal": True,
    "fcfs_priorite": 1.0,
    "travel_km": 0,
    "series_impossibles": [],
}


@dataclass
class Monde:
    """Regions A and B, each with a lieu, a volunteer, a confirmed mission with a booking, a statement, a draft
    plan; the ARS agent of A with every permission but the accounts'; the volunteer and a référent of A."""

    region_a: Any
    region_b: Any
    lieu_a: LieuSolidaire
    lieu_b: LieuSolidaire
    doc_a: MedecinVolontaire
    doc_b: MedecinVolontaire
    mission_a: Mission
    mission_b: Mission
    rdv_b: RendezVous
    releve_a: Releve
    releve_b: Releve
    run_a: PlanningRun
    run_b: PlanningRun
    proposition_b: Proposition
    mois: dt.date
    ars: User
    national: User
    medecin: User
    referent: User

    def client(self, user: User) -> Client:
        c = Client()
        c.force_login(user)
        return c

    @property
    def marques_b(self) -> list[str]:
        """What names a row of B: its lieu, its volunteer, its patient."""
        return [self.lieu_b.nom, self.doc_b.nom, "ZOUBIR", "Zoubir"]


@pytest.fixture
def monde() -> Monde:
    commune_a = zone_commune(1)
    rank_b = next(
        r for r in range(2, 151) if zone_commune(r).departement.region_id != commune_a.departement.region_id
    )
    commune_b = zone_commune(rank_b)
    region_a, region_b = commune_a.departement.region, commune_b.departement.region
    lieu_a, lieu_b = lieu(commune_a), lieu(commune_b)
    doc_a, doc_b = medecin(commune_a), medecin(commune_b)
    day = timezone.localdate() + dt.timedelta(days=7)
    mission_a = Mission.objects.create(medecin=doc_a, lieu=lieu_a, date=day, statut="confirmee")
    mission_b = Mission.objects.create(medecin=doc_b, lieu=lieu_b, date=day, statut="confirmee")
    rdv_b = services.book(services.slots(lieu_b, day, day)[0].id, PATIENT_B)
    national = User.objects.create_superuser("ministere", "ministere@exemple.fr", "x" * 16)
    first = timezone.localdate().replace(day=1)
    releve_a, releve_b = (
        Releve.objects.create(medecin=doc, region=region, mois=first, cpam="15", statut="valide")
        for doc, region in ((doc_a, region_a), (doc_b, region_b))
    )
    mois = (timezone.localdate().replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    run_a, run_b = (
        PlanningRun.objects.create(
            region=r, mois=mois, resultat=RESULTAT, calcul="termine", cree_par=national
        )
        for r in (region_a, region_b)
    )
    proposition_b = Proposition.objects.create(
        run=run_b, medecin=doc_b, lieu=lieu_b, date=mois + dt.timedelta(days=3)
    )
    ars = User.objects.create_user("ars-a", is_staff=True)
    # A group may hand out every permission of the back office (the probe of 6 December did); the accounts and
    # the DSFR settings stay the ministry's whatever the group says (territoire.admin.ComptesAdmin).
    ars.user_permissions.set(Permission.objects.exclude(content_type__app_label__in=["auth", "dsfr"]))
    AgentArs.objects.create(user=ars, region=region_a)
    AgentArs.objects.create(user=User.objects.create_user("ars-b", is_staff=True), region=region_b)
    for site in (lieu_a, lieu_b):
        HorairesConsultation.objects.get_or_create(lieu=site)
    ReferentLieu.objects.create(lieu=lieu_b, rpps="10000000017", nom="Référente", prenom="Berthe")
    return Monde(
        region_a=region_a,
        region_b=region_b,
        lieu_a=lieu_a,
        lieu_b=lieu_b,
        doc_a=doc_a,
        doc_b=doc_b,
        mission_a=mission_a,
        mission_b=mission_b,
        rdv_b=rdv_b,
        releve_a=releve_a,
        releve_b=releve_b,
        run_a=run_a,
        run_b=run_b,
        proposition_b=proposition_b,
        mois=mois,
        ars=ars,
        national=national,
        medecin=compte(doc_a),
        referent=referent(lieu_a),
    )


def _text(response: Any) -> str:
    return html.unescape(response.content.decode(errors="replace"))


def _shown(m: Monde, response: Any) -> list[str]:
    text = _text(response)
    return [mark for mark in m.marques_b if mark in text]


# --- The leak: deleting a volunteer of A, who also works in B ------------------------------------------------


def _works_in_b(m: Monde) -> Mission:
    """The volunteer of A also has a day in region B (volunteers are planned nationally)."""
    return Mission.objects.create(
        medecin=m.doc_a, lieu=m.lieu_b, date=timezone.localdate() + dt.timedelta(days=9), statut="confirmee"
    )


def test_a_volunteer_s_deletion_page_names_no_row_of_another_region(monde: Monde) -> None:
    """The page listed « Mission : Dr … à <lieu of B> le … », a day of region B the ARS of A reads nowhere else
    (its day page is a 404 to them)."""
    _works_in_b(monde)
    ars = monde.client(monde.ars)
    page = ars.get(f"/admin/annuaire/medecinvolontaire/{monde.doc_a.pk}/delete/")
    assert page.status_code == 200
    assert monde.lieu_b.nom not in _text(page)
    assert "autre région" in _text(page)
    ars.post(f"/admin/annuaire/medecinvolontaire/{monde.doc_a.pk}/delete/", {"post": "yes"})
    assert MedecinVolontaire.objects.filter(pk=monde.doc_a.pk).exists()


def _without_days(m: Monde) -> None:
    """The volunteer of A without missions nor statements (they would protect the row from any deletion)."""
    Mission.objects.filter(medecin=m.doc_a).delete()
    Releve.objects.filter(medecin=m.doc_a).delete()


@pytest.mark.parametrize("how", ["page", "action"])
def test_deleting_a_volunteer_of_a_does_not_delete_b_s_draft_plan(monde: Monde, how: str) -> None:
    """A volunteer of A proposed in B's draft plan: deleting the volunteer deleted B's proposition (a cascade),
    and the page listed it, lieu and day. The ARS of A is refused; the ministry deletes."""
    _without_days(monde)  # nothing protects the volunteer: the deletion would go through
    in_b = Proposition.objects.create(
        run=monde.run_b, medecin=monde.doc_a, lieu=monde.lieu_b, date=monde.mois + dt.timedelta(days=4)
    )
    ars = monde.client(monde.ars)
    path = f"/admin/annuaire/medecinvolontaire/{monde.doc_a.pk}/delete/"
    if how == "page":
        shown = ars.get(path)
        posted = ars.post(path, {"post": "yes"})
    else:
        data = {"action": "delete_selected", "_selected_action": [monde.doc_a.pk]}
        shown = ars.post("/admin/annuaire/medecinvolontaire/", data)
        posted = ars.post("/admin/annuaire/medecinvolontaire/", {**data, "post": "yes"})
    assert Proposition.objects.filter(pk=in_b.pk).exists()
    assert posted.status_code == 200  # the refusal page again, nothing deleted
    assert monde.lieu_b.nom not in _text(shown)
    assert MedecinVolontaire.objects.filter(pk=monde.doc_a.pk).exists()
    monde.client(monde.national).post(path, {"post": "yes"})
    assert not MedecinVolontaire.objects.filter(pk=monde.doc_a.pk).exists()


def test_a_volunteer_of_a_only_is_still_deleted_by_their_ars(monde: Monde) -> None:
    """The refusal is for rows of another region only: a volunteer proposed in A's draft alone goes."""
    Proposition.objects.create(
        run=monde.run_a, medecin=monde.doc_a, lieu=monde.lieu_a, date=monde.mois + dt.timedelta(days=4)
    )
    _without_days(monde)
    monde.client(monde.ars).post(
        f"/admin/annuaire/medecinvolontaire/{monde.doc_a.pk}/delete/", {"post": "yes"}
    )
    assert not MedecinVolontaire.objects.filter(pk=monde.doc_a.pk).exists()


# --- Regressions: the surfaces probed and found closed --------------------------------------------------------


def _autocompletes() -> list[tuple[str, str, str]]:
    """Every autocomplete field of the back office: (app, model, field)."""
    found = []
    for model, model_admin in admin.site._registry.items():
        for name in getattr(model_admin, "autocomplete_fields", ()):
            found.append((model._meta.app_label, model._meta.model_name, name))
    return sorted(found)


@pytest.mark.parametrize(("app", "model", "field"), _autocompletes())
def test_no_autocomplete_offers_a_row_of_b(monde: Monde, app: str, model: str, field: str) -> None:
    ars = monde.client(monde.ars)
    for term in ("", monde.lieu_b.nom[:15], monde.doc_b.nom):
        answer = ars.get(
            f"/admin/autocomplete/?app_label={app}&model_name={model}&field_name={field}&term={term}"
        )
        assert answer.status_code in (200, 403)
        if answer.status_code == 200 and field == "lieu":
            ids = {r["id"] for r in json.loads(answer.content)["results"]}
            assert str(monde.lieu_b.pk) not in ids
        assert not _shown(monde, answer)


def _actions() -> list[tuple[str, str]]:
    """Every admin action of the region-scoped models: (app/model, action)."""
    from solidarite.territoire.backoffice import RegionScopedAdmin

    found = []
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, RegionScopedAdmin):
            names = ["delete_selected", *(getattr(a, "__name__", a) for a in model_admin.actions or ())]
            found += [(f"{model._meta.app_label}/{model._meta.model_name}", n) for n in names]
    return sorted(found)


def _row_of_b(m: Monde, model: str) -> Any:
    return {
        "annuaire/medecinvolontaire": m.doc_b,
        "annuaire/lieusolidaire": m.lieu_b,
        "annuaire/referentlieu": ReferentLieu.objects.get(lieu=m.lieu_b),
        "rdv/horairesconsultation": HorairesConsultation.objects.get(lieu=m.lieu_b),
        "rdv/message": m.rdv_b.messages.first(),
        "zonage/ajustement": Ajustement.objects.create(
            campagne=zonage.active_campaign(),
            epci=m.lieu_b.epci,
            action="retrait",
            motif="Motif de test assez long",
            region=m.region_b,
            auteur=m.national,
        ),
        "territoire/agentars": AgentArs.objects.get(region=m.region_b),
    }[model]


@pytest.mark.parametrize(("model", "action"), _actions())
def test_no_admin_action_reaches_a_row_of_b(monde: Monde, model: str, action: str) -> None:
    """`_selected_action` with B's id, ticked or « select across »: nothing changes, nothing of B is listed."""
    row = _row_of_b(monde, model)
    if row is None:
        pytest.skip("no row of this model in region B")
    before = type(row).objects.filter(pk=row.pk).values().get()
    ars = monde.client(monde.ars)
    for extra in ({}, {"post": "yes"}, {"select_across": "1", "index": "0"}):
        answer = ars.post(
            f"/admin/{model}/?q={monde.doc_b.nom}", {"action": action, "_selected_action": [row.pk], **extra}
        )
        assert answer.status_code in (200, 302, 403)
        assert monde.lieu_b.nom not in _text(answer)
    assert type(row).objects.filter(pk=row.pk).values().get() == before


@pytest.mark.parametrize(
    "query",
    [
        "?region__id__exact={region_b}",
        "?cdom__region__id__exact={region_b}",
        "?commune__departement__region__id__exact={region_b}",
        "?q={lieu_b}",
        "?q={doc_b}",
        "?_to_field=id&_popup=1",
    ],
)
@pytest.mark.parametrize(
    "model",
    [
        "annuaire/medecinvolontaire",
        "annuaire/lieusolidaire",
        "annuaire/referentlieu",
        "rdv/horairesconsultation",
        "zonage/ajustement",
        "territoire/agentars",
    ],
)
def test_no_change_list_filter_shows_a_row_of_b(monde: Monde, model: str, query: str) -> None:
    path = f"/admin/{model}/" + query.format(
        region_b=monde.region_b.pk, lieu_b=monde.lieu_b.nom, doc_b=monde.doc_b.nom
    )
    answer = monde.client(monde.ars).get(path)
    assert answer.status_code in (200, 302, 400)
    if answer.status_code == 200:
        text = _text(answer)  # the search box and the count repeat the term typed: the rows only
        rows = text.split('id="result_list"', 1)[1] if 'id="result_list"' in text else ""
        assert not [mark for mark in monde.marques_b if mark in rows]


@pytest.mark.parametrize(
    "query",
    [
        "/indemnisation/ars/export/?region={b}",
        "/indemnisation/ars/export/?region={b}&format=xlsx",
        "/indemnisation/ars/export/?region={a}&cpam={dept_b}",
        "/indemnisation/ars/export/?mois={mois}&region={b}",
        "/pilotage/gestion/export/zones.csv?region={b}",
        "/pilotage/gestion/export/zones.csv?departement={dept_b}",
        "/pilotage/gestion/export/departements.xlsx?departement={dept_b}",
        "/pilotage/gestion/export/zones.csv?zone={zone_b}",
        "/pilotage/gestion/?departement={dept_b}",
        "/planning/ars/calcul/?region={b}",
        "/indemnisation/ars/calcul/?region={b}",
        "/fhir/Appointment?location=Location/{lieu_b}",
        "/fhir/Appointment/{rdv_b}",
    ],
)
def test_no_export_or_filter_of_b_answers_the_ars_of_a(monde: Monde, query: str) -> None:
    path = query.format(
        a=monde.region_a.code,
        b=monde.region_b.code,
        dept_b=monde.lieu_b.commune.departement.code,
        zone_b=monde.lieu_b.epci.siren,
        lieu_b=monde.lieu_b.pk,
        rdv_b=monde.rdv_b.pk,
        mois=f"{monde.releve_b.mois:%Y-%m}",
    )
    answer = monde.client(monde.ars).get(path)
    if answer.status_code == 200:  # the CPAM of B inside A's region: A's file, empty of B
        assert "cpam" in path
        assert monde.doc_b.nom not in answer.content.decode()
    else:
        assert answer.status_code == 404
        assert not _shown(monde, answer)


def _ars_posts(m: Monde) -> list[tuple[str, dict[str, Any]]]:
    """A's own pages, each POSTed the id of a row of B."""
    a, mois = m.region_a.code, f"{m.mois:%Y-%m}"
    prop, run_b = m.proposition_b.pk, m.run_b.pk
    return [
        (f"/planning/ars/?region={a}&mois={mois}", {"action": "publier", "run": run_b}),
        (
            f"/planning/ars/?region={a}&mois={mois}",
            {"action": "retirer", "run": m.run_a.pk, "proposition": prop},
        ),
        (
            f"/planning/ars/?region={a}&mois={mois}",
            {
                "action": "deplacer",
                "run": run_b,
                "proposition": prop,
                "lieu": m.lieu_a.pk,
                "date": str(m.mois),
            },
        ),
        (f"/indemnisation/ars/?region={a}", {"action": "payer", "releves": [m.releve_a.pk, m.releve_b.pk]}),
        (
            f"/indemnisation/ars/?region={a}",
            {"action": "retirer", "mission": m.mission_b.pk, "commentaire": "x"},
        ),
        (f"/rendez-vous/ars/journee/{m.mission_a.pk}/", {"rendez_vous": m.rdv_b.pk, "statut": "vu"}),
    ]


def test_the_pages_of_a_take_no_id_of_b(monde: Monde) -> None:
    """The matrix posts only where a page is refused; here A's own pages, each with an id of B."""

    def state() -> tuple[Any, ...]:
        return (
            Proposition.objects.filter(pk=monde.proposition_b.pk).values("lieu_id", "date").first(),
            PlanningRun.objects.get(pk=monde.run_b.pk).statut,
            Releve.objects.get(pk=monde.releve_b.pk).statut,
            Mission.objects.get(pk=monde.mission_b.pk).statut,
            RendezVous.objects.get(pk=monde.rdv_b.pk).statut,
        )

    before = state()
    ars = monde.client(monde.ars)
    for path, data in _ars_posts(monde):
        answer = ars.post(path, data)
        assert answer.status_code in (400, 404), (path, data, answer.status_code)
        assert not _shown(monde, answer), (path, data)
    doctor, ref = monde.client(monde.medecin), monde.client(monde.referent)
    for client in (doctor, ref):
        answer = client.post(
            f"/rendez-vous/journee/{monde.mission_a.pk}/", {"rendez_vous": monde.rdv_b.pk, "statut": "vu"}
        )
        assert answer.status_code == 400 and not _shown(monde, answer)
    answer = doctor.post(
        "/planning/medecin/missions/",
        {"mission": monde.mission_b.pk, "reponse": "desister", "disponible": "non", "commentaire": "x"},
    )
    assert answer.status_code == 404
    answer = doctor.post("/indemnisation/medecin/", {"releve": monde.releve_b.pk, "motif": "x" * 30})
    assert answer.status_code == 404
    assert state() == before
