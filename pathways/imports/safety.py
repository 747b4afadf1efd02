"""Checks that refuse a hostile or unusable file before anything reads it in full.

Everything here looks at bytes and at the zip's central directory only, in
bounded memory, and raises ``FileRefused`` with a French message:

- larger than 20 MB, or an extension other than .xlsx / .csv (.xlsm, .xls,
  .xlsb are named as such: macros or old formats are not taken);
- a renamed file: an .xlsx that is not a zip, a .csv that is one or holds
  NUL bytes, UTF-16/32 byte-order marks;
- a zip bomb: the uncompressed sizes declared in the central directory
  (which ``zipfile`` also enforces when reading) above a total budget, or a
  member compressed more than a plausible spreadsheet ever is;
- macros (``vbaProject.bin``, a macro-enabled content type);
- XML with a DOCTYPE or entity declarations (entity expansion, external
  entities), found by a streaming scan of every XML part; openpyxl also
  parses through defusedxml, which refuses them a second time;
- formulas in worksheet cells (``<f>`` elements): a caseload is data, and a
  formula's cached value is not what the person typed.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
# A 20 MB xlsx of plain cells inflates to a few hundred MB at most.
MAX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024
MAX_MEMBER_RATIO = 200
MAX_MEMBERS = 2_000
SCAN_CHUNK = 1024 * 1024

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
UTF16_32_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


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
    if head.startswith(ZIP_MAGIC) or head.startswith(OLE_MAGIC):
        raise FileRefused("Ce fichier n'est pas un vrai fichier .csv (a-t-il été renommé ?).")
    if head.startswith(UTF16_32_BOMS):
        raise FileRefused("Le fichier CSV doit être encodé en UTF-8 (il semble être en UTF-16).")
    if b"\x00" in head:
        raise FileRefused("Ce fichier n'est pas un fichier texte .csv.")
    return "csv"


def check_xlsx(path: Path) -> None:
    """The zip-level checks of an .xlsx (also used on the national files the merge reads)."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise FileRefused("Le fichier dépasse 20 Mo.")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise FileRefused("Ce classeur .xlsx est illisible (archive endommagée).") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise FileRefused("Ce classeur contient un nombre anormal d'éléments : il est refusé.")
        names = {member.filename for member in members}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise FileRefused("Ce fichier n'est pas un classeur .xlsx (a-t-il été renommé ?).")
        total = 0
        for member in members:
            total += member.file_size
            ratio = member.file_size / max(member.compress_size, 1)
            if total > MAX_UNCOMPRESSED_BYTES or (
                member.file_size > 1024 * 1024 and ratio > MAX_MEMBER_RATIO
            ):
                raise FileRefused(
                    "Ce classeur se décompresse en un volume anormal (bombe de décompression) : "
                    "il est refusé."
                )
            if member.flag_bits & 0x1:
                raise FileRefused("Ce classeur est chiffré : enregistrez-le sans mot de passe.")
            lowered = member.filename.lower()
            if lowered.endswith("vbaproject.bin") or (lowered.endswith(".bin") and "vba" in lowered):
                raise FileRefused(
                    "Ce classeur contient des macros : il est refusé. Enregistrez-le en .xlsx sans macros."
                )
        try:
            content_types = _read_bounded(archive, "[Content_Types].xml")
            if b"macroEnabled" in content_types:
                raise FileRefused(
                    "Ce classeur contient des macros : il est refusé. Enregistrez-le en .xlsx sans macros."
                )
            for member in members:
                lowered = member.filename.lower()
                if not (lowered.endswith(".xml") or lowered.endswith(".rels")):
                    continue
                is_sheet = lowered.startswith("xl/worksheets/")
                _scan(archive, member, formulas=is_sheet)
        except zipfile.BadZipFile:
            raise FileRefused("Ce classeur .xlsx est illisible (archive endommagée).") from None


def _read_bounded(archive: zipfile.ZipFile, name: str, limit: int = 4 * 1024 * 1024) -> bytes:
    with archive.open(name) as handle:
        return handle.read(limit)


def _scan(archive: zipfile.ZipFile, member: zipfile.ZipInfo, *, formulas: bool) -> None:
    """Stream one XML part looking for declarations (and formulas in a sheet)."""
    tail = b""
    with archive.open(member) as handle:
        while chunk := handle.read(SCAN_CHUNK):
            window = tail + chunk
            if DECLARATION.search(window):
                raise FileRefused(
                    "Ce classeur contient des déclarations XML interdites (DOCTYPE / ENTITY) : il est refusé."
                )
            if formulas and FORMULA.search(window):
                raise FileRefused(
                    "Ce classeur contient des formules : copiez les cellules et collez-les en valeurs "
                    "seules, puis déposez-le à nouveau."
                )
            tail = window[-16:]
