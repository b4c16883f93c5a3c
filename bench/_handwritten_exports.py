"""The baseline of the export timings: the writers the indemnisation context used before openpyxl and weasyprint
were installed (commit f88d3ab, removed from the application), kept here only to be measured against: the XLSX as
its Office Open XML parts with zipfile (no styles, no widths), the statement as a one-font text PDF."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from solidarite.indemnisation.exports import COLUMNS, SCHEMA
from solidarite.indemnisation.models import Releve

# --- XLSX (Office Open XML, one sheet) ---------------------------------------------------------------------


def _cell(ref: str, value: Any) -> str:
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def _col(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def xlsx(data: Sequence[dict[str, Any]], sheet: str = "Indemnités") -> bytes:
    """The rows as a one-sheet workbook: the schema's titles as header, numbers as numbers."""
    titles = [f["title"] for f in SCHEMA["fields"]]
    lines = [titles] + [[row[c] for c in COLUMNS] for row in data]
    body = "".join(
        f'<row r="{i + 1}">' + "".join(_cell(f"{_col(j)}{i + 1}", v) for j, v in enumerate(line)) + "</row>"
        for i, line in enumerate(lines)
    )
    ns = "http://schemas.openxmlformats.org"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<Types xmlns="{ns}/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>",
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<Relationships xmlns="{ns}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{escape(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<Relationships xmlns="{ns}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<worksheet xmlns="{ns}/spreadsheetml/2006/main"><sheetData>{body}</sheetData></worksheet>',
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


# --- PDF (text only) ---------------------------------------------------------------------------------------


def releve_lines(releve: Releve) -> list[str]:
    """The statement's text, line by line: what the PDF shows (and what its snapshot test reads)."""
    doc = releve.medecin
    out = [
        "Solidarité territoriale — relevé mensuel d'indemnités",
        f"Médecin : {doc.prenom} {doc.nom} (RPPS {doc.rpps})",
        f"Mois : {releve.mois:%m/%Y}    Région du lieu : {releve.region.nom}    CPAM : {releve.cpam}",
        f"Statut : {releve.get_statut_display()}",
        "",
        "Date        Nature          Consultations   Montant en vigueur   Montant",
    ]
    for ligne in releve.lignes.all():
        nature = {"journee": "Journée", "demi_journee": "Demi-journée"}.get(ligne.nature, "Retirée")
        label = nature if ligne.genre == "jour" else f"Ajustement ({nature.lower()})"
        out.append(
            f"{ligne.date:%d/%m/%Y}  {label:<22} {ligne.consultations:>5}   {ligne.taux:>10.2f} €   "
            f"{ligne.montant:>8.2f} €"
        )
        if ligne.motif:
            out.append(f"            {ligne.motif}")
    out += ["", f"Total : {releve.total:.2f} €"]
    for a in releve.anomalies:
        out.append(f"Anomalie : {a['message']}")
    out += [
        "",
        "Indemnité forfaitaire (transport, hébergement, repas), en plus des honoraires au tarif du secteur 1.",
        "Aucune coordonnée bancaire n'est conservée : la CPAM verse l'indemnité comme vos consultations.",
    ]
    return out


def _pdf_text(text: str) -> bytes:
    raw = text.replace("€", "EUR").encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def pdf(lines: Sequence[str], title: str = "Relevé") -> bytes:
    """A one-page A4 text PDF (Courier 9 pt, WinAnsi accents); several pages when the lines run over."""
    per_page = 70
    pages = [lines[i : i + per_page] for i in range(0, max(len(lines), 1), per_page)] or [[]]
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, filled below
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>",
        b"<< /Title (" + _pdf_text(title) + b") /Producer (Solidarite territoriale) >>",
    ]
    kids = []
    for page in pages:
        stream = (
            b"BT /F1 9 Tf 40 800 Td 11 TL "
            + b"".join(b"(" + _pdf_text(t) + b") Tj T* " for t in page)
            + b"ET"
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % content
        )
        kids.append(len(objects))
    objects[1] = (
        b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % len(kids)
    )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, xref)
    )
    return out.getvalue()


def releve_pdf(releve: Releve) -> bytes:
    return pdf(releve_lines(releve), f"Relevé {releve.mois:%m/%Y}")
