"""Hand-built hostile spreadsheets and CSV files (issue 9, classes 1 and 10).

``workbook`` writes the smallest .xlsx a spreadsheet reader accepts, so that
each hostile variant differs from a readable file by its hostile part only.
"""

from __future__ import annotations

import random
import zipfile
from collections.abc import Callable
from pathlib import Path

CONTENT_TYPES = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""
ROOT_RELS = b"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = b"""<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Parcours" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = b"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""
HEADER = ["nom", "prenom", "date_naissance", "date_entree"]
ROW = ["Petit", "Jules", "02/02/2004", "01/09/2025"]


def _inline(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def sheet(rows_xml: str, *, dimension: str = "A1:D2", extra: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{rows_xml}</sheetData>{extra}</worksheet>'
    ).encode()


def plain_rows() -> str:
    header = "".join(_inline(f"{chr(65 + i)}1", name) for i, name in enumerate(HEADER))
    values = "".join(_inline(f"{chr(65 + i)}2", value) for i, value in enumerate(ROW))
    return f'<row r="1">{header}</row><row r="2">{values}</row>'


def workbook(
    path: Path,
    sheet_xml: bytes | None = None,
    *,
    shared: bytes | None = None,
    extra: dict[str, bytes] | None = None,
    level: int = 6,
) -> Path:
    shared = shared or b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"/>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml or sheet(plain_rows()))
        archive.writestr("xl/sharedStrings.xml", shared)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return path


# --- class 1: work bounded before parsing ----------------------------------------------------


def far_cell(tmp: Path) -> Path:
    """The issue's 5 kB workbook: one cell at XFD1048576 (the reader would allocate 17 billion cells)."""
    rows = plain_rows() + '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return workbook(tmp / "cellule-lointaine.xlsx", sheet(rows))


def thousand_columns(tmp: Path) -> Path:
    """The 1 000-column variant (1.6 GB once read)."""

    def letters(index: int) -> str:
        name = ""
        index += 1
        while index:
            index, rest = divmod(index - 1, 26)
            name = chr(65 + rest) + name
        return name

    header = "".join(_inline(f"{letters(i)}1", HEADER[i] if i < 4 else f"c{i}") for i in range(1000))
    values = "".join(_inline(f"{letters(i)}2", ROW[i] if i < 4 else "x") for i in range(1000))
    rows = f'<row r="1">{header}</row><row r="2">{values}</row>'
    return workbook(tmp / "mille-colonnes.xlsx", sheet(rows, dimension="A1:ALL2"))


def huge_dimension(tmp: Path) -> Path:
    return workbook(tmp / "dimension.xlsx", sheet(plain_rows(), dimension="A1:XFD1048576"))


def huge_merge(tmp: Path) -> Path:
    extra = '<mergeCells count="1"><mergeCell ref="E3:XFD1048576"/></mergeCells>'
    return workbook(tmp / "fusion.xlsx", sheet(plain_rows(), extra=extra))


def far_row(tmp: Path) -> Path:
    rows = plain_rows() + '<row r="2"><c r="A900000" t="inlineStr"><is><t>x</t></is></c></row>'
    return workbook(tmp / "ligne-lointaine.xlsx", sheet(rows))


def cells_without_reference(tmp: Path) -> Path:
    many = "".join('<c t="inlineStr"><is><t>x</t></is></c>' for _ in range(50))
    rows = plain_rows() + f'<row r="3">{many}</row><row r="50000"><c r="A50000" t="inlineStr"><is><t>y</t></is></c></row>'
    return workbook(tmp / "sans-reference.xlsx", sheet(rows))


def huge_shared_strings(tmp: Path) -> Path:
    """Shared strings far above their budget, in a file small and mild enough to pass the other checks."""
    rng = random.Random(9)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    word = "".join(rng.choice(alphabet) for _ in range(4096))
    parts = [b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">']
    # 40 MB of strings; varied enough that the compression ratio stays plausible (< 200).
    for index in range(10_000):
        start = rng.randrange(0, 3000)
        parts.append(f"<si><t>{index}{word[start:start + 1000]}{word[:3000]}</t></si>".encode())
    parts.append(b"</sst>")
    return workbook(tmp / "textes.xlsx", shared=b"".join(parts), level=1)


# --- class 10: import checks ------------------------------------------------------------------


def utf16_doctype(tmp: Path) -> Path:
    """A sheet in UTF-16, whose DOCTYPE a byte scan for ``<!DOCTYPE`` does not see."""
    xml = (
        '<?xml version="1.0" encoding="UTF-16"?>'
        '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        f"{plain_rows()}</sheetData></worksheet>"
    )
    return workbook(tmp / "utf16.xlsx", xml.encode("utf-16"))


def declared_other_encoding(tmp: Path) -> Path:
    xml = sheet(plain_rows()).replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')
    return workbook(tmp / "latin.xlsx", xml)


def pdf_renamed_csv(tmp: Path) -> Path:
    path = tmp / "parcours.csv"
    path.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
    return path


def binary_renamed_csv(tmp: Path) -> Path:
    path = tmp / "parcours.csv"
    path.write_bytes(b"nom;prenom;date_naissance;date_entree\nPetit;Jules\x01\x02\x03;02/02/2004;01/09/2025\n")
    return path


def vba_renamed_image(tmp: Path) -> Path:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000
    return workbook(tmp / "macro-cachee.xlsx", extra={"xl/media/image1.png": ole})


def vba_renamed_xml(tmp: Path) -> Path:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000
    return workbook(tmp / "macro-xml.xlsx", extra={"xl/vbaData2.xml": ole})


def junk_member(tmp: Path) -> Path:
    rng = random.Random(3)
    junk = bytes(rng.getrandbits(8) for _ in range(200_000)) * 40  # 8 MB, compressible but not a bomb
    return workbook(tmp / "bourre.xlsx", extra={"payload/junk.dat": junk})


def junk_inside_xl(tmp: Path) -> Path:
    rng = random.Random(4)
    block = "".join(rng.choice("abcdef0123456789") for _ in range(100_000))
    junk = ("<x>" + block * 100 + "</x>").encode()  # 10 MB of "XML"
    return workbook(tmp / "bourre-xml.xlsx", extra={"xl/junk.xml": junk})


HOSTILE: dict[str, tuple[Callable[[Path], Path], str]] = {
    "far-cell": (far_cell, "50000 lignes"),
    "thousand-columns": (thousand_columns, "colonnes"),
    "huge-dimension": (huge_dimension, "colonnes"),
    "huge-merge": (huge_merge, "colonnes"),
    "far-row": (far_row, "lignes"),
    "cells-without-reference": (cells_without_reference, "sans référence"),
    "huge-shared-strings": (huge_shared_strings, "volume de texte"),
    "utf16-doctype": (utf16_doctype, "UTF-16"),
    "declared-other-encoding": (declared_other_encoding, "UTF-8"),
    "pdf-renamed-csv": (pdf_renamed_csv, "renommé"),
    "binary-renamed-csv": (binary_renamed_csv, "caractère de contrôle"),
    "vba-renamed-image": (vba_renamed_image, "macros"),
    "vba-renamed-xml": (vba_renamed_xml, "UTF-8"),
    "junk-member": (junk_member, "aucun tableur"),
    "junk-inside-xl": (junk_inside_xl, "anormalement volumineux"),
}
