"""Three months built, validated and paid in any order, days confirmed late or withdrawn in between (hypothesis, on
the database): whatever the order, once every month is built again, each line sits where decision 0015 (revision
of 7 December) puts it, nothing validated ever changes, and a draft is validated only if it is what a build would
write then (a stale one refused, nothing written; none refused once every month is built again)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solidarite.indemnisation import services
from solidarite.indemnisation.models import JourRealise, LigneReleve, Releve
from tests.factories import agent_ars, jour_realise, lieu, medecin

pytestmark = pytest.mark.django_db
TODAY = dt.date(2027, 1, 10)
MONTHS = (dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1))
DAYS = (  # at most 1.5 days a month: under the cap (2), no day is held
    (dt.date(2026, 10, 6), "journee"),
    (dt.date(2026, 10, 20), "demi_journee"),
    (dt.date(2026, 11, 3), "demi_journee"),
    (dt.date(2026, 11, 17), "journee"),
    (dt.date(2026, 12, 1), "journee"),
)
RATE = {"journee": Decimal(200), "demi_journee": Decimal(100)}

month = st.integers(0, len(MONTHS) - 1)
day = st.integers(0, len(DAYS) - 1)
step = st.one_of(
    st.tuples(st.just("construire"), month),
    st.tuples(st.just("confirmer"), day),
    st.tuples(st.just("retirer"), day),
    st.tuples(st.just("valider"), month),
    st.tuples(st.just("payer"), month),
)


def _frozen_lines() -> dict[int, list[tuple[object, ...]]]:
    out: dict[int, list[tuple[object, ...]]] = {}
    for r in Releve.objects.filter(statut__in=Releve.FIGES):
        out[r.pk] = [(r.total,), *sorted(r.lignes.values_list("genre", "mission_id", "montant"))]
    return out


def _check_always(frozen_before: dict[int, list[tuple[object, ...]]]) -> None:
    for r in Releve.objects.all():
        lines = list(r.lignes.all())
        assert r.total == sum((ligne.montant for ligne in lines), Decimal(0)), r
        # A statement never holds a line of a later month's day.
        assert all(ligne.date.replace(day=1) <= r.mois for ligne in lines), (r.mois, lines)
    now = _frozen_lines()
    assert {pk: now.get(pk) for pk in frozen_before} == frozen_before  # nothing validated changes


def _expected_placement(doc, missions) -> None:  # type: ignore[no-untyped-def]
    """Every month built again: a realised day not validated anywhere sits in the earliest month from its own
    whose statement is not validated; a day paid in a validated statement and whose amount due changed has ONE
    regularisation (due − paid) in the earliest month after the last validated statement holding it."""
    figes = set(Releve.objects.filter(medecin=doc, statut__in=Releve.FIGES).values_list("mois", flat=True))
    realised = dict(JourRealise.objects.values_list("mission_id", "nature"))
    for mission in missions:
        lines = list(LigneReleve.objects.filter(mission=mission).select_related("releve"))
        paid = [ligne for ligne in lines if ligne.releve.statut in Releve.FIGES]
        drafts = sorted(
            (ligne.genre, ligne.releve.mois, ligne.montant) for ligne in lines if ligne not in paid
        )
        due = RATE[realised[mission.pk]] if mission.pk in realised else Decimal(0)
        if paid:
            borne = max(ligne.releve.mois for ligne in paid)
            owed = due - sum((ligne.montant for ligne in paid), Decimal(0))
            open_months = [m for m in MONTHS if m > borne and m not in figes]
            expected = [("ajustement", open_months[0], owed)] if owed and open_months else []
        else:
            open_months = [m for m in MONTHS if m >= mission.date.replace(day=1) and m not in figes]
            expected = [("jour", open_months[0], due)] if due and open_months else []
        assert drafts == expected, (
            mission.date,
            [(ligne.genre, ligne.releve.mois, ligne.montant) for ligne in paid],
        )


def _validate_unless_stale(releve: Releve, ars) -> None:  # type: ignore[no-untyped-def]
    """A draft built before a day changed is refused, nothing written (decision 0015, « un brouillon périmé »)."""
    lines = sorted(releve.lignes.values_list("genre", "mission_id", "montant"))
    try:
        services.avancer([releve.pk], "valider", ars)
    except ValidationError as exc:
        assert "n'est plus à jour" in " ".join(exc.messages), exc.messages
        releve.refresh_from_db()
        assert releve.statut == Releve.Statut.BROUILLON and not releve.etapes.exists()
        assert sorted(releve.lignes.values_list("genre", "mission_id", "montant")) == lines


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    confirmed=st.sets(day),
    steps=st.lists(step, max_size=10),
    settle=st.permutations(range(len(MONTHS))),
)
def test_any_order_of_builds_validations_and_withdrawals(freeze_clock, confirmed, steps, settle) -> None:  # type: ignore[no-untyped-def]
    freeze_clock(dt.datetime(2027, 1, 10, 9, tzinfo=dt.UTC))
    with transaction.atomic():
        doc = medecin()
        place = lieu(doc.commune)
        ars = agent_ars(place.commune.departement.region.code)
        missions: dict[int, object] = {}
        for i in sorted(confirmed):
            missions[i] = jour_realise(doc, place, *DAYS[i])
        withdrawn: set[int] = set()
        for action, arg in steps:
            frozen_before = _frozen_lines()
            if action == "construire":
                services.construire_mois(MONTHS[arg], today=TODAY)
            elif action == "confirmer" and arg not in missions:
                missions[arg] = jour_realise(doc, place, *DAYS[arg])
            elif action == "retirer" and arg in missions and arg not in withdrawn:
                services.retirer_jour(JourRealise.objects.get(mission=missions[arg]), ars, "Absent ce jour")
                withdrawn.add(arg)
            elif action in ("valider", "payer"):
                r = Releve.objects.filter(medecin=doc, mois=MONTHS[arg]).first()
                if r is not None and action == "valider" and r.statut == Releve.Statut.BROUILLON:
                    _validate_unless_stale(r, ars)
                elif r is not None and action == "payer" and r.statut == Releve.Statut.VALIDE:
                    services.avancer([r.pk], "transmettre", ars)
                    services.avancer([r.pk], "payer", ars)
            _check_always(frozen_before)
        frozen_before = _frozen_lines()
        for i in settle:
            services.construire_mois(MONTHS[i], today=TODAY)
        _check_always(frozen_before)
        _expected_placement(doc, missions.values())
        # Every month built again, no draft is stale: the check at validation refuses nothing (all at once).
        drafts = list(Releve.objects.filter(statut=Releve.Statut.BROUILLON).values_list("pk", flat=True))
        if drafts:
            services.avancer(drafts, "valider", ars)
        transaction.set_rollback(True)
