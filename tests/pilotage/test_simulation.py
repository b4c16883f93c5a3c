"""The impact simulator (issue 24, point 3; docs/decisions/0019): its pure core on tiny instances, the command line's
bad input, the background task (run, cancel), and the pages."""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import math
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tasks_db.models import DBTaskResult
from hypothesis import given, settings
from hypothesis import strategies as st

from solidarite.parametres import entier, montant
from solidarite.pilotage import simulateur as core
from solidarite.pilotage import simulation_services as services
from solidarite.pilotage.models import Simulation
from tests.cli import run_cli
from tests.factories import agent_ars, medecin, zone_commune

# Three lieux around Mauriac (Cantal) and homes within reach of some of them; one lieu far away (Strasbourg).
LIEUX = (
    core.LieuCible("L1", "200066637", "15120", 45.218, 2.333),
    core.LieuCible("L2", "200066637", "15054", 45.10, 2.40),
    core.LieuCible("L3", "200066637", "15187", 45.03, 2.22),
)
LOIN = core.LieuCible("L9", "246700488", "67482", 48.58, 7.75)
PROFIL = (
    core.ProfilVolontaire("15014", 44.93, 2.44, 2, 60.0),
    core.ProfilVolontaire("15120", 45.218, 2.333, 2, 40.0),
    core.ProfilVolontaire("63113", 45.78, 3.08, 1, 120.0),
)
H = core.Hypotheses(
    annee=2027,
    zones_cible=151,
    jours_ouvres_an=250,
    creneaux_par_jour=24,
    taux_remplissage=0.5,
    indemnite_jour=200.0,
    dates_par_jour=3,
)


def test_more_volunteers_never_cover_fewer_site_days_and_draws_are_nested() -> None:
    few = core.volontaires_du_mois(PROFIL, 5, seed=3, annee=2027, mois=3, dates_par_jour=3)
    more = core.volontaires_du_mois(PROFIL, 300, seed=3, annee=2027, mois=3, dates_par_jour=3)
    assert more[: len(few)] == few  # volunteer k is the same person whatever N
    assert all(v.available and len(v.available) <= 3 * v.max_days for v in more)


@settings(max_examples=8, deadline=None)
@given(n=st.integers(1, 40), extra=st.integers(1, 40), seed=st.integers(1, 50))
def test_coverage_is_monotone_in_volunteers_on_one_seed(n: int, extra: int, seed: int) -> None:
    small = core.tirer(PROFIL, LIEUX, H, n, seed, mois=1)
    large = core.tirer(PROFIL, LIEUX, H, n + extra, seed, mois=1)
    assert small.optimal and large.optimal
    assert large.jours_couverts >= small.jours_couverts
    # The figures are the days times the dated parameters.
    assert large.cout == pytest.approx(large.jours_couverts * H.indemnite_jour)
    assert large.consultations == pytest.approx(large.jours_couverts * 24 * 0.5)
    assert large.part_cible == pytest.approx(large.jours_couverts / 37_750)
    assert 0.0 <= large.part_lieux <= 1.0


def test_cost_uses_the_dated_compensation() -> None:
    assert core.cout_annuel(250, H) == 50_000.0
    assert montant("indemnite_journaliere", dt.date(2026, 1, 1)) == 200
    assert entier("jours_ouvres_par_an", dt.date(2026, 1, 1)) * entier("nombre_zones_rouges") == 37_750


def test_inverse_question_finds_the_smallest_n_within_two_percent() -> None:
    p = core.Parametres(volontaires=5, seeds=2, mois=1, couverture=0.8, plafond_demande=2_000)
    bilan = core.simuler(PROFIL, LIEUX, H, p)
    assert bilan.necessaires_intervalle is not None and not bilan.plafond_atteint
    for seed, needed in zip((1, 2), bilan.necessaires, strict=True):
        assert needed is not None
        assert core.tirer(PROFIL, LIEUX, H, needed, seed, 1).part_lieux >= 0.8
        below = needed - max(1, int(0.02 * needed)) - 1
        assert core.tirer(PROFIL, LIEUX, H, below, seed, 1).part_lieux < 0.8
    # Scaled to the 151 zones of the aim from the 3 simulated lieux.
    assert bilan.necessaires_cible is not None
    assert bilan.necessaires_cible.mediane == pytest.approx(bilan.necessaires_intervalle.mediane * 151 / 3)
    medians = [c.part.mediane for c in bilan.courbe]
    assert medians == sorted(medians) and all(c.part.minimum <= c.part.maximum for c in bilan.courbe)


def test_unreachable_lieu_reports_the_ceiling() -> None:
    p = core.Parametres(volontaires=10, seeds=1, mois=1, couverture=1.0, plafond_demande=40)
    bilan = core.simuler(PROFIL, (*LIEUX, LOIN), H, p)
    assert bilan.necessaires == [None] and bilan.plafond_atteint and bilan.necessaires_intervalle is None
    assert "non atteinte" in bilan.notes[0]


def test_cancelled_run_stops() -> None:
    calls = []

    def annule() -> bool:
        calls.append(1)
        return len(calls) > 1

    with pytest.raises(core.SimulationAnnulee):
        core.simuler(PROFIL, LIEUX, H, core.Parametres(volontaires=5, seeds=1, mois=3), annule=annule)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"volontaires": 0}, "Nombre de volontaires invalide"),
        ({"volontaires": 10_000_000}, "Nombre de volontaires invalide"),
        ({"seeds": 0}, "Nombre de tirages invalide"),
        ({"mois": 13}, "Nombre de mois invalide"),
        ({"couverture": 0.0}, "Couverture visée invalide"),
        ({"couverture": math.nan}, "Couverture visée invalide"),
        (
            {"plafond_demande": 5},
            r"^Plafond de la recherche inverse invalide \(5\) : le plus grand nombre de volontaires qu'elle essaie, "
            r"entre 10 \(le nombre de volontaires\) et 200 000\.$",
        ),
    ],
)
def test_bad_parameters_are_refused_in_french(change: dict[str, float], message: str) -> None:
    values = {"volontaires": 10, "seeds": 1, "mois": 1, "couverture": 1.0, **change}
    with pytest.raises(core.SimulationError, match=message):
        core.valider(core.Parametres(**values))  # type: ignore[arg-type]


def test_without_a_ceiling_more_volunteers_than_the_default_are_taken() -> None:
    """Found by the command-line probe of 6 December: 50,000 volunteers without --plafond (and the page's form,
    which has no ceiling) were refused for a ceiling of 20,000 nobody gave."""
    p = core.valider(core.Parametres(volontaires=50_000, seeds=1, mois=1))
    assert p.plafond == 50_000 and core.Parametres(volontaires=10).plafond == core.DEFAULT_PLAFOND_INVERSE


def test_cli_zero_volunteers_exits_2_with_a_french_message() -> None:
    result = run_cli("simuler", "--volontaires", "0")
    assert result.returncode == 2 and "Nombre de volontaires invalide (0)" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--volontaires", "10000000"], "Nombre de volontaires invalide"),
        (["--volontaires", "300", "--mois", "0"], "Nombre de mois invalide"),
        (
            ["--volontaires", "300", "--mois", "-1"],
            "n'est pas un nombre valide pour « mois » : un nombre entier",
        ),
        (["--volontaires", "300", "--seeds", "abc"], "n'est pas un nombre valide"),
        (["--volontaires", "300", "--couverture", "150"], "Couverture visée invalide"),
        (["--volontaires", "300", "--plafond", "x"], "--plafond, le plafond de la recherche inverse"),
        # Other writings int() and float() read as a number (decision 0004, point 11): each ran a simulation.
        (["--volontaires", "3_00"], "« 3_00 » n'est pas un nombre valide pour « volontaires »"),
        (["--volontaires", "٣٠٠"], "n'est pas un nombre valide pour « volontaires »"),
        (["--volontaires", "300", "--couverture", "5e-1"], "n'est pas un nombre valide pour « couverture »"),
        (
            ["--volontaires", "300", "--plafond", "٥٠٠"],
            "doit être un nombre entier en chiffres .* reçu « ٥٠٠ »",
        ),
        (
            ["--volontaires", "300", "--plafond", "+500"],
            "doit être un nombre entier en chiffres .* reçu « \\+500 »",
        ),
    ],
)
def test_cli_bad_input_exit_code_2(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message) as caught:
        call_command("simuler", *args)
    assert caught.value.returncode == 2


@pytest.mark.parametrize(
    ("written", "share"),
    [("0,8", 0.8), ("0.8", 0.8), ("1", 1.0), ("80", 0.8), ("100", 1.0), ("80 %", 0.8), ("1,5 %", 0.015)],
)
def test_cli_coverage_is_a_share_a_whole_percentage_or_a_number_with_percent(
    written: str, share: float
) -> None:
    """The rule --help states: a share from 0 to 1, a whole percentage, or any percentage followed by « % »."""
    parametres = services.parse_parametres(
        {"volontaires": "10", "seeds": "1", "mois": "1", "couverture": written}
    )
    assert parametres.couverture == pytest.approx(share)


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("1,5", "Couverture visée ambiguë : « 1,5 » est-il 1,5 % ou 150 % ? Écrivez une part de 0 à 1"),
        ("12.5", "Couverture visée ambiguë : « 12.5 » est-il 12.5 % ou 1250 % ?"),
        ("150", "Couverture visée invalide (« 150 ») : au plus 100 %"),
    ],
)
def test_cli_an_ambiguous_coverage_is_refused_exit_2(written: str, message: str) -> None:
    """« 1,5 » was read 1,5 % without a word, where a French user may mean 150 % (or 1,5 as a share)."""
    with pytest.raises(ValidationError, match=re.escape(message)):  # before a simulation is run
        services.parse_parametres({"volontaires": "10", "seeds": "1", "mois": "1", "couverture": written})
    with pytest.raises(CommandError, match=re.escape(message)) as caught:
        call_command("simuler", "--volontaires", "300", "--couverture", written)
    assert caught.value.returncode == 2


@pytest.mark.parametrize("plafond", ["0", "39", "-5", "200001", "99999999999999999999"])
def test_cli_plafond_out_of_range_says_the_range_with_its_numbers(plafond: str) -> None:
    """An outside probe (6 December): `--plafond 0` was said « un nombre entier en chiffres de 0 à 9 » (it is
    one), a negative one likewise, and one below the number of volunteers was silently raised to it."""
    with pytest.raises(CommandError) as caught:
        call_command("simuler", "--volontaires", "40", "--plafond", plafond)
    assert caught.value.returncode == 2
    assert str(caught.value) == (
        "--plafond, le plafond de la recherche inverse (le plus grand nombre de volontaires qu'elle essaie), "
        f"doit être compris entre 40 (le nombre de volontaires, --volontaires) et 200 000 : reçu {plafond}."
    )


# --- With the database: the profile, the task, the pages ----------------------------------------------------


FORM = {"volontaires": "10", "seeds": "1", "mois": "1"}


def _volunteers() -> None:
    commune = zone_commune(1)
    for k in range(3):
        medecin(commune, demonstration=True, trajet_max_minutes=90 + k)


@pytest.mark.django_db
def test_cli_runs_on_the_database_profile_and_prints_the_table() -> None:
    _volunteers()
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "simuler", "--volontaires", "3", "--seeds", "1", "--mois", "1", "--sans-apl", stdout=out, stderr=err
    )
    text = out.getvalue()
    assert "Journées-lieux couvertes par an" in text and "3 médecins volontaires de démonstration" in text
    assert "(cible 37 750)" in text and "zones rouges de la campagne" in text


@pytest.mark.django_db
def test_cli_takes_a_plafond_equal_to_the_number_of_volunteers() -> None:
    """The lower bound of --plafond is accepted, and kept as given (no longer raised in silence)."""
    _volunteers()
    out = io.StringIO()
    call_command(
        "simuler",
        "--volontaires",
        "3",
        "--plafond",
        "3",
        "--seeds",
        "1",
        "--mois",
        "1",
        "--sans-apl",
        "--json",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert json.loads(out.getvalue())["parametres"]["plafond"] == 3


@pytest.mark.django_db
def test_task_run_then_cancel_leaves_nothing(client) -> None:  # type: ignore[no-untyped-def]
    _volunteers()
    agent = agent_ars(zone_commune(1).departement.region.code)
    client.force_login(agent)
    form = {"volontaires": "3", "seeds": "1", "mois": "1", "couverture": "50"}
    response = client.post("/pilotage/simulations/", form)
    sim = Simulation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/pilotage/simulations/{sim.pk}/"
    assert sim.etat == "en_file" and sim.resultat is None  # queued, not run in the request
    assert DBTaskResult.objects.get().task_path == "solidarite.pilotage.tasks.calculer_simulation"
    page = html.unescape(client.get(f"/pilotage/simulations/{sim.pk}/").content.decode())
    assert 'hx-trigger="every 2s"' in page and "Annuler la simulation" in page
    call_command("worker", "--once", stdout=io.StringIO())  # the project's worker runs it
    sim.refresh_from_db()
    assert sim.etat == "terminee" and sim.progression == 100, sim.erreur
    assert sim.resultat["jours_couverts"]["mediane"] > 0 and sim.resultat["apl"]["zones"]
    polled = client.get(f"/pilotage/simulations/{sim.pk}/progres/", headers={"HX-Request": "true"})
    assert polled["HX-Refresh"] == "true"
    page = html.unescape(client.get(f"/pilotage/simulations/{sim.pk}/").content.decode())
    page = page.replace("\u202f", " ").replace("\xa0", " ")
    assert "Part de la cible (151 × 250 = 37 750)" in page and "<svg" in page and "Effet sur l'APL" in page
    assert not re.search(r' (x|y|x1|x2|y1|y2)="[0-9.]*,', page)  # SVG lengths with a dot, whatever the locale
    geo = client.get(f"/pilotage/simulations/{sim.pk}/apl.geojson").json()
    assert geo["features"] and {"apl_avant", "apl_apres", "etp"} <= set(geo["features"][0]["properties"])

    # A second one, cancelled while queued: the row goes, the worker finds nothing to do, nothing remains.
    client.post("/pilotage/simulations/", form)
    second = Simulation.objects.exclude(pk=sim.pk).get()
    response = client.post(f"/pilotage/simulations/{second.pk}/annuler/")
    assert response.status_code == 302 and not Simulation.objects.filter(pk=second.pk).exists()
    assert services.compute_simulation(second.pk) == {"simulation": "ignorée : annulée ou déjà prise"}
    assert list(Simulation.objects.values_list("pk", flat=True)) == [sim.pk]
    assert client.get(f"/pilotage/simulations/{second.pk}/").status_code == 404


@pytest.mark.django_db
def test_a_run_cancelled_while_computing_writes_nothing(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _volunteers()
    sim = Simulation.objects.create(volontaires=3, seeds=1, mois=1, couverture=0.5)
    original = services.executer

    def cancelled_meanwhile(parametres, **kwargs):  # type: ignore[no-untyped-def]
        # What the « Annuler » button does while the worker computes: the row is deleted; the run sees it.
        Simulation.objects.filter(pk=sim.pk).delete()
        return original(parametres, **kwargs)

    monkeypatch.setattr(services, "executer", cancelled_meanwhile)
    assert services.compute_simulation(sim.pk) == {"simulation": "annulée"}
    assert not Simulation.objects.exists()


@pytest.mark.django_db
def test_bad_form_input_is_a_400_and_queues_nothing(client, django_user_model) -> None:  # type: ignore[no-untyped-def]
    client.force_login(django_user_model.objects.create_superuser("admin-simu", "a@exemple.fr", "x"))
    for volontaires, couverture, message in (
        ("0", "100", "Nombre de volontaires invalide"),
        ("dix", "100", "n'est pas un nombre valide"),
        ("10", "120", "Couverture visée invalide"),
        ("10", "0", "Couverture visée invalide"),
    ):
        response = client.post(
            "/pilotage/simulations/",
            {"volontaires": volontaires, "seeds": "1", "mois": "1", "couverture": couverture},
        )
        assert response.status_code == 400 and message in html.unescape(response.content.decode())
    assert not Simulation.objects.exists() and not DBTaskResult.objects.exists()
    assert services.parse_parametres({**FORM, "couverture": "1"}, pourcent=True).couverture == 0.01
    assert (
        services.parse_parametres({**FORM, "couverture": "1"}).couverture == 1.0
    )  # the command line: a share
    for written in ("50%", "50 %", "50,0\u202f%"):  # or a percentage, as its help says
        assert services.parse_parametres({**FORM, "couverture": written}).couverture == 0.5
    assert services.parse_parametres({**FORM, "couverture": "1%"}).couverture == 0.01


@pytest.mark.django_db
def test_only_its_author_or_the_ministry_cancels_and_only_while_pending(client, django_user_model) -> None:  # type: ignore[no-untyped-def]
    """Une simulation est nationale et lisible de toutes les ARS, mais un agent d'une autre région n'efface pas
    celle du ministère ou d'une autre ARS, et une simulation terminée garde son résultat (le bouton n'existe
    qu'en attente ; l'adresse POST ne doit pas en faire davantage)."""
    author = agent_ars(zone_commune(1).departement.region.code, username="ars-auteur")
    rank = next(
        r
        for r in range(2, 151)
        if zone_commune(r).departement.region_id != zone_commune(1).departement.region_id
    )
    other = agent_ars(zone_commune(rank).departement.region.code, username="ars-autre")
    pending = Simulation.objects.create(volontaires=3, seeds=1, mois=1, couverture=0.5, cree_par=author)
    done = Simulation.objects.create(
        volontaires=3, seeds=1, mois=1, couverture=0.5, cree_par=author, etat="terminee", resultat={}
    )
    client.force_login(other)
    refused = client.post(f"/pilotage/simulations/{pending.pk}/annuler/")
    assert refused.status_code == 403 and "auteur" in refused.content.decode()
    client.force_login(author)
    finished = client.post(f"/pilotage/simulations/{done.pk}/annuler/")
    assert finished.status_code == 400 and "terminée" in finished.content.decode()
    assert Simulation.objects.filter(pk__in=[pending.pk, done.pk]).count() == 2
    assert client.post(f"/pilotage/simulations/{pending.pk}/annuler/").status_code == 302
    national = django_user_model.objects.create_superuser("ministere-simu", "m@exemple.fr", "x")
    again = Simulation.objects.create(volontaires=3, seeds=1, mois=1, couverture=0.5, cree_par=author)
    client.force_login(national)
    assert client.post(f"/pilotage/simulations/{again.pk}/annuler/").status_code == 302
    assert list(Simulation.objects.values_list("pk", flat=True)) == [done.pk]
