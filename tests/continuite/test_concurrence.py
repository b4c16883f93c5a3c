"""Two doctors closing the same result at once, each in its own thread and connection: exactly one close is
recorded, the other gets the French refusal, and the access log has both attempts (SQLite and PostgreSQL)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from solidarite.continuite import services
from solidarite.continuite.models import ResultatAttendu
from solidarite.rdv.models import AccesDonnees
from tests.factories import transmission


@pytest.mark.django_db(transaction=True)
def test_two_doctors_closing_the_same_result_at_once(territoire, lundi) -> None:  # type: ignore[no-untyped-def]
    r = transmission().resultats.get()
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def close(name: str) -> None:
        try:
            start.wait(timeout=30)
            services.clore(r.pk, None, name, "Normal", f"Vu par {name}")
            outcomes.append("clos")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=close, args=(n,)) for n in ("Dr A", "Dr B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == sorted(["clos", services.ALREADY_CLOSED])
    r = ResultatAttendu.objects.get(pk=r.pk)
    assert r.statut == "clos" and r.conduite == f"Vu par {r.lu_par_nom}"
    actions = list(
        AccesDonnees.objects.filter(objet_type="continuite.patient", objet_id=r.patient_id).values_list(
            "action", flat=True
        )
    )
    assert actions.count("résultat clos") == 1 and actions.count("clôture refusée (déjà clos)") == 1
