"""`python -m solidarite demo_continuite`: three months at the demonstration lieux, labelled, every open result
with one owner; a second run changes nothing; without the demo lieux, exit code 2 with a French message."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from solidarite.annuaire.models import LieuSolidaire
from solidarite.continuite.models import ResultatAttendu, Transmission
from tests.demonstration import incoherences
from tests.factories import lieu, medecin, referent

pytestmark = pytest.mark.django_db


def test_three_months_labelled_with_owners_and_once(lundi) -> None:  # type: ignore[no-untyped-def]
    demo_lieu = lieu(demonstration=True)
    referent(demo_lieu)
    for _ in range(3):
        medecin(demo_lieu.commune, demonstration=True)
    out = io.StringIO()
    call_command("demo_continuite", "--lieux", "1", stdout=out)
    assert "sans_proprietaire=0" in out.getvalue()
    assert Transmission.objects.filter(demonstration=False).count() == 0
    # each day given to a volunteer free that day, within their two days a month: three volunteers over the
    # three months (four calendar months) hold a day of 8 consultations a few times a month
    assert 8 * 3 * 2 * 3 <= Transmission.objects.count() <= 8 * 3 * 2 * 4
    # Declared, confirmed and ended as the real flow leaves them (the realised days are the indemnisation's).
    assert incoherences() == []
    opened = ResultatAttendu.objects.filter(statut="ouvert")
    assert opened.exists() and ResultatAttendu.objects.filter(statut="clos").exists()
    assert not opened.filter(proprietaire_medecin__isnull=False).exists()  # every mission day is over
    again = io.StringIO()
    call_command("demo_continuite", stdout=again)
    assert "existent déjà" in again.getvalue()


def test_without_demo_lieux_it_says_what_to_run() -> None:
    with pytest.raises(CommandError, match="python -m solidarite demo") as exc:
        call_command("demo_continuite")
    assert exc.value.returncode == 2


def test_demo_reset_removes_the_continuite_demo_data_first(lundi) -> None:  # type: ignore[no-untyped-def]
    """`demo --reset` once continuite demo data exists (foreign keys onto missions and lieux), then again."""
    demo_lieu = lieu(demonstration=True)
    referent(demo_lieu)
    for _ in range(2):
        medecin(demo_lieu.commune, demonstration=True)
    call_command("demo_continuite", "--lieux", "1", stdout=io.StringIO())
    assert ResultatAttendu.objects.exists()
    call_command("demo", "--reset", stdout=io.StringIO())
    assert not Transmission.objects.exists() and not ResultatAttendu.objects.exists()
    assert not LieuSolidaire.objects.filter(pk=demo_lieu.pk).exists()
    out = io.StringIO()
    call_command("demo_continuite", "--lieux", "1", stdout=out)  # on the new demonstration lieux
    assert "sans_proprietaire=0" in out.getvalue() and Transmission.objects.exists()
