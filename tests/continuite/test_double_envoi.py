"""The same form sent twice at once (a double click, two tabs): each request in its own thread and connection.
One is recorded, the other gets the French refusal — never an IntegrityError (a 500 on PostgreSQL)."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from solidarite.continuite import services
from solidarite.continuite.models import Patient, ResultatAttendu, Transmission, Visite
from tests.continuite.test_concurrence import territoire  # noqa: F401 (the fixture)
from tests.factories import IDENTITE_JEANNE, consultation_du_jour, visite


def _twice(action: Callable[[], Any]) -> list[str]:
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def run() -> None:
        try:
            start.wait(timeout=30)
            action()
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        except Exception as exc:  # what the page would have turned into a 500
            outcomes.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
def test_the_identity_confirmed_twice_at_once(territoire, lundi) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    rdv = consultation_du_jour()
    data = services.Identite(**IDENTITE_JEANNE)  # type: ignore[arg-type]
    outcomes = _twice(lambda: services.confirmer_identite(rdv, rdv.mission.medecin, data, None))
    assert outcomes == sorted(["ok", "L'identité de ce patient est déjà confirmée pour ce rendez-vous."])
    assert Visite.objects.count() == 1 and Patient.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_handover_sent_twice_at_once(territoire, lundi) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    v = visite()
    exams = (services.Examen("biologie", "NFS", v.rendez_vous.mission.date),)
    saisie = services.Saisie("Toux", "Bronchite", suivi="volontaire", examens=exams)
    outcomes = _twice(lambda: services.ecrire_transmission(v.rendez_vous, v.confirme_par, saisie, None))
    assert outcomes == sorted(["ok", "La transmission de cette consultation est déjà écrite."])
    assert Transmission.objects.count() == 1 and ResultatAttendu.objects.count() == 1
