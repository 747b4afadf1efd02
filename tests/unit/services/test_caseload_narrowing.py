"""A long list sorted by alerts is first ranked on the pathways alone: the same pages, row for row.

``caseload._leading`` finds the rows up to the end of the page without the
persons' names, then the list's own query orders that prefix by names among
equal keys. On the demo platform, with pages of 3 so that many pages end in
the middle of a run of rows with the same alerts and the same last contact,
every page is the page the one-pass query gives, both ways.
"""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from pathways import clock
from pathways.demo import seed_demo
from pathways.models import Pathway, Platform
from pathways.services import caseload as caseload_module
from pathways.services.caseload import CaseloadFilters, Sort, caseload

PAGE = 3


def every_page(session, scope, descending: bool, today) -> list[list]:
    first = caseload(session, scope, CaseloadFilters(descending=descending), today=today, page_size=PAGE)
    return [
        caseload(
            session, scope, CaseloadFilters(descending=descending, page=page), today=today, page_size=PAGE
        ).rows
        for page in range(1, first.pages + 1)
    ]


@pytest.mark.parametrize("descending", [True, False], ids=["most-alerts-first", "fewest-first"])
def test_narrowed_pages_are_the_one_pass_pages(session, monkeypatch, descending) -> None:
    seed_demo(session, persons=120)
    scope = Pathway.platform_id == session.scalar(sa.select(Platform.id))
    today = clock.today()
    monkeypatch.setattr(caseload_module, "NARROW_FROM", 10**9)
    one_pass = every_page(session, scope, descending, today)

    narrowed: list[bool] = []
    leading = caseload_module._leading

    def spied(*args, **kwargs):
        found = leading(*args, **kwargs)
        narrowed.append(found is not None)
        return found

    monkeypatch.setattr(caseload_module, "NARROW_FROM", 1)
    monkeypatch.setattr(caseload_module, "NARROW_UNTIL", 10**6)
    monkeypatch.setattr(caseload_module, "_leading", spied)
    assert every_page(session, scope, descending, today) == one_pass
    assert narrowed
    assert all(narrowed)

    # Not a comparison of easy pages: some end inside a run of equal keys whose names
    # are not in the order of the pathways' ids, which only the tied rows kept can get right.
    def keys(row) -> tuple:
        return (len(row.alerts), row.last_contact)

    split_runs = [
        (page, following)
        for page, following in itertools.pairwise(one_pass)
        if keys(page[-1]) == keys(following[0])
    ]
    assert split_runs
    assert any(page[-1].pathway_id > following[0].pathway_id for page, following in split_runs)


def test_a_short_list_or_another_sort_is_not_narrowed(session, monkeypatch) -> None:
    seed_demo(session, persons=30)
    scope = Pathway.platform_id == session.scalar(sa.select(Platform.id))
    results: list[object] = []
    leading = caseload_module._leading
    monkeypatch.setattr(
        caseload_module, "_leading", lambda *a, **k: results.append(leading(*a, **k)) or results[-1]
    )
    caseload(session, scope, CaseloadFilters())
    caseload(session, scope, CaseloadFilters(sort=Sort.NAME))
    assert results == [None, None]
