"""A draft validated must be what the month's run would write now (decision 0015, revision « un brouillon
périmé »): a day withdrawn, confirmed late or changed since the draft was built refuses the validation, nothing
written, until the month is built again. The `world` fixture (conftest.py): Alice Durand, a full day on 6 October
and a half-day on 20 October 2026, October's draft built on 20 November."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from solidarite.indemnisation import services
from solidarite.indemnisation.models import EtapeReleve, JourRealise, LigneReleve, Releve
from solidarite.rdv.audit import AccesDonnees
from tests.factories import agent_ars, jour_realise, lieu, medecin

pytestmark = pytest.mark.django_db
OCT = dt.date(2026, 10, 1)
TODAY = dt.date(2026, 11, 20)


def _lines(releve: Releve) -> list[tuple[object, ...]]:
    return sorted(releve.lignes.values_list("genre", "mission_id", "date", "nature", "montant"))


def _refused(world, agent, *fragments: str) -> None:  # type: ignore[no-untyped-def]
    """The validation refused with a French message naming the change, and nothing written."""
    releve = Releve.objects.get(pk=world["releve"].pk)
    before = (releve.statut, releve.total, _lines(releve))
    with pytest.raises(ValidationError) as refused:
        services.avancer([releve.pk], "valider", agent)
    text = " ".join(refused.value.messages)
    assert "Le relevé de Dr Alice Durand (10/2026) n'est plus à jour" in text, text
    assert "depuis son calcul le 20/11/2026" in text and "Recalculez les relevés du mois" in text, text
    for fragment in fragments:
        assert fragment in text, text
    releve.refresh_from_db()
    assert (releve.statut, releve.total, _lines(releve)) == before
    assert releve.valide_le is None and releve.valide_par is None
    assert not EtapeReleve.objects.filter(releve=releve).exists()
    assert not AccesDonnees.objects.filter(objet_type="indemnisation.releve", objet_id=releve.pk).exists()


def test_a_day_withdrawn_after_the_build_refuses_the_validation_until_the_month_is_rebuilt(world) -> None:  # type: ignore[no-untyped-def]
    agent = agent_ars(world["region"].code)
    jour = JourRealise.objects.get(mission__date=dt.date(2026, 10, 6))
    services.retirer_jour(jour, agent, "Absente ce jour-là")
    _refused(world, agent, "journée du 06/10/2026 retirée")
    services.construire_mois(OCT, today=TODAY)
    rebuilt = Releve.objects.get()
    assert rebuilt.total == Decimal(100)
    services.avancer([rebuilt.pk], "valider", agent)
    rebuilt.refresh_from_db()
    assert rebuilt.statut == "valide" and rebuilt.valide_par == agent
    # Nothing to regularise next month: the withdrawn day was never validated, so never paid.
    services.construire_mois(dt.date(2026, 11, 1), today=TODAY)
    assert not Releve.objects.filter(mois=dt.date(2026, 11, 1)).exists()


def test_a_day_confirmed_late_or_changed_after_the_build_refuses_the_validation(world) -> None:  # type: ignore[no-untyped-def]
    agent = agent_ars(world["region"].code)
    half = JourRealise.objects.get(mission__date=dt.date(2026, 10, 20)).mission
    services.confirmer_jour(half, world["user"], "journee", 5, today=TODAY)  # half-day → full day
    _refused(world, agent, "journée du 20/10/2026 modifiée")
    services.confirmer_jour(half, world["user"], "demi_journee", 5, today=TODAY)  # back as built
    late = jour_realise(world["doc"], world["lieu"], dt.date(2026, 10, 27), "demi_journee")
    _refused(world, agent, "journée du 27/10/2026 ajoutée")
    JourRealise.objects.filter(mission=late).update(nature="journee")  # 2.5 days: held over the cap, no line
    _refused(world, agent, "ses anomalies ont changé")
    services.construire_mois(OCT, today=TODAY)
    services.avancer([Releve.objects.get().pk], "valider", agent)
    assert Releve.objects.get().statut == "valide"


def test_one_stale_draft_refuses_the_whole_batch(world) -> None:  # type: ignore[no-untyped-def]
    agent = agent_ars(world["region"].code)
    other = medecin(world["doc"].commune)
    jour_realise(other, lieu(other.commune), dt.date(2026, 10, 8))
    services.construire_mois(OCT, today=TODAY)
    ids = list(Releve.objects.values_list("pk", flat=True))
    assert len(ids) == 2
    JourRealise.objects.filter(mission__date=dt.date(2026, 10, 6)).delete()
    with pytest.raises(ValidationError, match="Alice Durand"):
        services.avancer(ids, "valider", agent)
    assert set(Releve.objects.values_list("statut", flat=True)) == {"brouillon"}
    assert not EtapeReleve.objects.exists()


def test_a_contested_statement_is_revalidated_without_being_rebuilt(world) -> None:  # type: ignore[no-untyped-def]
    """A contested statement is validated already: never rebuilt, what changed comes as an adjustment later."""
    agent = agent_ars(world["region"].code)
    services.avancer([world["releve"].pk], "valider", agent)
    services.contester(world["releve"], world["user"], "Je n'étais pas là le 6 octobre.")
    services.retirer_jour(JourRealise.objects.get(mission__date=dt.date(2026, 10, 6)), agent, "Absente")
    services.avancer([world["releve"].pk], "valider", agent, "Retrait régularisé en novembre")
    assert Releve.objects.get(pk=world["releve"].pk).statut == "valide"


def test_the_ars_page_refuses_a_stale_draft_with_a_400_and_its_reason(world) -> None:  # type: ignore[no-untyped-def]
    region = world["region"]
    agent = agent_ars(region.code)
    JourRealise.objects.filter(mission__date=dt.date(2026, 10, 6)).delete()
    client = Client()
    client.force_login(agent)
    data = {"region": region.code, "mois": "2026-10", "action": "valider", "releves": world["releve"].pk}
    page = client.post("/indemnisation/ars/", data)
    text = page.content.decode()
    assert page.status_code == 400
    assert "n&#x27;est plus à jour : journée du 06/10/2026 retirée" in text, text
    assert Releve.objects.get().statut == "brouillon"
    services.construire_mois(OCT, today=TODAY)
    data["releves"] = Releve.objects.get().pk
    assert client.post("/indemnisation/ars/", data).status_code == 302
    assert Releve.objects.get().statut == "valide"


def test_the_check_reads_a_fixed_number_of_queries_whatever_the_days_and_statements(  # type: ignore[no-untyped-def]
    world, django_assert_max_num_queries
) -> None:
    """The dry run reads 4 queries per region and month: neither the days of a statement (30 here, 27 held over
    the cap) nor the statements of a batch (10) add any; only the writes of each statement's step do."""
    agent = agent_ars(world["region"].code)
    doc, place = world["doc"], world["lieu"]
    for day in range(1, 31):
        if day not in (6, 20):
            jour_realise(doc, place, dt.date(2026, 10, day), "demi_journee" if day % 2 else "journee")
    others = [medecin(doc.commune) for _ in range(10)]
    for other in others:
        for day in (2, 9, 16):
            jour_realise(other, place, dt.date(2026, 10, day))
    services.construire_mois(OCT, today=TODAY)
    alone = Releve.objects.get(medecin=doc)
    assert LigneReleve.objects.filter(releve=alone).count() == 3 and alone.anomalies
    with django_assert_max_num_queries(11), CaptureQueriesContext(connection) as one:  # 4 of them the check's
        services.avancer([alone.pk], "valider", agent)
    batch = list(Releve.objects.filter(statut="brouillon").values_list("pk", flat=True))
    assert len(batch) == 10
    with CaptureQueriesContext(connection) as many:
        services.avancer(batch, "valider", agent)

    def reads(queries: CaptureQueriesContext) -> int:
        return sum(1 for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT"))

    assert reads(many) <= reads(one) + 1, [q["sql"][:120] for q in many.captured_queries]
