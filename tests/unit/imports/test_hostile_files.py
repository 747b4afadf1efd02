"""Hostile and unusable files are refused as a whole, before anything is read in, writing nothing."""

from __future__ import annotations

import tracemalloc
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from pathways.imports.safety import FileRefused
from pathways.imports.service import run_import
from pathways.models import AuditEntry, InfoSession, Pathway, Person
from tests.factories import make_world
from tests.unit.imports.files import (
    BILLION_LAUGHS,
    add_member,
    replace_member,
    write_csv,
    write_xlsx,
    zip_bomb,
)

ROW = {"nom": "Petit", "prenom": "Jules", "date_naissance": date(2004, 2, 2), "date_entree": date(2025, 9, 1)}


def plain_xlsx(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "source.xlsx", [ROW])


def _not_xlsx_or_csv(tmp_path: Path) -> Path:
    path = tmp_path / "parcours.txt"
    path.write_text("nom;prenom\n")
    return path


def _csv_renamed_xlsx(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "parcours.xlsx", [ROW])


def _xlsx_renamed_csv(tmp_path: Path) -> Path:
    source = plain_xlsx(tmp_path)
    target = tmp_path / "parcours.csv"
    target.write_bytes(source.read_bytes())
    return target


def _executable_renamed(tmp_path: Path) -> Path:
    path = tmp_path / "parcours.xlsx"
    path.write_bytes(b"MZ\x90\x00" + b"\x00" * 2000)
    return path


def _old_excel(tmp_path: Path) -> Path:
    path = tmp_path / "parcours.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000)
    return path


def _xlsm_by_name(tmp_path: Path) -> Path:
    source = plain_xlsx(tmp_path)
    target = tmp_path / "parcours.xlsm"
    target.write_bytes(source.read_bytes())
    return target


def _macros_inside(tmp_path: Path) -> Path:
    return add_member(plain_xlsx(tmp_path), tmp_path / "parcours.xlsx", "xl/vbaProject.bin", b"\x00" * 100)


def _zip_bomb(tmp_path: Path) -> Path:
    return zip_bomb(tmp_path / "parcours.xlsx")


def _entity_expansion(tmp_path: Path) -> Path:
    return replace_member(
        plain_xlsx(tmp_path), tmp_path / "parcours.xlsx", "xl/worksheets/sheet1.xml", BILLION_LAUGHS
    )


def _formula(tmp_path: Path) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["nom", "prenom", "date_naissance", "date_entree"])
    sheet.append(["=1+1", "Jules", date(2004, 2, 2), date(2025, 9, 1)])
    path = tmp_path / "parcours.xlsx"
    workbook.save(path)
    return path


def _too_many_rows(tmp_path: Path) -> Path:
    path = tmp_path / "parcours.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("nom;prenom;date_naissance;date_entree\n")
        handle.writelines(f"N{i};P;2000-01-01;2025-01-01\n" for i in range(50_001))
    return path


def _too_large(tmp_path: Path) -> Path:
    path = tmp_path / "parcours.csv"
    with path.open("wb") as handle:
        handle.write(b"nom;prenom;date_naissance;date_entree\n")
        handle.truncate(21 * 1024 * 1024)
    return path


def _latin1(tmp_path: Path) -> Path:
    path = tmp_path / "parcours.csv"
    path.write_bytes(
        "nom;prenom;date_naissance;date_entree\nHélène;Zoé;2000-01-01;2025-01-01\n".encode("latin-1")
    )
    return path


def _utf16(tmp_path: Path) -> Path:
    path = tmp_path / "parcours.csv"
    path.write_bytes("nom;prenom;date_naissance;date_entree\n".encode("utf-16"))
    return path


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / "parcours.csv"
    path.write_bytes(b"")
    return path


HOSTILE = {
    "not-xlsx-or-csv": (_not_xlsx_or_csv, ".xlsx et .csv"),
    "csv-renamed-xlsx": (_csv_renamed_xlsx, "renommé"),
    "xlsx-renamed-csv": (_xlsx_renamed_csv, "renommé"),
    "executable-renamed": (_executable_renamed, "renommé"),
    "old-excel-or-encrypted": (_old_excel, "ancien format"),
    "xlsm": (_xlsm_by_name, "macros"),
    "macros-inside-xlsx": (_macros_inside, "macros"),
    "zip-bomb": (_zip_bomb, "bombe de décompression"),
    "entity-expansion": (_entity_expansion, "DOCTYPE"),
    "formula": (_formula, "formules"),
    "too-many-rows": (_too_many_rows, "50000 lignes"),
    "too-large": (_too_large, "20 Mo"),
    "latin-1": (_latin1, "UTF-8"),
    "utf-16": (_utf16, "UTF-8"),
    "empty": (_empty, "vide"),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_file_refused_writing_nothing(session, today, tmp_path: Path, kind: str) -> None:
    world = make_world(session)
    session.commit()
    build, expected = HOSTILE[kind]
    path = build(tmp_path)
    audit_before = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    tracemalloc.start()
    try:
        with pytest.raises(FileRefused) as refused:
            run_import(session, world.platform, path, actor=world.manager)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert expected in refused.value.message
    # Bounded memory: never the inflated size, nor the whole file when it is too large.
    assert peak < 40 * 1024 * 1024
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(Pathway)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(InfoSession)) == 1  # the world's own
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == audit_before
