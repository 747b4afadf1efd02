"""Reading the caseload file into rows of raw cell values, by column name.

The first sheet of an .xlsx (python-calamine: fast, no formulas evaluated)
or a .csv (UTF-8 with or without BOM, ``;`` or ``,``). Column names are
matched without regard to case, accents, spaces, hyphens or underscores;
unknown columns are reported and ignored. More than 50 000 data rows refuse
the file before any row is interpreted. A text cell that a spreadsheet would
run as a formula (``=…``, or ``+ - @`` followed by more than a number or a
phone number, whatever invisible characters precede it) is reported, not
imported. Whatever the spreadsheet reader raises becomes a French refusal.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from exports.writer import CONTROL_CHARACTERS, first_visible
from pathways.imports.safety import MAX_COLUMNS, MAX_ROWS, FileRefused, file_kind

REQUIRED = ("nom", "prenom", "date_naissance", "date_entree")
OPTIONAL = (
    "sexe",
    "email",
    "telephone",
    "code_postal",
    "commune",
    "identifiant_france_travail",
    "publics",
    "niveau_diplome",
    "prescripteur",
    "territoire",
    "delegue",
    "conseiller",
    "metier_vise",
    "date_information_collective",
    "date_pole_orientation",
    "projet_valide",
    "date_entretien_diagnostic",
    "date_renforcement",
    "date_pmsmp",
    "date_fin_pmsmp",
    "employeur_pmsmp",
    "date_formation",
    "certification",
    "organisme_formation",
    "financement_formation",
    "resultat_formation",
    "date_fin_formation",
    "date_formation_2",
    "certification_2",
    "organisme_formation_2",
    "financement_formation_2",
    "resultat_formation_2",
    "date_fin_formation_2",
    "date_recherche_emploi",
    "date_contrat",
    "type_contrat",
    "duree_cdd_mois",
    "employeur",
    "type_employeur",
    "metier_emploi",
    "date_fin_contrat",
    "motif_fin_contrat",
    "date_contrat_2",
    "type_contrat_2",
    "duree_cdd_mois_2",
    "employeur_2",
    "type_employeur_2",
    "metier_emploi_2",
    "en_poste_1_mois",
    "en_poste_3_mois",
    "en_poste_6_mois",
    "date_sortie",
    "motif_sortie",
)
COLUMNS = REQUIRED + OPTIONAL


def normalise_key(text: str) -> str:
    """``" Date Naissance "`` and ``"date_naissance"`` compare equal: no accents, case or separators."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return "".join(c for c in plain if c.isalnum())


_KNOWN = {normalise_key(name): name for name in COLUMNS}
# What may follow + or - in a cell that is not a formula: a number, a phone number.
PLAIN_NUMBER = re.compile(r"[+-]?[0-9][0-9 .,/()\u00a0-]*")


@dataclass
class Table:
    """The header mapping and the data rows (spreadsheet row number, {column: value})."""

    columns: dict[int, str]
    unknown: list[str]
    missing: list[str]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    formula_cells: list[tuple[int, str, str]] = field(default_factory=list)


def read_table(path: Path, filename: str | None = None) -> Table:
    """Check the file, then read it; ``FileRefused`` for a file refused as a whole."""
    kind = file_kind(path, filename)
    raw_rows = _xlsx_rows(path) if kind == "xlsx" else _csv_rows(path)
    try:
        header = next(raw_rows)
    except StopIteration:
        raise FileRefused("Le fichier ne contient aucune ligne.") from None
    columns: dict[int, str] = {}
    unknown: list[str] = []
    for index, name in enumerate(header):
        text = "" if name is None else str(name).strip()
        if not text:
            continue
        known = _KNOWN.get(normalise_key(text))
        if known is None or known in columns.values():
            unknown.append(text)
        else:
            columns[index] = known
    missing = [name for name in REQUIRED if name not in columns.values()]
    table = Table(columns, unknown, missing)
    for number, values in enumerate(raw_rows, 2):
        if number - 1 > MAX_ROWS:
            raise FileRefused(f"Le fichier dépasse {MAX_ROWS} lignes : découpez-le en plusieurs fichiers.")
        row: dict[str, Any] = {}
        for index, column in columns.items():
            value = values[index] if index < len(values) else None
            if isinstance(value, str):
                # Control characters never mean anything in a cell (and PostgreSQL refuses NUL).
                value = CONTROL_CHARACTERS.sub("", value).strip()
                if looks_like_formula(value):
                    table.formula_cells.append((number, column, value[:200]))
                if not value:
                    value = None
            if value is not None:
                row[column] = value
        if row:
            table.rows.append((number, row))
    return table


def looks_like_formula(value: str) -> bool:
    """``=…`` always; ``+ - @`` unless what follows is a plain number or a phone number."""
    start = first_visible(value)
    if start == "=":
        return True
    if start in ("+", "-", "@"):
        visible = value[value.index(start) :]
        if not visible[1:].strip():
            return False  # a lone "-" says "nothing"
        return not PLAIN_NUMBER.fullmatch(visible)
    return False


# A reader's own failure (pyo3's PanicException is not an Exception): refused, in French.
UNREADABLE = "Ce classeur .xlsx est illisible. Enregistrez-le de nouveau en .xlsx depuis votre tableur."


def _xlsx_rows(path: Path) -> Iterator[list[Any]]:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except (CalamineError, Exception):
        raise FileRefused(UNREADABLE) from None
    except BaseException as error:
        if isinstance(error, KeyboardInterrupt | SystemExit):
            raise
        raise FileRefused(UNREADABLE) from None
    # Refuse before iterating: the row count is known from the sheet's extent.
    if sheet.total_height > MAX_ROWS + 1 or sheet.total_width > MAX_COLUMNS:
        raise FileRefused(f"Le fichier dépasse {MAX_ROWS} lignes ou {MAX_COLUMNS} colonnes.")
    try:
        yield from sheet.iter_rows()
    except (CalamineError, Exception):
        raise FileRefused(UNREADABLE) from None


def _csv_rows(path: Path) -> Iterator[list[Any]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRefused(
            "Le fichier CSV doit être encodé en UTF-8 (caractère illisible à l'octet "
            f"{error.start}) : dans le tableur, enregistrez-le en « CSV UTF-8 »."
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    # Bounded before the csv module builds rows: a line of a million separators
    # would become a list of a million cells.
    for line in io.BytesIO(data):
        if line.count(delimiter.encode()) > 10 * MAX_COLUMNS:
            raise FileRefused(f"Une ligne du fichier compte plus de {10 * MAX_COLUMNS} séparateurs.")
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if len(row) > 10 * MAX_COLUMNS:
                raise FileRefused(f"Une ligne du fichier compte plus de {10 * MAX_COLUMNS} colonnes.")
            yield row
    except csv.Error as error:
        raise FileRefused(f"Ce fichier CSV est illisible ({error}).") from None
