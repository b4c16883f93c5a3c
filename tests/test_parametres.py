"""The dated parameters: one value per name and date, each with its source, looked up at a date; and the places
that used to hold their own copy (a model default, a form, the zonage file) reading them instead."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest
import time_machine

from solidarite import parametres
from solidarite.parametres import (
    PARAMETRES,
    InvalidParametresError,
    Parametre,
    UnknownParametreError,
    entier,
    entiers,
    montant,
    parametre,
    texte,
    valeur,
    verifier,
)

SOURCE = "Arrêté imaginaire, pour le test"


def _entry(nom: str, v: parametres.Valeur, depuis: dt.date, source: str = SOURCE) -> Parametre:
    return Parametre(nom, v, "jours/mois", depuis, source, "plafond")


# A change of value: a new dated entry beside the old one, never an edit of it.
CHANGE = dt.date(2026, 1, 1)
TABLE = verifier(
    (
        _entry("plafond", 2, dt.date(2025, 9, 1)),
        _entry("plafond", 3, CHANGE),
    )
)


@pytest.mark.parametrize(
    ("jour", "attendu"),
    [
        (dt.date(2025, 9, 1), 2),  # the first value, from its own date
        (CHANGE - dt.timedelta(days=1), 2),  # the day before the change: still the old value
        (CHANGE, 3),  # on the day of the change: the new one
        (CHANGE + dt.timedelta(days=400), 3),  # long after: the new one
    ],
)
def test_a_value_is_the_one_in_force_on_the_day(jour: dt.date, attendu: int) -> None:
    assert parametre("plafond", jour, TABLE).valeur == attendu


def test_before_the_first_date_there_is_no_value() -> None:
    with pytest.raises(UnknownParametreError, match="pas encore en vigueur le 31/08/2025"):
        parametre("plafond", dt.date(2025, 8, 31), TABLE)
    with pytest.raises(UnknownParametreError, match="inconnu"):
        parametre("plancher", CHANGE, TABLE)


def test_two_entries_of_the_same_name_and_date_are_refused() -> None:
    with pytest.raises(InvalidParametresError, match="donné deux fois pour le 01/01/2026"):
        verifier((*TABLE, _entry("plafond", 4, CHANGE)))
    verifier((*TABLE, _entry("plancher", 4, CHANGE)))  # another name, the same date: fine


def test_an_entry_without_a_source_is_refused() -> None:
    with pytest.raises(InvalidParametresError, match="sans source"):
        verifier((_entry("plafond", 2, CHANGE, source="  "),))


def test_every_parameter_of_the_scheme_has_a_source_and_one_value_per_date() -> None:
    assert verifier(PARAMETRES) == PARAMETRES
    assert all(p.source.strip() and p.unite and p.libelle for p in PARAMETRES)
    assert len({(p.nom, p.depuis) for p in PARAMETRES}) == len(PARAMETRES)


def test_today_is_the_default_day() -> None:
    before = time_machine.travel(dt.datetime(2025, 8, 31, 12, tzinfo=dt.UTC), tick=False)
    with before, pytest.raises(UnknownParametreError):
        valeur("jours_max_par_mois")  # the scheme starts on 1 September 2025
    with time_machine.travel(dt.datetime(2025, 9, 1, 12, tzinfo=dt.UTC), tick=False):
        assert valeur("jours_max_par_mois") == 2


def test_the_values_of_the_scheme_by_kind() -> None:
    day = dt.date(2025, 10, 1)
    assert montant("indemnite_journaliere", day) == Decimal("200")
    assert montant("indemnite_demi_journee", day) == Decimal("100")
    assert (texte("indemnite_periodicite", day), texte("indemnite_payeur", day)) == ("mensuelle", "CPAM")
    assert entier("jours_max_par_mois", day) == 2 and entier("nombre_zones_rouges", day) == 151
    assert entiers("messages_delais_nouvel_essai", day) == (5, 25)
    with pytest.raises(TypeError, match="un nombre entier attendu"):
        entier("indemnite_journaliere", day)
    with pytest.raises(TypeError, match="un montant attendu"):
        montant("indemnite_payeur", day)
    with pytest.raises(TypeError, match="une suite de nombres entiers attendue"):
        entiers("jours_max_par_mois", day)
    with pytest.raises(TypeError, match="un texte attendu"):
        texte("messages_delais_nouvel_essai", day)


@pytest.mark.django_db
def test_a_new_volunteer_and_the_sign_up_form_start_from_the_cap_in_force() -> None:
    from solidarite.annuaire.forms import InscriptionForm
    from solidarite.annuaire.models import MedecinVolontaire, jours_max_en_vigueur

    field = MedecinVolontaire._meta.get_field("jours_max_par_mois")
    assert (
        field.default is jours_max_en_vigueur
    )  # read when the row is created, not when the code was written
    with time_machine.travel(dt.datetime(2025, 10, 1, 12, tzinfo=dt.UTC), tick=False):
        assert MedecinVolontaire().jours_max_par_mois == 2
        assert InscriptionForm()["jours_max_par_mois"].initial == 2


def test_the_zonage_file_without_a_number_takes_the_one_in_force_at_the_campaign_date() -> None:
    from solidarite.zonage.score import ParamError, parse_params
    from solidarite.zonage.sources import PARAMS_2025_HISTORIQUE, load_params

    # zonage_2025.toml (the set before the calibration, ADR 0016) gives no number: the parameter at its date
    params = load_params(PARAMS_2025_HISTORIQUE)
    assert params.depuis == dt.date(2025, 6, 27) and params.nombre == 151
    data = {
        "campagne": {"depuis": dt.date(2025, 6, 26)},
        "selection": {},
        "poids": dict.fromkeys(("apl", "apl_moins_65", "part_ald", "temps_urgences", "niveau_vie"), 1),
    }
    with pytest.raises(ParamError, match="nombre absent"):  # before the list of zones: no number to take
        parse_params(data)
    assert parse_params({**data, "selection": {"nombre": 40}}).nombre == 40


@pytest.fixture
def process_clock_in_utc(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The local clock of a process on a server (TZ=UTC), which Django's TIME_ZONE otherwise puts to Paris."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("process_clock_in_utc")
def test_today_is_the_day_in_paris_not_the_process_clock() -> None:
    """At 23:30 UTC on 31 August it is 1:30 on 1 September in Paris, the day the scheme starts: the day of the
    process's clock (UTC) said the cap was not yet in force."""
    with time_machine.travel(dt.datetime(2025, 8, 31, 23, 30, tzinfo=dt.UTC), tick=False):
        assert dt.date.today() == dt.date(2025, 8, 31)  # the process's clock, as on the server
        assert parametre("jours_max_par_mois").depuis == dt.date(2025, 9, 1)
        assert valeur("jours_max_par_mois") == 2
    late_evening = time_machine.travel(dt.datetime(2025, 8, 31, 21, 59, tzinfo=dt.UTC), tick=False)
    with late_evening, pytest.raises(UnknownParametreError, match="le 31/08/2025"):  # 23:59 in Paris
        valeur("jours_max_par_mois")
