"""Cohort (pseudonymised by default), formula-injection safety, national files and their merge."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from exports.bilan import NationalFileError, merge_national, write_national
from exports.cohort import CohortRefused, write_cohort
from exports.indicators import compute_bilan
from exports.writer import Column, safe_text, write_table
from pathways.models import AuditEntry
from pathways.states import State
from tests.factories import make_pathway, make_person, make_world
from tests.unit.exports.scenario import build_caseload, oracle
from tests.unit.exports.workbooks import sheet, synthese

YEAR = (date(2025, 1, 1), date(2025, 12, 31))
PAYLOADS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rRetour", "Bip\x07lé\x1b"]


def test_cohort_is_pseudonymised_and_stable_per_person(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    person = make_person(session, world, last_name="Secret", first_name="Nom", email="secret@example.fr")
    make_pathway(session, world, State.EXITED, start=date(2024, 3, 1), person=person)
    make_pathway(session, world, State.COMPLETED, start=date(2025, 1, 6), person=person)
    make_pathway(session, world, State.TRAINING, start=date(2025, 2, 3))
    target = tmp_path / "cohorte.xlsx"
    rows = write_cohort(session, world.platform, target, actor=world.manager)
    assert rows == 3
    data = sheet(target, "Cohorte")
    header, body = data[0], data[1:]
    assert "nom" not in header
    assert "date_naissance" not in header
    flat = repr(data)
    assert "Secret" not in flat
    assert "secret@example.fr" not in flat
    pseudonyms = [row[header.index("pseudonyme")] for row in body]
    assert pseudonyms[0] == pseudonyms[1] != pseudonyms[2]  # ordered by entry date
    # Three rows cannot be 5-anonymous: their quasi-identifiers and dates are masked (issue 9).
    assert body[0][header.index("date_entree")] == "*"
    assert body[1][header.index("etat")] == "Parcours terminé"
    # A new export draws a new key: pseudonyms cannot be linked across exports.
    write_cohort(session, world.platform, tmp_path / "again.xlsx", actor=world.manager)
    again = sheet(tmp_path / "again.xlsx", "Cohorte")
    assert again[1][0] != pseudonyms[0]
    # Period filter: pathways entered by the end, not ended before the start.
    rows_2025 = write_cohort(
        session, world.platform, tmp_path / "y.xlsx", actor=world.manager, start=YEAR[0], end=YEAR[1]
    )
    assert rows_2025 == 2


def test_identified_cohort_only_for_managers_and_audited(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    make_pathway(
        session,
        world,
        State.FOLLOW_UP,
        start=date(2025, 1, 6),
        person=make_person(session, world, last_name="Visible"),
    )
    with pytest.raises(CohortRefused):
        write_cohort(session, world.platform, tmp_path / "x.xlsx", actor=world.adviser, identified=True)
    target = tmp_path / "nominative.xlsx"
    write_cohort(session, world.platform, target, actor=world.manager, identified=True)
    data = sheet(target, "Cohorte")
    assert data[0][:2] == ["nom", "prenom"]
    assert data[1][0] == "Visible"
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "export.cohort_identified"))
    assert entry.user_id == world.manager.id
    assert entry.details["rows"] == 1


def test_formula_injection_payloads_come_out_inert(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    for payload in PAYLOADS:
        make_pathway(
            session,
            world,
            State.REFERRED,
            start=date(2025, 1, 6),
            person=make_person(session, world, last_name=payload),
        )
    target = tmp_path / "nominative.xlsx"
    write_cohort(session, world.platform, target, actor=world.manager, identified=True)
    names = {row[0] for row in sheet(target, "Cohorte")[1:]}
    for name in names:
        assert name[0] not in "=+-@\t\r"
        assert not any(ord(c) < 32 and c not in "\t\n" for c in name)
    assert "'=cmd|' /C calc'!A0" in names
    # (The person service strips names; leading tab / CR are checked on the writer below.)
    assert safe_text("\tTab") == "'\tTab"
    assert safe_text("\rRetour") == "Retour"  # a control character, stripped: nothing left to run
    # The generic writer: no formula cell at all in the sheet XML.
    plain = tmp_path / "plain.xlsx"
    write_table(plain, "Feuille", [Column("texte")], [[p] for p in PAYLOADS])
    with zipfile.ZipFile(plain) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml
    assert safe_text("=1+1") == "'=1+1"
    assert safe_text("Nul\x00lé\x07") == "Nullé"
    assert "Biplé" in names
    assert safe_text("normal") == "normal"


def test_merge_of_two_national_files_equals_the_bilan_of_their_union(session, today, tmp_path: Path) -> None:
    first = make_world(session, "yvelines")
    second = make_world(session, "hauts-de-seine")
    build_caseload(session, first, seed=21, count=18)
    build_caseload(session, second, seed=22, count=18)
    write_national(session, first.platform, *YEAR, tmp_path / "a.xlsx", actor=first.manager)
    write_national(session, second.platform, *YEAR, tmp_path / "b.xlsx", actor=second.manager)
    national_rows = sheet(tmp_path / "a.xlsx", "Synthèse")
    assert national_rows[0][:9] == [
        "code",
        "libelle",
        "valeur",
        "denominateur",
        "niveau",
        "plateforme",
        "nom_plateforme",
        "debut",
        "fin",
    ]
    assert national_rows[1][5] == "yvelines"

    merged = tmp_path / "national.xlsx"
    merge_national([tmp_path / "a.xlsx", tmp_path / "b.xlsx"], merged)
    union = compute_bilan(session, [first.platform, second.platform], *YEAR)
    got = synthese(merged)
    assert list(got) == [i.code for i in union.indicators]
    for indicator in union.indicators:
        value, denominator = got[indicator.code]
        assert denominator == indicator.denominator, indicator.code
        assert value == (pytest.approx(indicator.value) if indicator.value is not None else None), (
            indicator.code
        )
    levels = {row[0]: row[4] for row in sheet(merged, "Synthèse")[1:]}
    assert levels == {i.code: i.level for i in union.indicators}
    # And the union agrees with the independent computation (medians, persons, v2 rows included).
    expected = oracle(session, [first.platform.id, second.platform.id], *YEAR)
    for code in (
        "median_days_to_orientation",
        "median_days_to_training",
        "median_days_to_contract",
        "accompanied",
        "accompanied_persons",
        "entries_persons",
        "contracts_ended_early",
        "training_dropouts",
        "trainings_in_employment",
        "trainings_started.DEAS",
    ):
        assert got[code][0] == expected[code], code
    # Persons add up across platforms: each counts its own records, none is shared.
    a, b = synthese(tmp_path / "a.xlsx"), synthese(tmp_path / "b.xlsx")
    assert got["accompanied_persons"][0] == a["accompanied_persons"][0] + b["accompanied_persons"][0]
    assert got["access_rate"] == (pytest.approx(expected["access_rate"][0]), expected["access_rate"][1])
    assert got["training_dropout_rate"] == (
        pytest.approx(expected["training_dropout_rate"][0]),
        expected["training_dropout_rate"][1],
    )
    # Breakdowns summed, rates recomputed.
    public = {row[1]: row[3:6] for row in sheet(merged, "Ventilations")[1:] if row[0] == "Public"}
    for row in union.breakdowns["publics"]:
        assert public[row.code][:2] == [row.accompanied, row.access]
    # The platforms' own rows are kept.
    detail = sheet(merged, "Plateformes")
    assert {row[5] for row in detail[1:]} == {"yvelines", "hauts-de-seine"}


def test_merge_refuses_mixed_periods_and_foreign_files(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    write_national(session, world.platform, *YEAR, tmp_path / "a.xlsx", actor=world.manager)
    other = make_world(session, "autre")
    write_national(
        session, other.platform, date(2024, 1, 1), date(2024, 12, 31), tmp_path / "b.xlsx", actor=None
    )
    with pytest.raises(NationalFileError, match="même période"):
        merge_national([tmp_path / "a.xlsx", tmp_path / "b.xlsx"], tmp_path / "n.xlsx")
    with pytest.raises(NationalFileError, match="plusieurs fois"):
        merge_national([tmp_path / "a.xlsx", tmp_path / "a.xlsx"], tmp_path / "n.xlsx")
    write_table(tmp_path / "c.xlsx", "Synthèse", [Column("autre")], [["x"]])
    with pytest.raises(NationalFileError, match="pas un fichier national"):
        merge_national([tmp_path / "c.xlsx"], tmp_path / "n.xlsx")
