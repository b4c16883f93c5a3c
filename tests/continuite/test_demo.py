"""`python -m solidarite demo_continuite`: three months at the demonstration lieux, labelled, every open result
with one owner; a second run changes nothing; without the demo lieux, exit code 2 with a French message."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from solidarite.continuite.models import ResultatAttendu, Transmission
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
    assert Transmission.objects.count() > 400  # ~65 working days × 8
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
