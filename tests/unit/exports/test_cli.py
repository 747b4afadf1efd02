"""The export and import commands, their results and their French errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from pathways.models import AuditEntry, Pathway
from pathways.states import State
from tests.factories import make_pathway, make_world
from tests.unit.exports.workbooks import sheet_names, synthese
from tests.unit.imports.files import write_csv


@pytest.fixture
def world(session, today):
    world = make_world(session)
    make_pathway(session, world, State.FOLLOW_UP, start=date(2025, 2, 3))
    make_pathway(session, world, State.EXITED, start=date(2025, 5, 5))
    session.commit()
    return world


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_export_bilan_year_and_period(app, world, tmp_path: Path) -> None:
    target = tmp_path / "bilan.xlsx"
    result = run(app, "export-bilan", "--platform", "yvelines", "--year", "2025", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert "Bilan yvelines du 01/01/2025 au 31/12/2025" in result.output
    assert synthese(target)["entries"][0] == 2
    result = run(
        app, "export-bilan", "--platform", "yvelines", "--start", "2025-03-01", "--end", "2025-06-30",
        "--with-cohort", "--output", str(target),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert synthese(target)["entries"][0] == 1
    assert "Cohorte" in sheet_names(target)
    national = tmp_path / "national.xlsx"
    result = run(
        app,
        "export-bilan",
        "--platform",
        "yvelines",
        "--year",
        "2025",
        "--national",
        "--output",
        str(national),
    )
    assert result.exit_code == 0, result.output
    merged = tmp_path / "merged.xlsx"
    result = run(app, "merge-national", str(national), "--output", str(merged))
    assert result.exit_code == 0, result.output
    assert synthese(merged)["entries"][0] == 2
    actions = set(app.extensions["sqlalchemy"].session.scalars(sa.select(AuditEntry.action)))
    assert {"export.bilan", "export.national"} <= actions


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--platform", "yvelines", "--output", "x.xlsx"], "Indiquez la période"),
        (
            ["--platform", "yvelines", "--year", "2025", "--start", "2025-01-01", "--output", "x.xlsx"],
            "pas les deux",
        ),
        (["--platform", "yvelines", "--start", "2025-01-01", "--output", "x.xlsx"], "vont ensemble"),
        (
            ["--platform", "yvelines", "--start", "01/01/2025", "--end", "2025-02-01", "--output", "x.xlsx"],
            "AAAA-MM-JJ",
        ),
        (
            ["--platform", "yvelines", "--start", "2025-03-01", "--end", "2025-02-01", "--output", "x.xlsx"],
            "précède",
        ),
        (["--platform", "inconnue", "--year", "2025", "--output", "x.xlsx"], "Aucune plateforme"),
        (["--platform", "yvelines", "--year", "2025", "--output", "x.csv"], ".xlsx"),
        (["--platform", "yvelines", "--year", "2025", "--output", "/nulle/part/x.xlsx"], "n'existe pas"),
    ],
)
def test_export_bilan_bad_arguments(app, world, tmp_path: Path, args: list[str], message: str) -> None:
    args = [str(tmp_path / a) if a == "x.xlsx" else a for a in args]
    result = run(app, "export-bilan", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_export_bilan_as_pdf(app, world, tmp_path: Path) -> None:
    target = tmp_path / "bilan.pdf"
    result = run(
        app, "export-bilan", "--platform", "yvelines", "--year", "2025", "--pdf", "--output", str(target)
    )
    assert result.exit_code == 0, result.output
    assert "Rapport PDF du bilan yvelines du 01/01/2025 au 31/12/2025" in result.output
    assert target.read_bytes().startswith(b"%PDF-")
    result = run(
        app, "export-bilan", "--platform", "yvelines", "--year", "2025", "--pdf", "--output", "x.xlsx"
    )
    assert result.exit_code == 2
    assert "se terminer par .pdf" in result.output
    result = run(
        app, "export-bilan", "--platform", "yvelines", "--year", "2025", "--pdf", "--national",
        "--output", str(target),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "retirez --national" in result.output


def test_export_cohort(app, world, tmp_path: Path) -> None:
    target = tmp_path / "cohorte.xlsx"
    result = run(app, "export-cohort", "--platform", "yvelines", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert "Cohorte pseudonymisée de yvelines" in result.output
    assert "(2 parcours)" in result.output
    result = run(
        app,
        "export-cohort",
        "--platform",
        "yvelines",
        "--year",
        "2025",
        "--identified",
        "--output",
        str(target),
    )
    assert result.exit_code == 0, result.output
    assert "nominative" in result.output


def test_merge_national_errors(app, world, tmp_path: Path) -> None:
    result = run(app, "merge-national", str(tmp_path / "absent.xlsx"), "--output", str(tmp_path / "n.xlsx"))
    assert result.exit_code == 2
    assert "introuvable" in result.output
    bogus = tmp_path / "bogus.xlsx"
    bogus.write_text("pas un classeur")
    result = run(app, "merge-national", str(bogus), "--output", str(tmp_path / "n.xlsx"))
    assert result.exit_code == 1
    assert "renommé" in result.output or "illisible" in result.output


ROW = {
    "nom": "Petit",
    "prenom": "Jules",
    "date_naissance": date(2004, 2, 2),
    "date_entree": date(2025, 9, 1),
    "date_sortie": date(2025, 10, 1),
    "motif_sortie": "abandon",
}


def test_import_caseload_dry_run_then_import_then_again(app, world, tmp_path: Path) -> None:
    session = app.extensions["sqlalchemy"].session
    path = write_csv(tmp_path / "parcours.csv", [ROW])
    before = session.scalar(sa.select(sa.func.count()).select_from(Pathway))
    result = run(app, "import-caseload", "--platform", "yvelines", "--dry-run", str(path))
    assert result.exit_code == 0, result.output
    assert "rien n'a été enregistré" in result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(Pathway)) == before
    result = run(app, "import-caseload", "--platform", "yvelines", str(path))
    assert result.exit_code == 0, result.output
    assert "1 parcours créé(s)" in result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(Pathway)) == before + 1
    result = run(app, "import-caseload", "--platform", "yvelines", str(path))
    assert result.exit_code == 0, result.output
    assert "0 parcours créé(s), 1 déjà importé(s)" in result.output


def test_import_caseload_report_and_refusals(app, world, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "parcours.csv", [{**ROW, "motif_sortie": "lassitude"}])
    result = run(app, "import-caseload", "--platform", "yvelines", str(path))
    assert result.exit_code == 1
    assert "ligne 2, colonne motif_sortie (valeur « lassitude »)" in result.output
    assert "rien n'a été enregistré" in result.output
    renamed = tmp_path / "parcours.xlsx"
    renamed.write_bytes(path.read_bytes())
    result = run(app, "import-caseload", "--platform", "yvelines", str(renamed))
    assert result.exit_code == 1
    assert "Fichier refusé" in result.output
    result = run(app, "import-caseload", "--platform", "yvelines", str(tmp_path / "absent.csv"))
    assert result.exit_code == 2
    assert "introuvable" in result.output
    assert "Traceback" not in result.output
