"""Adversarial months, each amount checked against the rule computed here by hand: a change of amount on the
15th and a leap day, a day split between two lieux of two regions past the cap, 31 December and 1 January built
out of order, a day withdrawn after validation, drafts rebuilt out of order; the CPAM file of an adjustment."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from solidarite.indemnisation import exports, services
from solidarite.indemnisation.models import LigneReleve, Releve
from solidarite.parametres import PARAMETRES, Parametre
from tests.factories import agent_ars, jour_realise, lieu, medecin, zone_commune

pytestmark = pytest.mark.django_db


def paid_total(doc) -> Decimal:  # type: ignore[no-untyped-def]
    return sum((r.total for r in Releve.objects.filter(medecin=doc)), Decimal(0))


def test_rate_change_on_the_15th_and_leap_day(freeze_clock) -> None:  # type: ignore[no-untyped-def]
    freeze_clock(dt.datetime(2028, 3, 20, 9, tzinfo=dt.UTC))
    table = (
        *PARAMETRES,
        Parametre(
            "indemnite_journaliere", Decimal("230"), "€/jour", dt.date(2028, 2, 15), "Arrêté test", "t"
        ),
        Parametre(
            "indemnite_demi_journee", Decimal("115"), "€/demi-journée", dt.date(2028, 2, 29), "Arrêté", "t"
        ),
    )
    doc = medecin()
    place = lieu(doc.commune)
    jour_realise(doc, place, dt.date(2028, 2, 14))
    jour_realise(doc, place, dt.date(2028, 2, 28), "demi_journee")
    jour_realise(doc, place, dt.date(2028, 2, 29), "demi_journee")
    services.construire_mois(dt.date(2028, 2, 1), table=table, today=dt.date(2028, 3, 20))
    r = Releve.objects.get()
    assert r.total == Decimal(200) + Decimal(100) + Decimal(115)
    assert sorted(ligne.taux for ligne in r.lignes.all()) == [Decimal(100), Decimal(115), Decimal(200)]


def test_a_day_split_across_two_lieux_of_two_regions(freeze_clock) -> None:  # type: ignore[no-untyped-def]
    freeze_clock(dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC))
    doc = medecin()
    here = lieu(doc.commune)
    region = here.commune.departement.region
    rank = next(r for r in range(2, 151) if zone_commune(r).departement.region_id != region.pk)
    there = lieu(zone_commune(rank))
    jour_realise(doc, here, dt.date(2026, 10, 6), "demi_journee")
    jour_realise(doc, there, dt.date(2026, 10, 6), "demi_journee")
    jour_realise(doc, here, dt.date(2026, 10, 7))
    jour_realise(doc, there, dt.date(2026, 10, 8), "demi_journee")  # 2.5 days: over the cap
    services.construire_mois(dt.date(2026, 10, 1), today=dt.date(2026, 11, 20))
    assert paid_total(doc) == Decimal(400)
    services.construire_mois(dt.date(2026, 10, 1), today=dt.date(2026, 11, 20))
    assert paid_total(doc) == Decimal(400) and Releve.objects.count() == 2


def test_a_month_built_after_the_next_one_does_not_withdraw_its_days(freeze_clock) -> None:  # type: ignore[no-untyped-def]
    """An outside probe (7 December): January built before December, then December: each January day already in
    January's statement was read as « withdrawn » by December's run, a −200 € adjustment (paid 200 € for 400)."""
    freeze_clock(dt.datetime(2027, 2, 10, 9, tzinfo=dt.UTC))
    doc = medecin()
    place = lieu(doc.commune)
    ars = agent_ars(place.commune.departement.region.code)
    jour_realise(doc, place, dt.date(2026, 12, 31))
    jour_realise(doc, place, dt.date(2027, 1, 1))
    services.construire_mois(dt.date(2027, 1, 1), today=dt.date(2027, 2, 10))
    services.construire_mois(dt.date(2026, 12, 1), today=dt.date(2027, 2, 10))
    tot = {r.mois: r.total for r in Releve.objects.all()}
    assert sum(tot.values()) == Decimal(400), tot
    # validate both, then withdraw the 31 Dec day: adjustment in February
    services.avancer([r.pk for r in Releve.objects.all()], "valider", ars)
    from solidarite.indemnisation.models import JourRealise

    services.retirer_jour(JourRealise.objects.get(mission__date=dt.date(2026, 12, 31)), ars, "Absent ce jour")
    services.construire_mois(dt.date(2027, 2, 1), today=dt.date(2027, 2, 10))
    services.construire_mois(dt.date(2027, 2, 1), today=dt.date(2027, 2, 10))
    feb = Releve.objects.get(mois=dt.date(2027, 2, 1))
    assert feb.total == Decimal(-200)
    assert paid_total(doc) == Decimal(200)
    # the CPAM file of February validates
    services.avancer([feb.pk], "valider", ars)
    rows = exports.rows(
        Releve.objects.filter(pk=feb.pk).prefetch_related("lignes").select_related("medecin", "region")
    )
    text = exports.csv_text(rows)
    from frictionless import Resource, Schema

    report = Resource(
        data=list(csv.reader(io.StringIO(text))), schema=Schema.from_descriptor(exports.SCHEMA)
    ).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_drafts_out_of_order_then_withdrawal(freeze_clock) -> None:  # type: ignore[no-untyped-def]
    freeze_clock(dt.datetime(2026, 12, 10, 9, tzinfo=dt.UTC))
    doc = medecin()
    place = lieu(doc.commune)
    ars = agent_ars(place.commune.departement.region.code)
    x = jour_realise(doc, place, dt.date(2026, 10, 6))
    services.construire_mois(dt.date(2026, 10, 1), today=dt.date(2026, 12, 10))
    services.construire_mois(dt.date(2026, 11, 1), today=dt.date(2026, 12, 10))
    services.retirer_jour(x.jour_realise, ars, "Absent ce jour")
    services.construire_mois(dt.date(2026, 11, 1), today=dt.date(2026, 12, 10))
    services.construire_mois(dt.date(2026, 10, 1), today=dt.date(2026, 12, 10))
    lines = list(LigneReleve.objects.values_list("releve__mois", "genre", "montant"))
    assert paid_total(doc) == 0, lines
    assert sum(m for _mois, _g, m in lines) == 0, lines


def _lines(doc) -> list[tuple[dt.date, str, dt.date, Decimal]]:  # type: ignore[no-untyped-def]
    """(statement month, genre, day, amount) of the doctor's lines, sorted."""
    return sorted(
        LigneReleve.objects.filter(releve__medecin=doc).values_list(
            "releve__mois", "genre", "date", "montant"
        )
    )


def test_a_withdrawn_day_of_a_draft_month_is_never_regularised_in_another_month(freeze_clock) -> None:  # type: ignore[no-untyped-def]
    """December, then January built; a December day withdrawn while both are drafts; January rebuilt before
    December. By hand: December holds its half-day (100 €), January its day (200 €), nothing else: the withdrawn
    day was never validated, so nothing is regularised (it gave −200 € « retirée après validation » in January
    and +200 € « correction » in December)."""
    freeze_clock(dt.datetime(2027, 2, 10, 9, tzinfo=dt.UTC))
    doc = medecin()
    place = lieu(doc.commune)
    ars = agent_ars(place.commune.departement.region.code)
    x = jour_realise(doc, place, dt.date(2026, 12, 10))
    jour_realise(doc, place, dt.date(2026, 12, 20), "demi_journee")
    jour_realise(doc, place, dt.date(2027, 1, 5))
    today = dt.date(2027, 2, 10)
    services.construire_mois(dt.date(2026, 12, 1), today=today)
    services.construire_mois(dt.date(2027, 1, 1), today=today)
    services.retirer_jour(x.jour_realise, ars, "Absent ce jour")
    services.construire_mois(dt.date(2027, 1, 1), today=today)
    assert _lines(doc) == [
        (
            dt.date(2026, 12, 1),
            "jour",
            dt.date(2026, 12, 10),
            Decimal(200),
        ),  # stale until December is rebuilt
        (dt.date(2026, 12, 1), "jour", dt.date(2026, 12, 20), Decimal(100)),
        (dt.date(2027, 1, 1), "jour", dt.date(2027, 1, 5), Decimal(200)),
    ]
    services.construire_mois(dt.date(2026, 12, 1), today=today)
    assert _lines(doc) == [
        (dt.date(2026, 12, 1), "jour", dt.date(2026, 12, 20), Decimal(100)),
        (dt.date(2027, 1, 1), "jour", dt.date(2027, 1, 5), Decimal(200)),
    ]
    assert {r.mois: r.total for r in Releve.objects.all()} == {
        dt.date(2026, 12, 1): Decimal(100),
        dt.date(2027, 1, 1): Decimal(200),
    }


def test_a_paid_day_withdrawn_is_regularised_once_in_the_first_open_month(freeze_clock) -> None:  # type: ignore[no-untyped-def]
    """October validated and paid (a half-day, 100 €); the half-day withdrawn; December built before November.
    By hand: −100 € once, in November's statement (the first month after the paid one), labelled with the
    day of October; December holds nothing for it, whatever the order."""
    freeze_clock(dt.datetime(2027, 1, 10, 9, tzinfo=dt.UTC))
    doc = medecin()
    place = lieu(doc.commune)
    ars = agent_ars(place.commune.departement.region.code)
    x = jour_realise(doc, place, dt.date(2026, 10, 6), "demi_journee")
    jour_realise(doc, place, dt.date(2026, 11, 3))
    jour_realise(doc, place, dt.date(2026, 12, 1))
    today = dt.date(2027, 1, 10)
    services.construire_mois(dt.date(2026, 10, 1), today=today)
    octobre = Releve.objects.get(mois=dt.date(2026, 10, 1))
    for action in ("valider", "transmettre", "payer"):
        services.avancer([octobre.pk], action, ars)
    services.retirer_jour(x.jour_realise, ars, "Absent ce jour")
    services.construire_mois(dt.date(2026, 12, 1), today=today)
    services.construire_mois(dt.date(2026, 11, 1), today=today)
    services.construire_mois(dt.date(2026, 12, 1), today=today)
    expected = [
        (dt.date(2026, 10, 1), "jour", dt.date(2026, 10, 6), Decimal(100)),
        (dt.date(2026, 11, 1), "ajustement", dt.date(2026, 10, 6), Decimal(-100)),
        (dt.date(2026, 11, 1), "jour", dt.date(2026, 11, 3), Decimal(200)),
        (dt.date(2026, 12, 1), "jour", dt.date(2026, 12, 1), Decimal(200)),
    ]
    assert _lines(doc) == expected
    assert paid_total(doc) == Decimal(400)
