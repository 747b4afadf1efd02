"""Checks that refuse a hostile or unusable file before anything reads it in full.

Everything here looks at bytes and at the zip's central directory, streaming
each part once in bounded memory, and raises ``FileRefused`` with a French
message. The work a spreadsheet reader would do is bounded *before* it runs
(issue 9): a 5 kB workbook with one cell at ``XFD1048576`` would make the
reader allocate the whole rectangle.

- larger than 20 MB, or an extension other than .xlsx / .csv (.xlsm, .xls,
  .xlsb are named as such: macros or old formats are not taken);
- a renamed file: an .xlsx that is not a zip, a .csv that is a known binary
  format (PDF, zip, Office, images, executables) or holds control bytes,
  UTF-16/32 byte-order marks;
- a zip bomb or junk: the uncompressed sizes declared in the central
  directory (which ``zipfile`` enforces when reading) above a total budget, a
  member compressed more than a spreadsheet ever is, shared strings above
  their own budget, any other part above a few MB, members whose names no
  spreadsheet program writes (only the parts of an .xlsx are taken);
- macros and embedded objects: ``vbaProject.bin`` under any name (an OLE
  compound file inside the zip), ActiveX, macro-enabled content types;
- XML parts not in UTF-8 (UTF-16 would hide a DOCTYPE from a byte scan), with
  a DOCTYPE or entity declarations (entity expansion, external entities);
  openpyxl also parses through defusedxml, which refuses them a second time;
- formulas in worksheet cells (``<f>`` elements): a caseload is data;
- a sheet whose declared dimension, cell references or merged ranges reach
  beyond ``MAX_ROWS`` rows or ``MAX_COLUMNS`` columns, whose rectangle holds
  more than ``MAX_CELLS`` cells, or whose cells omit their reference.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
# Far more columns than the import knows (42): unknown ones are only reported.
MAX_COLUMNS = 100
# The rectangle a reader allocates: rows × columns of the furthest cell.
MAX_CELLS = 4_000_000
# A 20 MB xlsx of plain cells inflates to about a hundred MB at most.
MAX_UNCOMPRESSED_BYTES = 120 * 1024 * 1024
# All worksheets together: 50 000 rows of a caseload, shared strings apart,
# take a few tens of MB; scanning this much stays around a second.
MAX_WORKSHEETS_BYTES = 64 * 1024 * 1024
MAX_SHARED_STRINGS_BYTES = 32 * 1024 * 1024
# Styles, themes, properties, images...: small in any real workbook.
MAX_OTHER_PART_BYTES = 8 * 1024 * 1024
MAX_MEMBER_RATIO = 200
MAX_MEMBERS = 500
SCAN_CHUNK = 1024 * 1024
MAX_TAG_BYTES = 64 * 1024

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
UTF16_32_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
# Files a .csv is not (renamed documents, archives, images, programs).
BINARY_MAGICS = (
    b"%PDF",
    ZIP_MAGIC,
    OLE_MAGIC,
    b"\x7fELF",
    b"MZ",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"7z\xbc\xaf",
    b"Rar!",
    b"\x1f\x8b",
    b"{\\rtf",
)
# Control bytes no text file holds (tab, LF and CR are fine).
CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
CELL_TAG = re.compile(rb"<\w+:c[\s>/]")
XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
DIMENSION = re.compile(rb"""<(?:\w+:)?dimension\s[^>]*\bref\s*=\s*["']([^"']{1,40})["']""")
MERGE_CELL = re.compile(rb"""<(?:\w+:)?mergeCell\s[^>]*\bref\s*=\s*["']([^"']{1,40})["']""")
# A cell without its reference: the reader would place it after the previous one.
CELL_WITHOUT_REFERENCE = re.compile(rb"<(?:\w+:)?c(?:>|/>|\s(?![^>]*\br\s*=)[^>]*>)")
# One pass that matches only what may be refused: column letters beyond CV (the
# 100th), 6-digit rows, 5-digit rows from 50 000 (checked one by one: 50 001 is
# the last allowed); cell and row references alike. It starts with a literal.
FAR_PREFIX = re.compile(rb'r="(?:[A-Z]{0,3}(?:[0-9]{6}|[5-9][0-9]{4}")|[D-Z][A-Z]|C[W-Z]|[A-Z]{3})')
# Attributes written otherwise than r="…" would escape that pattern: no program writes them.
UNUSUAL_REFERENCE = (b" r='", b" r =", b" r= ", b"\tr=", b"\nr=", b'r="$')
REFERENCE = re.compile(rb"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")

# The parts an .xlsx is made of; anything else is junk or a smuggled payload.
ALLOWED_PARTS = re.compile(
    r"""^(?:
        \[Content_Types\]\.xml
      | _rels/\.rels
      | (?:docProps|docMetadata|customXml(?:/_rels)?)/[\w.-]+\.(?:xml|rels)
      | docProps/thumbnail\.(?:jpe?g|png|wmf|emf)
      | xl/(?:[\w.-]+/)*[\w.-]+\.(?:xml|rels)
      | xl/media/[\w.-]+\.(?:png|jpe?g|gif|bmp|tiff?|emf|wmf)
      | xl/printerSettings/[\w.-]+\.bin
    )$""",
    re.VERBOSE,
)
IMAGE_MAGICS = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
    b"\x01\x00\x00\x00",
    b"\xd7\xcd\xc6\x9a",
)

MACROS = "Ce classeur contient des macros : il est refusé. Enregistrez-le en .xlsx sans macros."
RESAVE = "Enregistrez-le de nouveau en .xlsx depuis votre tableur, puis déposez-le à nouveau."


class FileRefused(ValueError):
    """The file is refused as a whole; ``message`` says why, in French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def file_kind(path: Path, filename: str | None = None) -> str:
    """``"xlsx"`` or ``"csv"`` once every check passed; ``FileRefused`` otherwise."""
    name = filename or path.name
    suffix = Path(name).suffix.lower()
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FileRefused(f"Le fichier dépasse 20 Mo ({size / 1024 / 1024:.1f} Mo).")
    if size == 0:
        raise FileRefused("Le fichier est vide.")
    if suffix in (".xlsm", ".xltm", ".xlam"):
        raise FileRefused("Les classeurs avec macros (.xlsm) ne sont pas acceptés : enregistrez-le en .xlsx.")
    if suffix in (".xls", ".xlsb", ".ods"):
        raise FileRefused(
            f"Le format {suffix} n'est pas accepté : enregistrez le classeur en .xlsx ou en .csv."
        )
    if suffix not in (".xlsx", ".csv"):
        raise FileRefused("Seuls les fichiers .xlsx et .csv sont acceptés.")
    with path.open("rb") as handle:
        head = handle.read(8192)
    if suffix == ".xlsx":
        if not head.startswith(ZIP_MAGIC):
            if head.startswith(OLE_MAGIC):
                raise FileRefused(
                    "Ce fichier n'est pas un classeur .xlsx (ancien format Excel ou classeur protégé par "
                    "mot de passe) : enregistrez-le en .xlsx sans mot de passe."
                )
            raise FileRefused("Ce fichier n'est pas un vrai classeur .xlsx (a-t-il été renommé ?).")
        check_xlsx(path)
        return "xlsx"
    check_csv(path, head)
    return "csv"


def check_csv(path: Path, head: bytes) -> None:
    """A .csv must be text: no known binary format, no byte-order mark but UTF-8's, no control bytes."""
    if head.startswith(BINARY_MAGICS) or head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"%PDF"):
        raise FileRefused("Ce fichier n'est pas un vrai fichier .csv (a-t-il été renommé ?).")
    if head.startswith(UTF16_32_BOMS):
        raise FileRefused("Le fichier CSV doit être encodé en UTF-8 (il semble être en UTF-16).")
    with path.open("rb") as handle:
        offset = 0
        while chunk := handle.read(SCAN_CHUNK):
            found = CONTROL_BYTES.search(chunk)
            if found:
                raise FileRefused(
                    "Ce fichier n'est pas un fichier texte .csv (caractère de contrôle à l'octet "
                    f"{offset + found.start()}) : enregistrez-le en « CSV UTF-8 » depuis votre tableur."
                )
            offset += len(chunk)


def check_xlsx(path: Path) -> None:
    """The zip-level checks of an .xlsx (also used on the national files the merge reads)."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise FileRefused("Le fichier dépasse 20 Mo.")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRefused("Ce classeur .xlsx est illisible (archive endommagée).") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise FileRefused("Ce classeur contient un nombre anormal d'éléments : il est refusé.")
        names = {member.filename for member in members}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise FileRefused("Ce fichier n'est pas un classeur .xlsx (a-t-il été renommé ?).")
        _check_directory(members)
        try:
            content_types = _read_bounded(archive, "[Content_Types].xml")
            lowered_types = content_types.lower()
            if b"macroenabled" in lowered_types or b"vbaproject" in lowered_types:
                raise FileRefused(MACROS)
            if b"activex" in lowered_types or b"oleobject" in lowered_types:
                raise FileRefused(
                    "Ce classeur contient des objets incorporés (ActiveX, OLE) : il est refusé."
                )
            for member in members:
                lowered = member.filename.lower()
                if lowered.endswith((".xml", ".rels")):
                    _scan_xml(archive, member, sheet=lowered.startswith("xl/worksheets/"))
                else:
                    _check_binary(archive, member)
        except zipfile.BadZipFile:
            raise FileRefused("Ce classeur .xlsx est illisible (archive endommagée).") from None
        except (OSError, EOFError, ValueError, NotImplementedError) as error:
            if isinstance(error, FileRefused):
                raise
            raise FileRefused("Ce classeur .xlsx est illisible (archive endommagée).") from None


def _check_directory(members: list[zipfile.ZipInfo]) -> None:
    """Sizes, ratios, encryption, macros and part names, from the central directory alone."""
    total = 0
    worksheets = 0
    for member in members:
        total += member.file_size
        if member.filename.lower().startswith("xl/worksheets/"):
            worksheets += member.file_size
            if worksheets > MAX_WORKSHEETS_BYTES:
                raise FileRefused(
                    "Les feuilles de ce classeur sont anormalement volumineuses (plus de 64 Mo une fois "
                    "décompressées) : découpez le fichier ou supprimez les feuilles inutiles."
                )
        ratio = member.file_size / max(member.compress_size, 1)
        if total > MAX_UNCOMPRESSED_BYTES or (member.file_size > 1024 * 1024 and ratio > MAX_MEMBER_RATIO):
            raise FileRefused(
                "Ce classeur se décompresse en un volume anormal (bombe de décompression) : il est refusé."
            )
        if member.flag_bits & 0x1:
            raise FileRefused("Ce classeur est chiffré : enregistrez-le sans mot de passe.")
        lowered = member.filename.lower()
        if "vbaproject" in lowered or (lowered.endswith(".bin") and "vba" in lowered):
            raise FileRefused(MACROS)
        if lowered.startswith(("xl/activex/", "xl/embeddings/")):
            raise FileRefused("Ce classeur contient des objets incorporés (ActiveX, OLE) : il est refusé.")
        if not ALLOWED_PARTS.match(member.filename):
            raise FileRefused(
                f"Ce classeur contient un élément qu'aucun tableur n'y met (« {member.filename[:80]} ») : "
                f"il est refusé. {RESAVE}"
            )
        if lowered == "xl/sharedstrings.xml":
            if member.file_size > MAX_SHARED_STRINGS_BYTES:
                raise FileRefused(
                    "Ce classeur contient un volume de texte anormal (plus de 32 Mo) : il est refusé."
                )
        elif not lowered.startswith("xl/worksheets/") and member.file_size > MAX_OTHER_PART_BYTES:
            raise FileRefused(
                f"Ce classeur contient un élément anormalement volumineux (« {member.filename[:80]} ») : "
                "il est refusé."
            )


def _read_bounded(archive: zipfile.ZipFile, name: str, limit: int = 4 * 1024 * 1024) -> bytes:
    with archive.open(name) as handle:
        return handle.read(limit)


def _check_binary(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """Images are images and printer settings are no hidden workbook or macro project."""
    with archive.open(member) as handle:
        head = handle.read(16)
    if head.startswith((OLE_MAGIC, ZIP_MAGIC)):
        raise FileRefused(
            MACROS if head.startswith(OLE_MAGIC) else f"Ce classeur contient une archive cachée. {RESAVE}"
        )
    if member.filename.lower().startswith(("xl/media/", "docprops/")) and not head.startswith(IMAGE_MAGICS):
        raise FileRefused(f"Ce classeur contient une image qui n'en est pas une. {RESAVE}")


class _SheetBounds:
    """The furthest row and column a sheet's references reach, checked as they are read."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.cells = 0

    def reference(self, text: bytes) -> None:
        for part in text.split(b":"):
            match = REFERENCE.match(part.strip())
            if match is None:
                raise FileRefused(f"Ce classeur contient une référence de cellule invalide. {RESAVE}")
            column = 0
            for letter in match.group(1).upper():
                column = column * 26 + letter - 64
            self.check(int(match.group(2)), column)

    def check(self, row: int, column: int) -> None:
        if column > MAX_COLUMNS:
            raise FileRefused(
                f"La feuille s'étend au-delà de {MAX_COLUMNS} colonnes : supprimez les colonnes vides ou "
                "inutiles à droite du tableau, puis déposez-le à nouveau."
            )
        if row > MAX_ROWS + 1:
            raise FileRefused(f"Le fichier dépasse {MAX_ROWS} lignes : découpez-le en plusieurs fichiers.")
        if row * column > MAX_CELLS:
            raise FileRefused(
                f"La feuille couvre plus de {MAX_CELLS:,} cellules : supprimez les lignes et colonnes vides "
                "autour du tableau, puis déposez-le à nouveau.".replace(",", " ")
            )

    def scan(self, window: bytes) -> None:
        # Cheap counts first; the regular expressions run only where the counts disagree.
        tags = window.count(b"<c ") + window.count(b"<c>") + window.count(b"<c/>")
        namespaced = b":c " in window or b":c>" in window or b":c/>" in window
        if (namespaced or tags != window.count(b'<c r="')) and CELL_WITHOUT_REFERENCE.search(window):
            raise FileRefused(f"Ce classeur contient des cellules sans référence. {RESAVE}")
        if any(unusual in window for unusual in UNUSUAL_REFERENCE):
            raise FileRefused(f"Ce classeur contient des références de cellules inhabituelles. {RESAVE}")
        for found in FAR_PREFIX.finditer(window):
            reference = window[found.start() + 3 : found.start() + 24].split(b'"', 1)[0]
            if reference.isdigit():
                self.check(int(reference[:12]), 1)  # a row's own reference
            else:
                self.reference(reference)
        for marker, pattern in ((b"dimension", DIMENSION), (b"mergeCell", MERGE_CELL)):
            if marker in window:
                for found in pattern.finditer(window):
                    self.reference(found.group(1))
        self.cells += tags + (len(CELL_TAG.findall(window)) if namespaced else 0)
        if self.cells > MAX_CELLS:
            self.check(MAX_CELLS + 1, 1)


def _scan_xml(archive: zipfile.ZipFile, member: zipfile.ZipInfo, *, sheet: bool) -> None:
    """Stream one XML part: UTF-8 only, no declarations; in a sheet, no formula and bounded references.

    The stream is cut after the last ``<`` of each chunk, so every tag is seen
    whole exactly once.
    """
    bounds = _SheetBounds(member.filename) if sheet else None
    carry = b""
    first = True
    with archive.open(member) as handle:
        while chunk := handle.read(SCAN_CHUNK):
            if first:
                _check_encoding(chunk)
                first = False
            if b"\x00" in chunk:
                raise FileRefused(f"Ce classeur contient une partie XML qui n'est pas en UTF-8. {RESAVE}")
            buffer = carry + chunk
            cut = buffer.rfind(b"<")
            if cut <= 0:
                cut = len(buffer)
            window, carry = buffer[:cut], buffer[cut:]
            if len(carry) > MAX_TAG_BYTES:
                raise FileRefused(f"Ce classeur contient une partie XML malformée. {RESAVE}")
            _scan_window(window, bounds)
    _scan_window(carry, bounds)


def _check_encoding(start: bytes) -> None:
    if start.startswith(UTF16_32_BOMS) or start[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        raise FileRefused(f"Ce classeur contient une partie XML en UTF-16 : il est refusé. {RESAVE}")
    declared = XML_ENCODING.match(start.removeprefix(b"\xef\xbb\xbf"))
    if declared and declared.group(1).lower().replace(b"-", b"").replace(b"_", b"") != b"utf8":
        raise FileRefused(
            f"Ce classeur contient une partie XML qui n'est pas en UTF-8 "
            f"({declared.group(1).decode()}). {RESAVE}"
        )


def _scan_window(window: bytes, bounds: _SheetBounds | None) -> None:
    if DECLARATION.search(window):
        raise FileRefused(
            "Ce classeur contient des déclarations XML interdites (DOCTYPE / ENTITY) : il est refusé."
        )
    if bounds is not None:
        if (b"<f" in window or b":f" in window) and FORMULA.search(window):
            raise FileRefused(
                "Ce classeur contient des formules : copiez les cellules et collez-les en valeurs "
                "seules, puis déposez-le à nouveau."
            )
        bounds.scan(window)
