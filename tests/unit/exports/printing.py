"""The printed bilan: LibreOffice converts a workbook to PDF, poppler reads the pages back.

LibreOffice runs headless with a private profile (``-env:UserInstallation``)
so that parallel test processes, and a user's own LibreOffice, never share
one. Each printed page names its sheet in its header (``&A``), which is how
a page is traced back to its sheet.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
PDFINFO = shutil.which("pdfinfo")

needs_office = pytest.mark.skipif(
    not (SOFFICE and PDFTOTEXT and PDFINFO),
    reason="LibreOffice (soffice) or poppler-utils is absent (make test-deps installs them)",
)


def to_pdf(workbook: Path, folder: Path) -> Path:
    """``workbook`` printed to PDF by LibreOffice, as a person printing it would get it."""
    assert SOFFICE is not None
    profile = folder / "lo-profile"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(workbook),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = folder / (workbook.stem + ".pdf")
    assert pdf.exists(), f"LibreOffice wrote no {pdf.name}"
    return pdf


def page_count(pdf: Path) -> int:
    info = subprocess.run([PDFINFO, str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def page_size(pdf: Path) -> str:
    info = subprocess.run([PDFINFO, str(pdf)], check=True, capture_output=True, text=True).stdout
    return next(line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("Page size:"))


def pages_text(pdf: Path) -> list[str]:
    """The text of each page, laid out as printed."""
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return text.split("\f")[: page_count(pdf)]
