"""The pages of indemnisation: the volunteer, the confirmation, the ARS in bulk, the ministry; the month's run as a
task. The exports (CSV against its Table Schema, XLSX, PDF) are in test_exports.py; the `world` fixture in
conftest.py."""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client

from solidarite.indemnisation import exports, services
from solidarite.indemnisation.models import CalculMois, EtapeReleve, JourRealise, JourRetire, Releve
from solidarite.planning.models import Mission
from tests.factories import agent_ars, compte, jour_realise, medecin, referent, zone_commune

pytestmark = pytest.mark.django_db
OCT = dt.date(2026, 10, 1)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_volunteer_sees_statement_says_no_bank_details_and_contests(world) -> None:  # type: ignore[no-untyped-def]
    client = _client(world["user"])
    page = client.get("/indemnisation/medecin/").content.decode()
    assert "300,00 €" in page and "aucune coordonnée bancaire" in page and "Brouillon" in page
    assert (
        client.post(
            "/indemnisation/medecin/", {"releve": world["releve"].pk, "motif": "trop court"}
        ).status_code
        == 400
    )
    world["releve"].refresh_from_db()
    assert world["releve"].statut == "brouillon"  # a draft is not contested: the ARS has not validated it
    Releve.objects.update(statut="valide")
    client.post("/indemnisation/medecin/", {"releve": world["releve"].pk, "motif": "Il manque une journée."})
    world["releve"].refresh_from_db()
    assert world["releve"].statut == "conteste"


def test_another_volunteer_cannot_contest_or_download(world) -> None:  # type: ignore[no-untyped-def]
    other = compte(medecin(world["doc"].commune))
    client = _client(other)
    pk = world["releve"].pk
    assert (
        client.post("/indemnisation/medecin/", {"releve": pk, "motif": "Je conteste ce relevé."}).status_code
        == 404
    )
    assert client.get(f"/indemnisation/medecin/releve/{pk}.pdf").status_code == 404


def test_referent_confirms_a_day_prefilled(world) -> None:  # type: ignore[no-untyped-def]
    mission = Mission.objects.create(
        medecin=world["doc"], lieu=world["lieu"], date=dt.date(2026, 11, 17), statut="confirmee"
    )
    client = _client(referent(world["lieu"]))
    assert 'value="0"' in client.get(f"/indemnisation/jours/{mission.pk}/").content.decode()
    bad = client.post(f"/indemnisation/jours/{mission.pk}/", {"nature": "journee", "consultations": "douze"})
    assert bad.status_code == 400 and "nombre entier" in bad.content.decode()
    assert not JourRealise.objects.filter(mission=mission).exists()
    client.post(f"/indemnisation/jours/{mission.pk}/", {"nature": "journee", "consultations": "12"})
    assert JourRealise.objects.get(mission=mission).consultations == 12


def test_ars_validates_in_bulk_only_its_region(world) -> None:  # type: ignore[no-untyped-def]
    region = world["region"]
    rank = next(r for r in range(2, 151) if zone_commune(r).departement.region_id != region.pk)
    stranger = _client(agent_ars(zone_commune(rank).departement.region.code))
    refused = stranger.post(
        "/indemnisation/ars/",
        {"region": region.code, "mois": "2026-10", "action": "valider", "releves": world["releve"].pk},
    )
    assert refused.status_code == 404
    own = stranger.post(
        "/indemnisation/ars/",
        {
            "region": zone_commune(rank).departement.region.code,
            "mois": "2026-10",
            "action": "valider",
            "releves": world["releve"].pk,
        },
    )
    # another region's statement looks like none: neither its existence nor its region is told (decision 0006)
    text = own.content.decode()
    assert own.status_code == 400 and "existe pas parmi ceux de cette région" in text
    assert region.nom not in text
    world["releve"].refresh_from_db()
    assert world["releve"].statut == "brouillon"
    agent = _client(agent_ars(region.code))
    page = agent.get(f"/indemnisation/ars/?region={region.code}&mois=2026-10").content.decode()
    assert "Durand" in page and "aucune coordonnée bancaire" in page
    assert agent.get(f"/indemnisation/ars/?region={region.code}&mois=2027-01").status_code == 400
    agent.post(
        "/indemnisation/ars/",
        {"region": region.code, "mois": "2026-10", "action": "valider", "releves": world["releve"].pk},
    )
    world["releve"].refresh_from_db()
    assert world["releve"].statut == "valide"
    # Revue du 5 décembre: an id beyond 64 bits (OverflowError) and a line break in the CPAM (a header): 500s.
    huge = "99999999999999999999999"
    for data, message in [
        ({"action": "valider", "releves": huge}, "Sélection de relevés invalide"),
        ({"action": "retirer", "mission": huge}, "Numéro de mission invalide"),
    ]:
        response = agent.post("/indemnisation/ars/", {"region": region.code, "mois": "2026-10", **data})
        assert response.status_code == 400 and message in response.content.decode()
    for cpam in ("%0Ax", "%0D%0AX-Injected:1", "a%22b"):
        response = agent.get(f"/indemnisation/ars/export/?region={region.code}&mois=2026-10&cpam={cpam}")
        assert response.status_code == 400 and "n&#x27;est pas un code de CPAM" in response.content.decode()


def test_the_month_run_is_a_task_with_progress_and_re_runnable(world) -> None:  # type: ignore[no-untyped-def]
    region = world["region"]
    agent = _client(agent_ars(region.code))
    agent.post("/indemnisation/ars/", {"region": region.code, "mois": "2026-10", "action": "calculer"})
    run = CalculMois.objects.get()
    assert run.etat == "en_file"
    assert (
        "en attente du worker"
        in agent.get(f"/indemnisation/ars/calcul/?region={region.code}&mois=2026-10").content.decode()
    )
    services.executer_calcul(run.pk)  # what the worker runs (tasks.construire_releves)
    run.refresh_from_db()
    assert (run.etat, run.avancement, run.resultat["releves"]) == ("termine", 100, 1)
    assert Releve.objects.count() == 1 and Releve.objects.get().total == Decimal("300")


def test_a_run_that_fails_on_a_fault_does_not_show_its_inside(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Found by probing: a month with no dated parameter failed in the worker, and the ARS page showed the raw
    error, with the list of the platform's 22 parameters. A refusal (ValidationError) keeps its French words."""
    region = world["region"]
    agent = _client(agent_ars(region.code))
    agent.post("/indemnisation/ars/", {"region": region.code, "mois": "2026-10", "action": "calculer"})
    run, before = CalculMois.objects.get(), Releve.objects.count()

    def fault(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise LookupError("paramètre « indemnite_journaliere » absent ; connus : jours_max_par_mois, …")

    monkeypatch.setattr(services, "construire_mois", fault)
    with pytest.raises(LookupError):
        services.executer_calcul(run.pk)
    page = agent.get(f"/indemnisation/ars/calcul/?region={region.code}&mois=2026-10").content.decode()
    assert "Le calcul a échoué : erreur interne du calcul" in page and "connus" not in page
    assert Releve.objects.count() == before


def test_national_admin_sees_totals_per_region_and_month(world) -> None:  # type: ignore[no-untyped-def]
    admin = User.objects.create_superuser("ministere-i", "m@exemple.fr", "x" * 16)
    client = _client(admin)
    assert "300,00 €" in client.get("/indemnisation/national/").content.decode()
    assert (  # a draft: its 300 € apart from what is validated or paid (decision 0026)
        f"{world['region'].code},{world['region'].nom},2026-10,1,300.00,0.00,0.00,0.00"
        in client.get("/indemnisation/national/?format=csv").content.decode()
    )


def test_ars_withdraws_a_held_day_then_it_is_paid_next_run(world) -> None:  # type: ignore[no-untyped-def]
    third = jour_realise(world["doc"], world["lieu"], dt.date(2026, 10, 27))
    services.construire_mois(OCT, today=dt.date(2026, 11, 20))
    releve = Releve.objects.get()
    assert releve.total == Decimal("300") and [a["code"] for a in releve.anomalies] == ["plafond"]
    region = world["region"]
    agent = _client(agent_ars(region.code))
    assert (
        str(third.pk) in agent.get(f"/indemnisation/ars/?region={region.code}&mois=2026-10").content.decode()
    )
    form = {"region": region.code, "mois": "2026-10", "action": "retirer", "mission": third.pk}
    assert agent.post("/indemnisation/ars/", form).status_code == 400  # the reason is required
    agent.post("/indemnisation/ars/", {**form, "commentaire": "Journée déclarée en double"})
    assert not JourRealise.objects.filter(mission=third).exists()
    services.construire_mois(OCT, today=dt.date(2026, 11, 20))
    assert Releve.objects.get().anomalies == []


def test_a_day_unconfirmed_after_the_dated_delay_is_flagged_to_the_ars(world) -> None:  # type: ignore[no-untyped-def]
    region = world["region"]
    late = Mission.objects.create(
        medecin=world["doc"], lieu=world["lieu"], date=dt.date(2026, 11, 12), statut="confirmee"
    )
    recent = Mission.objects.create(
        medecin=world["doc"], lieu=world["lieu"], date=dt.date(2026, 11, 16), statut="confirmee"
    )
    assert services.jours_non_confirmes(region, dt.date(2026, 11, 20)) == [late]  # 8 days > 7, 4 days < 7
    page = (
        _client(agent_ars(region.code))
        .get(f"/indemnisation/ars/?region={region.code}&mois=2026-11")
        .content.decode()
    )
    assert "Journée du 12/11/2026" in page and "non confirmée depuis plus de 7 jours" in page
    assert "16/11/2026" not in page and recent.pk


def test_a_refused_confirmation_keeps_the_half_day_and_the_count_typed(world) -> None:  # type: ignore[no-untyped-def]
    """A half-day refused for its count came back as a full day: corrected and sent again, it was paid 200 €."""
    mission = Mission.objects.create(
        medecin=world["doc"], lieu=world["lieu"], date=dt.date(2026, 11, 18), statut="confirmee"
    )
    client = _client(world["user"])
    page = client.post(
        f"/indemnisation/jours/{mission.pk}/", {"nature": "demi_journee", "consultations": "250"}
    )
    html = page.content.decode()
    assert page.status_code == 400 and "entre 0 et 200" in html
    assert 'value="demi_journee" checked' in html and 'value="journee" checked' not in html
    assert 'value="250"' in html
    assert not JourRealise.objects.filter(mission=mission).exists()


def test_a_day_withdrawn_by_the_ars_cannot_be_confirmed_again_and_its_reason_is_kept(world) -> None:  # type: ignore[no-untyped-def]
    """The mission stayed « réalisée »: the doctor confirmed the withdrawn day again and it was paid."""
    third = jour_realise(world["doc"], world["lieu"], dt.date(2026, 10, 27))
    region = world["region"]
    agent = _client(agent_ars(region.code))
    form = {"region": region.code, "mois": "2026-10", "action": "retirer", "mission": third.pk}
    agent.post("/indemnisation/ars/", {**form, "commentaire": "Journée déclarée en double"})
    client = _client(world["user"])
    page = client.post(f"/indemnisation/jours/{third.pk}/", {"nature": "journee", "consultations": "3"})
    text = html.unescape(page.content.decode())
    assert page.status_code == 400 and "retirée par l'ARS" in text and "Journée déclarée en double" in text
    assert not JourRealise.objects.filter(mission=third).exists()
    jours = html.unescape(client.get("/indemnisation/jours/").content.decode())
    assert "retirée par l'ARS" in jours and "%s" not in jours


def test_the_volunteer_reads_the_steps_of_a_statement_in_words(world) -> None:  # type: ignore[no-untyped-def]
    agent = agent_ars(world["region"].code)
    for action in ("valider", "transmettre", "payer"):
        services.avancer([world["releve"].pk], action, agent)
    page = html.unescape(_client(world["user"]).get("/indemnisation/medecin/").content.decode())
    assert "Payé le" in page and "Validé par l'ARS le" in page and "paye le" not in page


def _stored(world, case: str) -> str:  # type: ignore[no-untyped-def]
    """What the ARS or the volunteer typed, as kept: the contest's motif, the withdrawal's, the step's comment."""
    if case == "contester":
        return Releve.objects.get(pk=world["releve"].pk).motif_contestation
    if case == "retirer":
        return "".join(JourRetire.objects.values_list("motif", flat=True))
    return "".join(EtapeReleve.objects.values_list("commentaire", flat=True))


@pytest.mark.parametrize(
    ("case", "limit"),
    [
        ("contester", 1000),
        ("retirer", 1000),
        ("valider", 1000),
    ],
)
def test_a_text_over_its_limit_is_refused_whole_never_cut(world, case: str, limit: int) -> None:  # type: ignore[no-untyped-def]
    """Found by probing the site: 5,021 characters of contest and 3,021 of withdrawal were saved cut to 1,000
    behind a success page. Refused whole (400, the limit and the length said, nothing written); the form's field
    carries the limit; a text of exactly the limit is kept whole."""
    region = world["region"]
    if case == "contester":
        Releve.objects.update(statut="valide")
        client, url, field = _client(world["user"]), "/indemnisation/medecin/", "motif"
        form: dict[str, object] = {"releve": world["releve"].pk}
    else:
        client, url, field = _client(agent_ars(region.code)), "/indemnisation/ars/", "commentaire"
        form = {"region": region.code, "mois": "2026-10", "action": case, "releves": world["releve"].pk}
        form["mission"] = world["releve"].lignes.first().mission_id
    page = html.unescape(client.get(url, {"region": region.code, "mois": "2026-10"}).content.decode())
    assert f'name="{field}"' in page and f'maxlength="{limit}"' in page
    statut = Releve.objects.get().statut
    refused = client.post(url, {**form, field: "x" * (limit + 21)})
    received, maximum = (f"{n:,}".replace(",", "\u202f") for n in (limit + 21, limit))  # French digit groups
    said = f"{received} caractères reçus, {maximum} au plus"
    assert refused.status_code == 400 and said in html.unescape(refused.content.decode())
    assert Releve.objects.get().statut == statut and _stored(world, case) == ""
    assert not JourRetire.objects.exists() and JourRealise.objects.count() == 2
    accepted = client.post(url, {**form, field: "y" * limit})
    assert accepted.status_code == 302 and _stored(world, case) == "y" * limit


def test_a_month_before_the_indemnity_is_refused_and_queues_nothing(world) -> None:  # type: ignore[no-untyped-def]
    """« 0001-01 » was a page « janvier 0001 », a queued run failing on a missing parameter (its list shown to the
    ARS), and a redirect to « mois=1-01 » that the same page refused."""
    region = world["region"]
    agent = _client(agent_ars(region.code))
    for month in ("0001-01", "2025-08"):
        for url in ("/indemnisation/ars/", "/indemnisation/ars/export/", "/indemnisation/ars/calcul/"):
            response = agent.get(f"{url}?region={region.code}&mois={month}")
            assert response.status_code == 400, (url, month)
            assert "précède l&#x27;indemnité" in response.content.decode()
        response = agent.post(
            "/indemnisation/ars/", {"region": region.code, "mois": month, "action": "calculer"}
        )
        assert response.status_code == 400
    assert not CalculMois.objects.exists()
    assert agent.get(f"/indemnisation/ars/?region={region.code}&mois=2025-09").status_code == 200


def test_an_export_in_an_unknown_format_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    region = world["region"]
    agent = _client(agent_ars(region.code))
    url = f"/indemnisation/ars/export/?region={region.code}&mois=2026-10"
    response = agent.get(f"{url}&format=pdf")
    assert response.status_code == 400 and "csv ou xlsx" in response.content.decode()
    assert agent.get(f"{url}&format=xlsx")["Content-Type"] == exports.XLSX_TYPE
    assert agent.get(url)["Content-Type"].startswith("text/csv")
