"""The import pauses Python's cycle collector while it judges and writes a file, and gives it back.

A paused collector left paused would let a long-running worker's memory
grow with every cycle it makes: whatever happens to the import, it is
restored as it was.
"""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from bench.caseload import caseload_rows, write_xlsx
from pathways.imports.safety import FileRefused
from pathways.imports.service import import_file
from tests.factories import make_world


def test_paused_while_the_file_is_written_and_back_after(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    session.commit()
    rows = caseload_rows(
        12, today, adviser=world.adviser.email, delegate=world.delegate.email, territory=world.territory.name
    )
    seen: list[bool] = []
    report = import_file(
        session,
        world.platform,
        write_xlsx(tmp_path / "parcours.xlsx", rows),
        actor=world.manager,
        progress=lambda *_: seen.append(gc.isenabled()),
    )
    assert report.problems == []
    assert report.pathways_created == 12
    assert seen
    assert not any(seen)
    assert gc.isenabled()


def test_back_after_a_refused_file_and_left_off_when_it_was(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    session.commit()
    bogus = tmp_path / "parcours.xlsx"
    bogus.write_bytes(b"ceci n'est pas un classeur")
    with pytest.raises(FileRefused):
        import_file(session, world.platform, bogus, actor=world.manager)
    assert gc.isenabled()
    gc.disable()
    try:
        with pytest.raises(FileRefused):
            import_file(session, world.platform, bogus, actor=world.manager)
        assert not gc.isenabled()
    finally:
        gc.enable()
