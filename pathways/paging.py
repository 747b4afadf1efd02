"""Pages of a long list: which rows, and which page links to show (the DSFR pagination)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from pathways.security.ids import parse_int

T = TypeVar("T")

PAGE_SIZE = 50


@dataclass(frozen=True)
class Window:
    """Where page ``page`` of ``total`` rows starts, the page clamped to those that exist."""

    total: int
    page: int
    size: int = PAGE_SIZE

    @classmethod
    def of(cls, total: int, page: int, size: int = PAGE_SIZE) -> Window:
        pages = max(1, -(-total // size))
        return cls(total=total, page=min(max(1, page), pages), size=size)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


@dataclass(frozen=True)
class Paged(Generic[T]):
    """One page of rows and where it sits in the whole list."""

    rows: list[T]
    total: int
    page: int
    pages: int

    @classmethod
    def of(cls, rows: list[T], window: Window) -> Paged[T]:
        return cls(rows=rows, total=window.total, page=window.page, pages=window.pages)

    def links(self, around: int = 2) -> list[int | None]:
        """The page numbers to link to: the first, the last, and those around this one (``None``: a gap)."""
        wanted = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        numbers = sorted(n for n in wanted if 1 <= n <= self.pages)
        links: list[int | None] = []
        for number in numbers:
            if links and number - (links[-1] or 0) > 1:
                links.append(None)
            links.append(number)
        return links


def page_argument(value: str | None) -> int:
    """The page asked for in a query string; anything odd is the first page."""
    return parse_int(value, low=1, high=999_999) or 1
