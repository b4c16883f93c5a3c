"""The purge: what is past its retention period goes, counted first; what is recent stays; nothing twice."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from solidarite.rdv import conservation
from solidarite.rdv.models import AccesDonnees, ComptageMensuel, InscriptionAttente, Message, RendezVous
from tests.factories import mission as _mission

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 6, 15, 10, 0, tzinfo=dt.UTC)


def _rdv(mission, days_ago: float, statut: str = RendezVous.Statut.VU) -> RendezVous:  # type: ignore[no-untyped-def]
    debut = NOW - dt.timedelta(days=days_ago)
    return RendezVous.objects.create(
        mission=mission,
        lieu=mission.lieu,
        debut=debut,
        fin=debut + dt.timedelta(minutes=20),
        statut=statut,
        nom="Martin",
        prenom="Jeanne",
        date_naissance=dt.date(1948, 5, 17),
        telephone="+33612345678",
    )


def _message(
    owner: RendezVous | InscriptionAttente, days_ago: float, key: str, canal: str = "sms"
) -> Message:
    link = {"rendez_vous": owner} if isinstance(owner, RendezVous) else {"inscription": owner}
    return Message.objects.create(
        nature=Message.Nature.RAPPEL,
        canal=canal,
        cle=key,
        prevu_le=NOW - dt.timedelta(days=days_ago),
        statut=Message.Statut.ENVOYE,
        **link,
    )


def _inscription(lieu, ended_days_ago: int) -> InscriptionAttente:  # type: ignore[no-untyped-def]
    au = timezone.localdate(NOW) - dt.timedelta(days=ended_days_ago)
    return InscriptionAttente.objects.create(
        lieu=lieu, du=au - dt.timedelta(days=30), au=au, nom="Durand", prenom="Louis", email="l@example.org"
    )


def _acces(days_ago: int, rdv: RendezVous | None = None) -> AccesDonnees:
    # The log is append-only (no UPDATE): the row is written at its date.
    with time_machine.travel(NOW - dt.timedelta(days=days_ago), tick=False):
        described = {"rendez_vous": rdv} if rdv else {"rendez_vous_id": 999_999}  # or one long since purged
        return AccesDonnees.objects.create(**described, action="lecture", canal="lien signé")


@pytest.fixture
def donnees(settings):  # type: ignore[no-untyped-def]
    settings.SOLIDARITE_CONSERVATION_RDV_JOURS = 365
    settings.SOLIDARITE_CONSERVATION_ATTENTE_JOURS = 90
    settings.SOLIDARITE_CONSERVATION_MESSAGES_JOURS = 180
    settings.SOLIDARITE_CONSERVATION_ACCES_JOURS = 1095
    mission = _mission()
    old = [
        _rdv(mission, 400, RendezVous.Statut.VU),  # the same month (May 2026) and status: counted together
        _rdv(mission, 401, RendezVous.Statut.VU),
        _rdv(mission, 370, RendezVous.Statut.ABSENT),
        _rdv(mission, 366, RendezVous.Statut.ANNULE),
    ]
    recent = _rdv(mission, 364)
    _message(old[0], 402, "m-old-rdv")  # goes with its appointment
    _message(recent, 200, "m-old")  # past its own 180 days, its appointment stays
    _message(recent, 366, "m-recent", canal="email")  # its appointment stays, but it is past its own 180 days
    kept_message = _message(recent, 10, "m-kept")
    old_entry, recent_entry = _inscription(mission.lieu, 91), _inscription(mission.lieu, 89)
    _message(old_entry, 120, "m-entry")
    kept_access = _acces(1094, recent)
    access_of_purged = _acces(380, old[0])  # outlives the appointment it describes (no cascade)
    _acces(1096, recent)
    _acces(1200)
    return {
        "lieu": mission.lieu,
        "old": old,
        "recent": recent,
        "kept_message": kept_message,
        "recent_entry": recent_entry,
        "kept_access": kept_access,
        "access_of_purged": access_of_purged,
    }


def _snapshot() -> tuple[list[int], ...]:
    return tuple(
        sorted(model.objects.values_list("pk", flat=True))
        for model in (RendezVous, InscriptionAttente, Message, AccesDonnees, ComptageMensuel)
    )


def test_the_dry_run_counts_what_would_go_and_changes_nothing(donnees) -> None:  # type: ignore[no-untyped-def]
    before = _snapshot()
    assert conservation.compter(NOW) == conservation.Bilan(rendez_vous=4, inscriptions=1, messages=4, acces=2)
    assert _snapshot() == before


def test_the_purge_deletes_past_retention_keeps_the_recent_and_counts_what_went(donnees) -> None:  # type: ignore[no-untyped-def]
    bilan = conservation.purger(NOW, lot=1)  # one row per transaction: the counts add up across batches
    assert bilan == conservation.Bilan(rendez_vous=4, inscriptions=1, messages=4, acces=2)
    assert list(RendezVous.objects.values_list("pk", flat=True)) == [donnees["recent"].pk]
    assert list(InscriptionAttente.objects.values_list("pk", flat=True)) == [donnees["recent_entry"].pk]
    assert list(Message.objects.values_list("pk", flat=True)) == [donnees["kept_message"].pk]
    # The access log keeps its own, longer period: a row older than the appointments' period stays.
    assert sorted(AccesDonnees.objects.values_list("pk", flat=True)) == sorted(
        [donnees["kept_access"].pk, donnees["access_of_purged"].pk]
    )

    def month(days_ago: int) -> dt.date:
        return timezone.localdate(NOW - dt.timedelta(days=days_ago)).replace(day=1)

    lieu = donnees["lieu"].pk
    expected: Counter[tuple[int, dt.date, str, str]] = Counter()
    for days_ago, objet, statut in (
        (400, "rendez_vous", "vu"),
        (401, "rendez_vous", "vu"),
        (370, "rendez_vous", "absent"),
        (366, "rendez_vous", "annule"),
        (91 + 30, "attente", "active"),  # an entry counts in the month its period began
        (402, "message", "sms:envoye"),
        (200, "message", "sms:envoye"),
        (366, "message", "email:envoye"),
        (120, "message", "sms:envoye"),
    ):
        expected[(lieu, month(days_ago), objet, statut)] += 1
    counted = {
        row[:4]: row[4]
        for row in ComptageMensuel.objects.values_list("lieu_id", "mois", "objet", "statut", "nombre")
    }
    assert counted == dict(expected)
    assert counted[(lieu, month(400), "rendez_vous", "vu")] == 2  # two rows, two batches, one cell

    after = _snapshot()
    assert (
        conservation.purger(NOW) == conservation.Bilan()
    )  # run again: nothing more goes, nothing is counted twice
    assert _snapshot() == after


def test_the_command_dry_run_prints_the_counts_a_year_later_and_refuses_bad_arguments(donnees) -> None:  # type: ignore[no-untyped-def]
    before = _snapshot()
    out = io.StringIO()
    call_command("purge", "--dry-run", "--date", "2028-06-15", stdout=out)  # the recent ones have aged too
    assert "rendez-vous à supprimer (passés depuis plus de 365 jours) : 5" in out.getvalue()
    assert (
        "inscriptions en liste d'attente à supprimer (terminées depuis plus de 90 jours) : 2"
        in out.getvalue()
    )
    assert _snapshot() == before
    for arguments, message in (
        (["--date", "2028-06-15"], "--date ne s'emploie qu'avec --dry-run"),
        (["--dry-run", "--date", "15/06/2028"], "AAAA-MM-JJ"),
        (["--dry-run", "--date", "0001-12-31"], "avant l'an 1"),  # was an OverflowError and its traceback
        (["--lot", "0"], "au moins 1"),
        (["--lot", "beaucoup"], "au moins 1"),
        (["--lot", "99999999999999999999999"], "au plus 100 000"),  # was the database's error, a traceback
        (["--lot", "٥"], "--lot '٥' : un nombre entier"),  # int() read 5, and the real purge ran (6 December)
        (["--lot", "+5"], "--lot '+5' : un nombre entier"),
    ):
        err = io.StringIO()
        with pytest.raises(SystemExit) as exit_code:
            call_command("purge", *arguments, stdout=io.StringIO(), stderr=err)
        assert exit_code.value.code == 2 and message in err.getvalue()
        assert _snapshot() == before


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"SOLIDARITE_CONSERVATION_RDV_JOURS": "un an"}, "un nombre entier de jours"),
        ({"SOLIDARITE_CONSERVATION_ATTENTE_JOURS": "0"}, "entre 1 et"),
        ({"SOLIDARITE_CONSERVATION_ACCES_JOURS": "30"}, "survit aux données qu'il décrit"),
        ({"SOLIDARITE_PURGE_HEURE": "24"}, "SOLIDARITE_PURGE_HEURE=24 : entre 0 et 23"),
    ],
)
def test_a_wrong_retention_setting_is_a_french_sentence_and_exit_code_2(environment, message) -> None:  # type: ignore[no-untyped-def]
    from tests.cli import run_cli

    result = run_cli("purge", "--dry-run", env=environment)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
