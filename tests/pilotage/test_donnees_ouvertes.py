"""Quarterly indicators per département as open data: valid against the published Table Schema (frictionless),
never rewritten (the database refuses), a correction is a new version with its reason, a quarter not closed is
refused; the command's exit code 2 and the public page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from frictionless import Resource, Schema

from solidarite.pilotage.models import PublicationTrimestre
from solidarite.pilotage.opendata import publication
from solidarite.pilotage.opendata.schema import SCHEMA_VERSION, schema
from tests.pilotage.conftest import worked_days

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 4)


def _sql(statement: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement)


def _validate(text: str, descriptor: dict[str, Any]) -> Any:
    return Resource(data=text.encode(), format="csv", schema=Schema.from_descriptor(descriptor)).validate()


def test_a_published_quarter_is_valid_against_its_published_schema(world) -> None:  # type: ignore[no-untyped-def]
    p = publication.publier("2026T4", None, "", dt.date(2027, 1, 2))
    assert (p.version, p.schema_version) == (1, SCHEMA_VERSION)
    client = Client()
    published = client.get("/pilotage/donnees-ouvertes/schema.json").json()
    assert published == schema() and published["licenses"][0]["name"] == "etalab-2.0"
    text = client.get(f"/pilotage/donnees-ouvertes/{p.trimestre}/v1.csv").content.decode()
    assert text == p.contenu
    report = _validate(text, published)
    assert report.valid, report.flatten(["fieldName", "type", "note"])
    assert report.task.stats["rows"] == p.lignes > 0
    broken = text.replace("2026T4,1,", "2026T4,0,", 1)
    assert not _validate(broken, published).valid  # version 0 is below the schema's minimum


def test_the_quarter_in_the_csv_masks_cells_under_ten_people(world) -> None:  # type: ignore[no-untyped-def]
    p = publication.publier("2026T4", None, "", dt.date(2027, 1, 2))
    line_b = next(line for line in p.contenu.splitlines() if f",{world['b'].departement.code}," in line)
    cells = dict(zip(p.contenu.splitlines()[0].split(","), line_b.split(","), strict=True))
    assert (
        cells["jours_couverts"] == "2" and cells["rdv_reserves"] == "" and cells["volontaires_actifs"] == ""
    )


def test_a_quarter_not_closed_is_refused_and_nothing_is_written(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="n'est pas clos"):
        publication.publier("2026T4", None, "", TODAY)
    with pytest.raises(CommandError, match="n'est pas clos") as refused:
        call_command("pilotage", "publier", "--trimestre", "2026T4")
    assert refused.value.returncode == 2
    with pytest.raises(CommandError, match="AAAAT1 à AAAAT4"):
        call_command("pilotage", "publier", "--trimestre", "2026-T3")
    # Revue du 5 décembre: both were tracebacks (year 10000; a parameter not yet in force).
    for code in ("9999T4", "1999T1"):
        with pytest.raises(ValidationError, match="hors du calendrier des indicateurs"):
            publication.publier(code, None, "x", TODAY)
    for code in ("2025T2",):
        with pytest.raises(CommandError, match=f"Le trimestre {code} précède la mission") as refused:
            call_command("pilotage", "publier", "--trimestre", code, "--motif", "x")
        assert refused.value.returncode == 2
    assert not PublicationTrimestre.objects.exists()


def test_a_correction_is_a_new_version_and_the_old_one_never_changes(world) -> None:  # type: ignore[no-untyped-def]
    first = publication.publier("2026T4", None, "", dt.date(2027, 1, 2))
    with pytest.raises(ValidationError, match="déjà publié"):
        publication.publier("2026T4", None, "", dt.date(2027, 1, 2))
    with pytest.raises(ValidationError, match="Rien n'a changé"):
        publication.publier("2026T4", None, "Relevés corrigés", dt.date(2027, 1, 2))
    worked_days(world["lieu_b"], [dt.date(2026, 11, 2), dt.date(2026, 11, 3)])
    second = publication.publier(
        "2026T4", None, "Deux journées de novembre saisies en retard", dt.date(2027, 1, 2)
    )
    assert second.version == 2 and second.contenu != first.contenu
    first.refresh_from_db()
    assert first.version == 1 and first.motif == "" and "2026T4,1," in first.contenu
    first.contenu = "réécrit"
    for attempt in (
        lambda: PublicationTrimestre.objects.filter(pk=first.pk).update(contenu="réécrit"),
        lambda: PublicationTrimestre.objects.filter(pk=first.pk).delete(),
        first.save,
        first.delete,
        lambda: _sql(f"UPDATE pilotage_publicationtrimestre SET contenu = 'réécrit' WHERE id = {first.pk}"),
    ):
        with pytest.raises(DatabaseError, match="jamais réécrit"), transaction.atomic():
            attempt()
    if connection.vendor == "postgresql":  # SQLite lets a raw DELETE through: Django's flush is one
        with pytest.raises(DatabaseError, match="jamais réécrit"), transaction.atomic():
            _sql(f"DELETE FROM pilotage_publicationtrimestre WHERE id = {first.pk}")
    first.refresh_from_db()
    assert "2026T4,1," in first.contenu
    page = Client().get("/pilotage/donnees-ouvertes/").content.decode()
    assert (
        "Deux journées de novembre saisies en retard" in page
        and "/pilotage/donnees-ouvertes/2026T4/v1.csv" in page
    )
    assert Client().get("/pilotage/donnees-ouvertes/2026T4/v3.csv").status_code == 404


def test_the_national_admin_publishes_from_the_page(world) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import User

    client = Client()
    client.force_login(User.objects.create_superuser("ministere", "m@sante.gouv.fr", "x"))
    assert "2026T3" in client.get("/pilotage/donnees-ouvertes/publier/").content.decode()
    refused = client.post("/pilotage/donnees-ouvertes/publier/", {"trimestre": "2026T4"})
    assert refused.status_code == 400 and "pas clos" in refused.content.decode()
    other_digits = client.post("/pilotage/donnees-ouvertes/publier/", {"trimestre": "٢٠٢٦T3"})  # was 2026T3
    assert other_digits.status_code == 400 and "pas valide" in other_digits.content.decode()
    empty = client.post(
        "/pilotage/donnees-ouvertes/publier/", {"trimestre": "2026T3"}
    )  # nothing before October
    assert empty.status_code == 400 and "n&#x27;a aucune activité" in empty.content.decode()
    assert not PublicationTrimestre.objects.exists()
    done = client.post("/pilotage/donnees-ouvertes/publier/", {"trimestre": "2026T3", "vide": "1"})
    assert done.status_code == 302 and PublicationTrimestre.objects.get().trimestre == "2026T3"


def test_a_quarter_without_activity_is_refused_unless_meant(world, capsys) -> None:  # type: ignore[no-untyped-def]
    """An outside probe (7 December): `pilotage publier --trimestre 2025T3` published a quarter of zeros, never to
    be rewritten. Refused with exit code 2 and nothing written, unless --vide says it is meant."""
    for code in ("2025T3", "2026T1", "2026T3"):
        with pytest.raises(CommandError, match=f"Le trimestre {code} n'a aucune activité") as refused:
            call_command("pilotage", "publier", "--trimestre", code)
        assert refused.value.returncode == 2 and "--vide" in str(refused.value)
    # make demo in the last month of a quarter (its demonstration days all in the current one): skipped, exit 0
    call_command("pilotage", "publier", "--trimestre", "dernier", "--si-absent")  # 2026T3, empty here
    assert "Trimestre 2026T3 sans activité : rien n'est publié" in capsys.readouterr().out
    assert not PublicationTrimestre.objects.exists()
    call_command("pilotage", "publier", "--trimestre", "2026T3", "--vide")
    assert "Trimestre 2026T3 publié : version 1" in capsys.readouterr().out
    worked_days(world["lieu_b"], [dt.date(2026, 9, 14)])  # a September day confirmed late: a correction
    call_command("pilotage", "publier", "--trimestre", "2026T3", "--motif", "Une journée de septembre saisie")
    assert sorted(PublicationTrimestre.objects.values_list("version", flat=True)) == [1, 2]


def test_the_demo_publishes_the_last_closed_quarter_once(world, capsys) -> None:  # type: ignore[no-untyped-def]
    worked_days(world["lieu_a"], [dt.date(2026, 9, 15)])  # the demo's two past months reach the last quarter
    call_command("pilotage", "publier", "--trimestre", "dernier", "--si-absent")
    call_command("pilotage", "publier", "--trimestre", "dernier", "--si-absent")
    assert "déjà publié : rien à faire" in capsys.readouterr().out
    assert list(PublicationTrimestre.objects.values_list("trimestre", "version")) == [("2026T3", 1)]


@pytest.mark.parametrize("motif", ["Relevés de septembre corrigés", ""])
def test_si_absent_with_a_motif_is_refused_at_once(world, capsys, motif: str) -> None:  # type: ignore[no-untyped-def]
    """An outside probe (6 December): with the quarter published, `--si-absent --motif "…"` said « rien à
    faire », exit 0, and the correction asked for was never made. The two options ask opposite things."""
    publication.publier("2026T3", None, "", TODAY, vide=True)
    with pytest.raises(CommandError) as refused:
        call_command("pilotage", "publier", "--trimestre", "2026T3", "--si-absent", "--motif", motif)
    assert refused.value.returncode == 2
    assert str(refused.value).startswith("--si-absent et --motif se contredisent : ")
    assert "retirez --si-absent" in str(refused.value) and "Rien n'a été publié." in str(refused.value)
    assert capsys.readouterr().out == ""
    assert list(PublicationTrimestre.objects.values_list("trimestre", "version")) == [("2026T3", 1)]
