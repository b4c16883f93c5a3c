"""An official list given by names, as the ministry and the press write them, matched on the real EPCI of 2025."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError

from solidarite.zonage.listes import (
    COLONNES_MAX,
    EpciRef,
    ListeError,
    lignes_xlsx,
    lire_fichier,
    lire_liste,
    noyau,
    resume,
)


@pytest.fixture(scope="module")
def refs(zonage_result) -> list[EpciRef]:  # type: ignore[no-untyped-def]
    return [
        EpciRef(s, i.nom, ((i.region_code, i.region),), i.departements)
        for s, i in zonage_result.epcis.items()
    ]


@pytest.fixture(scope="module")
def siren_of(refs: list[EpciRef]) -> dict[str, str]:
    return {r.nom: r.siren for r in refs}


def test_names_as_written_by_the_ministry_and_the_press(
    refs: list[EpciRef], siren_of: dict[str, str]
) -> None:
    text = (
        "nom;region\n"
        "Communauté de communes des Pays de l'Aigle;Normandie\n"  # the legal form written in full
        "Hauts-du-Perche (Longny-au-Perche);\n"  # the press: no legal form, the seat town in brackets
        "VALLEES D'AUGE ET DU MERLERAULT;\n"  # capitals, no accents
        "des sept Vallées;Hauts-de-France\n"  # a number in words
        "Haut Allier;Occitanie\n"  # part of the name, the region tells which
        "200066728;\n"  # a code in the name column (INSEE's "EPCI" column holds codes)
    )
    lues = lire_liste(text, refs)
    assert [c.siren for c in lues] == [
        siren_of["CC des Pays de L'Aigle"],
        siren_of["CC des Hauts du Perche"],
        siren_of["CC des Vallées d'Auge et du Merlerault"],
        siren_of["CC des 7 Vallées"],
        siren_of["CC du Haut Allier Margeride"],
        "200066728",
    ]
    assert [c.mode for c in lues] == ["nom", "nom", "nom", "nom", "inclusion", "siren"]
    assert [c.ligne for c in lues] == [2, 3, 4, 5, 6, 7]


def test_sirens_names_and_departements_mixed(refs: list[EpciRef], siren_of: dict[str, str]) -> None:
    aigle = siren_of["CC des Pays de L'Aigle"]
    text = f"siren,nom,departement\n{aigle},,\n,Haut Allier,43\n,CA du Nord Basse-Terre,971\n"
    assert [c.siren for c in lire_liste(text, refs)] == [
        aigle,
        siren_of["CC des Rives du Haut Allier"],
        siren_of["CA du Nord Basse-Terre"],
    ]
    # Without a header: one SIREN or one name per line.
    assert [c.siren for c in lire_liste(f"{aigle}\nCC des Savanes\n", refs)] == [
        aigle,
        siren_of["CC des Savanes"],
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "nom\nHaut Allier\n",
            r"ligne 2 : « Haut Allier » peut désigner 2 EPCI \(.*Margeride.*Rives du Haut Allier",
        ),
        ("nom\nCC de Nulle Part\n", r"ligne 2 : aucun EPCI ne s'appelle « CC de Nulle Part »\."),
        ("nom\nCC des Pays de l'Aiglon\n", r"Noms proches : \d{9} CC des Pays de L'Aigle \(61\)"),
        (
            "nom\nCC des 7 Vallées\nsept vallées\n",
            r"ligne 3 : l'EPCI \d{9} CC des 7 Vallées \(62\) figure déjà ligne 2",
        ),
        (
            "nom;region\nCC du Haut Allier Margeride;Bretagne\n",
            r"ligne 2 : « CC du Haut Allier Margeride » ne désigne aucun EPCI dans la région Bretagne, mais ailleurs : \d{9} CC du Haut Allier Margeride \(48\)",
        ),
        ("nom\n\n", "Aucun SIREN ni nom"),
        ("   \n", "vide"),
    ],
)
def test_bad_lines_refuse_the_whole_list(refs: list[EpciRef], text: str, message: str) -> None:
    with pytest.raises(ListeError, match=message):
        lire_liste(text, refs)


def test_every_real_name_reads_back_as_its_own_epci(refs: list[EpciRef]) -> None:
    """The 1,255 names of 2025, each alone: those whose core is shared (homonyms) need their département."""
    cores: dict[frozenset[str], int] = {}
    for r in refs:
        cores[noyau(r.nom)] = cores.get(noyau(r.nom), 0) + 1
    shared = [r for r in refs if cores[noyau(r.nom)] > 1]
    assert 0 < len(shared) < 10, [r.nom for r in shared]  # a handful of homonyms in France
    lines = [f"{r.nom};{r.departements[0]}" for r in refs]
    lues = lire_liste("nom;departement\n" + "\n".join(lines) + "\n", refs)
    assert [c.siren for c in lues] == [r.siren for r in refs]


@pytest.mark.django_db
def test_the_back_office_takes_a_list_of_names(siren_of: dict[str, str]) -> None:
    from solidarite.zonage import services

    content = "Intercommunalité;Région\nPays de l'Aigle;Normandie\nHaut Allier;Auvergne-Rhône-Alpes\n"
    liste = services.import_official_list(content.encode(), "Presse", dt.date(2025, 6, 30), "Maire info")
    assert sorted(liste.lignes.values_list("epci__siren", flat=True)) == sorted(
        [siren_of["CC des Pays de L'Aigle"], siren_of["CC des Rives du Haut Allier"]]
    )
    with pytest.raises(ValidationError, match="peut désigner 2 EPCI"):
        services.import_official_list(b"nom\nHaut Allier\n", "Presse", dt.date(2025, 6, 30), "Maire info")


def test_a_name_a_letter_or_two_away_is_taken_and_said(refs: list[EpciRef], siren_of: dict[str, str]) -> None:
    """The press writes « Andaines Passais » and « Côtes Ouest Centre Manche »: one EPCI is that close."""
    lues = lire_liste("nom;region\nAndaines Passais;Normandie\nCôtes Ouest Centre Manche;\n", refs)
    assert [(c.siren, c.mode) for c in lues] == [
        (siren_of["CC Andaine - Passais"], "ressemblance"),
        (siren_of["CC Côte Ouest Centre Manche"], "ressemblance"),
    ]
    lines = resume(lues, {r.siren: r.nom for r in refs})
    assert lines[0].startswith("Liste officielle : 2 EPCI (0 par SIREN, 0 par leur nom, 0 par une partie")
    assert (
        lines[1]
        == f"ligne 2 : « Andaines Passais » → {siren_of['CC Andaine - Passais']} CC Andaine - Passais (ressemblance)"
    )
    # Far from every name: refused, never matched to the least bad.
    with pytest.raises(ListeError, match="aucun EPCI ne s'appelle « Andalousie Passais »"):
        lire_liste("nom\nAndalousie Passais\n", refs)


def test_headers_as_spreadsheets_write_them_and_contradictions(
    refs: list[EpciRef], siren_of: dict[str, str]
) -> None:
    vallees, andaine = siren_of["CC des 7 Vallées"], siren_of["CC Andaine - Passais"]
    text = f"Nom de la région;SIREN de l'EPCI;Nom de l'intercommunalité\nNormandie;;Andaines Passais\n;{vallees};CC des 7 Vallées\n"
    assert [c.siren for c in lire_liste(text, refs)] == [andaine, vallees]
    with pytest.raises(
        ListeError,
        match=rf"ligne 2 : le SIREN {vallees} est celui de « CC des 7 Vallées », pas de « CC Andaine - Passais »",
    ):
        lire_liste(f"siren;nom\n{vallees};CC Andaine - Passais\n", refs)
    with pytest.raises(ListeError, match=rf"ligne 2 : deux SIREN différents, {vallees} et {andaine}"):
        lire_liste(f"siren;epci\n{vallees};{andaine}\n", refs)


def test_review_of_the_list_reader(refs: list[EpciRef], siren_of: dict[str, str]) -> None:
    """Inputs a coordinator would send (relecture du 5 décembre), each once wrong or a crash."""
    ardenne_meuse = siren_of["CC Ardenne, Rives de Meuse"]
    # A name holding a comma, one per line: the whole line, not « CC Ardenne » taken for CA Ardenne Métropole.
    assert [c.siren for c in lire_liste("CC Ardenne, Rives de Meuse\n", refs)] == [ardenne_meuse]
    assert [c.siren for c in lire_liste("nom\nCC Ardenne, Rives de Meuse\n", refs)] == [ardenne_meuse]
    # With several columns, a field too many is refused, never shifted.
    with pytest.raises(ListeError, match="ligne 2 : 3 champs pour 2 colonnes"):
        lire_liste("nom,region\nCC Ardenne, Rives de Meuse,Grand Est\n", refs)
    # Old Mac line endings, and a quote never closed: a clear refusal, not a crash.
    assert [c.siren for c in lire_liste("nom;region\rHaut Allier;Occitanie\r", refs)] == [
        siren_of["CC du Haut Allier Margeride"]
    ]
    with pytest.raises(ListeError, match="guillemet"):
        lire_liste('nom;region\n"Haut Allier;Occitanie\nCC des 7 Vallées;Hauts-de-France\n', refs)
    # The very name outside the region given is refused as elsewhere, not matched to a part-name there.
    with pytest.raises(ListeError, match="ne désigne aucun EPCI dans la région Île-de-France, mais ailleurs"):
        lire_liste("nom;region\nCC du Val de l'Oise;Île-de-France\n", refs)
    # A part of a name and a name a letter away, both possible: refused with both.
    with pytest.raises(ListeError, match=r"peut désigner .*Ardenne Métropole"):
        lire_liste("nom\nArdennes Métropole\n", refs)
    # Headerless names such as « … de la Région de … » are names, not a region column.
    region_de = next(r.nom for r in refs if "Région" in r.nom)
    assert [c.siren for c in lire_liste(f"{region_de}\nCC des 7 Vallées\n", refs)] == [
        siren_of[region_de],
        siren_of["CC des 7 Vallées"],
    ]
    # « Région Occitanie », a département as Excel writes it, « CdC » and « Agglo ».
    text = "nom;region;departement\nHaut Allier;Région Occitanie;\nHaut Allier;;43.0\nCdC des 7 Vallées;;\n"
    assert [c.siren for c in lire_liste(text, refs)] == [
        siren_of["CC du Haut Allier Margeride"],
        siren_of["CC des Rives du Haut Allier"],
        siren_of["CC des 7 Vallées"],
    ]


def test_a_nul_byte_is_said_and_a_quoted_cell_may_hold_a_line_break(
    refs: list[EpciRef], siren_of: dict[str, str]
) -> None:
    """Revue du testeur: a UTF-8 list holding one NUL byte was « pas un texte UTF-16 lisible », and a quoted cell
    over two lines (Alt+Entrée in Excel) « un guillemet ouvert n'est pas refermé ? »."""
    vallees, aigle = siren_of["CC des Vallées d'Auge et du Merlerault"], siren_of["CC des Pays de L'Aigle"]
    with pytest.raises(ListeError, match=r"^Le fichier contient un octet nul \(ligne 3, octet n° 26\)"):
        lire_fichier(f"siren\n{vallees}\n{aigle}\x00\n".encode(), refs)
    with pytest.raises(ListeError, match=r"^Le fichier contient un octet nul \(ligne 1, octet n° 1\)"):
        lire_fichier(f"\x00siren\n{aigle}\n".encode(), refs)
    # UTF-16 is still read, marked or not, either byte order, with letters beyond Latin-1 (« œ », « – »).
    coeur = siren_of["CC Coeur de Sologne"]
    text = f"siren;nom\n{aigle};CC des Pays de L'Aigle\n{coeur};CC Cœur de Sologne – \n"
    for encoding in ("utf-16", "utf-16-le", "utf-16-be"):
        assert [c.siren for c in lire_fichier(text.encode(encoding), refs)] == [aigle, coeur]
    # A quoted cell over two lines is one cell; the rows keep the file's line numbers.
    content = f'siren,nom\n{aigle},"CC des Pays\r\nde L\'Aigle"\n{vallees},\n'.encode()
    assert [(c.ligne, c.siren) for c in lire_fichier(content, refs)] == [(2, aigle), (4, vallees)]
    lues = lire_liste('nom;region\n"Communauté de communes\ndu Haut Allier";Occitanie\n', refs)
    assert [(c.siren, c.texte) for c in lues] == [
        (siren_of["CC du Haut Allier Margeride"], "Communauté de communes du Haut Allier")
    ]
    # A quote never closed is still refused, at the line where it opens.
    with pytest.raises(ListeError, match="le guillemet ouvert ligne 3 n'est jamais refermé"):
        lire_liste(f'siren;nom\n{aigle};\n{vallees};"CC des Vallées\n200000172;\n', refs)


def _classeur(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_a_list_as_a_coordinator_saves_it(refs: list[EpciRef], siren_of: dict[str, str]) -> None:
    """Excel's CSV in France (Windows-1252, semicolons), its « texte Unicode » (UTF-16, tabs), and a workbook
    with a title above the header, numbers typed as numbers, a region heading, a total and a source."""
    vallees, aigle = siren_of["CC des Vallées d'Auge et du Merlerault"], siren_of["CC des Pays de L'Aigle"]
    csv_excel = (
        "Intercommunalité;Région\nVallées d'Auge et du Merlerault;Normandie\nCC des Pays de L'Aigle;\n"
    )
    assert [c.siren for c in lire_fichier(csv_excel.encode("cp1252"), refs)] == [vallees, aigle]
    assert [c.siren for c in lire_fichier(csv_excel.replace(";", "\t").encode("utf-16"), refs)] == [
        vallees,
        aigle,
    ]
    assert [c.siren for c in lire_fichier(("\ufeff" + csv_excel).encode(), refs)] == [vallees, aigle]
    # UTF-16 without its mark, either byte order (was read as UTF-8: « s i r e n », no header found).
    for encoding in ("utf-16-le", "utf-16-be"):
        assert [c.siren for c in lire_fichier(csv_excel.encode(encoding), refs)] == [vallees, aigle]
    # A SIREN a spreadsheet wrote in scientific notation: read when every digit is there, else said.
    written = f"{int(aigle) / 1e8:.8f}E+08"
    assert [c.siren for c in lire_liste(f"siren\n{written}\n", refs)] == [aigle]
    assert [c.siren for c in lire_liste(f"siren;nom\n{written.replace('.', ',')};\n", refs)] == [aigle]
    assert [c.siren for c in lire_liste(f"{written}\n", refs)] == [aigle]  # one column, no header
    with pytest.raises(ListeError, match=r"ligne 2 : « 2,00E\+08 » est un nombre en notation scientifique"):
        lire_liste("siren\n2,00E+08\n", refs)
    savanes = siren_of["CC des Savanes"]
    content = _classeur(
        [
            ["Zones rouges : liste des intercommunalités, 27 juin 2025"],
            [],
            ["Région", "Département", "Nom de l'EPCI", "SIREN", "Population"],
            ["Normandie"],
            ["Normandie", 61, "Vallées d'Auge et du Merlerault", None, 14514],
            ["Normandie", 61, None, int(aigle), 25632],
            ["Guyane", None, None, float(savanes), 29391],
            ["Total", None, None, None, 69537],
            ["Source : ministère chargé de la santé"],
        ]
    )
    lues = lire_fichier(content, refs)
    assert [(c.ligne, c.siren) for c in lues] == [(5, vallees), (6, aigle), (7, savanes)]
    said = resume(lues, {r.siren: r.nom for r in refs})
    assert said[0].startswith("Liste officielle : 3 EPCI (2 par SIREN, 1 par leur nom")
    assert said[1:] == [
        "ligne 1 ignorée (titre, total, source ou intertitre) : « Zones rouges : liste des intercommunalités, "
        "27 juin 2025 »",
        "ligne 4 ignorée (titre, total, source ou intertitre) : « Normandie »",
        "ligne 8 ignorée (titre, total, source ou intertitre) : « Total ; 69537 »",
        "ligne 9 ignorée (titre, total, source ou intertitre) : « Source : ministère chargé de la santé »",
    ]
    # The same with its title in a CSV; one column of names in a workbook, without a header.
    text = "Liste des zones rouges\n;\nnom;region\nVallées d'Auge et du Merlerault;Normandie\nTotal;\n"
    assert [c.siren for c in lire_liste(text, refs)] == [vallees]
    assert [c.siren for c in lire_fichier(_classeur([["CC des Savanes"], [str(aigle)]]), refs)] == [
        savanes,
        aigle,
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), r"Excel 97-2003 \(\.xls\) n'est pas lu"),
        (b"PK\x03\x04" + bytes(100), r"pas un fichier \.xlsx lisible"),
        (b"nom\n\x81\x8d\x90\n", "Encodage du fichier non reconnu"),
        ("nom\nCC de Nulle Part\n".encode("cp1252"), "aucun EPCI ne s'appelle « CC de Nulle Part »"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(
    refs: list[EpciRef], content: bytes, message: str
) -> None:
    with pytest.raises(ListeError, match=message):
        lire_fichier(content, refs)


def test_nothing_that_looks_like_data_is_dropped_above_a_header(refs: list[EpciRef]) -> None:
    aigle = next(r.siren for r in refs if r.nom == "CC des Pays de L'Aigle")
    # A line of data above the header: no title to skip, the list is read line by line and refused.
    with pytest.raises(ListeError, match="ligne 1 : aucun EPCI"):
        lire_liste(f"{aigle};CC des Pays de L'Aigle\nsiren;nom\n", refs)
    with pytest.raises(ListeError, match="Aucune ligne d'en-tête"):
        lire_fichier(_classeur([[aigle, "CC des Pays de L'Aigle"]]), refs)
    with pytest.raises(ListeError, match="Le classeur est vide"):
        lire_fichier(_classeur([]), refs)


@pytest.mark.django_db
def test_the_back_office_takes_a_workbook(siren_of: dict[str, str]) -> None:
    from solidarite.zonage import services

    content = _classeur([["Liste du 27 juin 2025"], ["nom", "région"], ["Pays de l'Aigle", "Normandie"]])
    liste = services.import_official_list(content, "Ministère", dt.date(2025, 6, 27), "Ministère de la Santé")
    assert list(liste.lignes.values_list("epci__siren", flat=True)) == [siren_of["CC des Pays de L'Aigle"]]
    with pytest.raises(ValidationError, match="Excel 97-2003"):
        services.import_official_list(b"\xd0\xcf\x11\xe0" + bytes(60), "M", dt.date(2025, 6, 27), "M")


def test_a_workbook_that_inflates_without_end_is_refused(refs: list[EpciRef]) -> None:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\0" * 60_000_000)
    assert len(out.getvalue()) < 1_000_000  # under the back office's upload limit
    with pytest.raises(ListeError, match="trop volumineux une fois décompressé"):
        lire_fichier(out.getvalue(), refs)


def _abime(content: bytes, member: str, data: bytes | None) -> bytes:
    """The workbook with one member of its archive replaced (`data`) or removed (None)."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename != member:
                dst.writestr(info, src.read(info.filename))
            elif data is not None:
                dst.writestr(info, data)
    return out.getvalue()


def test_a_damaged_workbook_is_refused_not_crashed(refs: list[EpciRef]) -> None:
    """openpyxl reads a sheet while its rows are read: each damage failed there, in its own way (revue)."""
    good = _classeur([["nom"], ["CC des Savanes"], [12]])
    sheet = "xl/worksheets/sheet1.xml"
    import zipfile

    xml = zipfile.ZipFile(io.BytesIO(good)).read(sheet)
    for damaged in (
        _abime(good, sheet, xml[: len(xml) // 2]),  # truncated XML
        _abime(good, sheet, xml.replace(b"<v>12</v>", b"<v>abc</v>")),  # a text in a number cell
        _abime(good, sheet, None),  # the sheet missing from the archive
    ):
        with pytest.raises(
            ListeError, match=r"classeur n'(est pas un fichier .xlsx lisible|a aucune feuille)"
        ):
            lire_fichier(damaged, refs)


def test_a_long_list_of_unknown_names_stops_early_and_quotes_short(refs: list[EpciRef]) -> None:
    names = "\n".join(f"Communauté Zorglub {k}" for k in range(3000))
    with pytest.raises(ListeError) as refused:
        lire_liste("nom\n" + names + "\n" + "x" * 5000 + "\n", refs)
    messages = refused.value.messages
    assert len(messages) == 22 and messages[-1].startswith("Lecture arrêtée à la ligne 22 après 20 lignes")
    with pytest.raises(ListeError) as refused:
        lire_liste("nom\n" + "x" * 5000 + "\n", refs)
    assert max(len(m) for m in refused.value.messages) < 150


def test_a_workbook_with_a_far_away_cell_is_read_on_its_first_columns(
    refs: list[EpciRef], siren_of: dict[str, str]
) -> None:
    """A stray cell in the sheet's last column (XFD) made every row 16 384 cells wide, read one by one: the
    columns past COLONNES_MAX are not read."""
    from openpyxl import load_workbook

    savanes = siren_of["CC des Savanes"]
    content = _classeur([["SIREN", "Nom"], [savanes, "CC des Savanes"]])
    workbook = load_workbook(io.BytesIO(content))
    workbook.active.cell(1, 16384, "note égarée")
    out = io.BytesIO()
    workbook.save(out)
    rows = lignes_xlsx(out.getvalue())
    assert max(len(row) for row in rows) <= COLONNES_MAX
    assert [c.siren for c in lire_fichier(out.getvalue(), refs)] == [savanes]


def test_a_formula_is_refused_with_or_without_its_computed_value(
    refs: list[EpciRef], siren_of: dict[str, str]
) -> None:
    """The probe of 6 December: the workbook was read as its computed values (data_only), so a formula a script
    wrote without one was an empty cell, its line skipped unsaid; one Excel computed was taken as its value. Both
    are refused now, by line and cell; a formula in a column not read (a population) or in a total is not."""
    from openpyxl.worksheet.formula import ArrayFormula

    savanes, aigle = siren_of["CC des Savanes"], siren_of["CC des Pays de L'Aigle"]
    content = _classeur(
        [
            ["Région", "SIREN", "Nom", "Population"],
            ["Guyane", savanes, None, "=1000*29"],
            ["Normandie", f"={aigle}+0", None, 25632],
            ["=A2", None, "CC des Pays de L'Aigle", 25632],
            ["Total", "=COUNTA(B2:B4)", None, "=SUM(D2:D4)"],
        ]
    )
    sheet = "xl/worksheets/sheet1.xml"
    import zipfile

    xml = zipfile.ZipFile(io.BytesIO(content)).read(sheet)
    assert xml.count(b"<v />") == 5  # the formulas, without a computed value
    cached = _abime(
        content,
        sheet,
        xml.replace(f"<f>{aigle}+0</f><v />".encode(), f"<f>{aigle}+0</f><v>{aigle}</v>".encode()),
    )
    for workbook in (content, cached):
        with pytest.raises(ListeError) as refused:
            lire_fichier(workbook, refs)
        assert refused.value.messages == [
            "Liste refusée, rien n'a été importé :",
            f"ligne 3, colonne « SIREN », cellule B3 : une formule (={aigle}+0) au lieu d'un SIREN ; collez les "
            "valeurs seules (Collage spécial → Valeurs) puis importez de nouveau.",
            "ligne 4, colonne « Région », cellule A4 : une formule (=A2) au lieu d'une région ; collez les valeurs "
            "seules (Collage spécial → Valeurs) puis importez de nouveau.",
        ]
    # One column, no header; an array formula.
    from openpyxl import Workbook

    book = Workbook()
    book.active.append([savanes])
    book.active["A2"] = ArrayFormula("A2:A2", "=MAX(A1:A1)")
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(
        ListeError, match=r"ligne 2, cellule A2 : une formule \(=MAX\(A1:A1\)\) au lieu d'un SIREN ou"
    ):
        lire_fichier(out.getvalue(), refs)
