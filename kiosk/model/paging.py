"""Pages of tiles: a touch screen shows a page and big Previous/Next buttons, never a
scroll bar an elderly visitor would have to drag."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

# Tiles per page: (columns, rows) by orientation and text size. Large text (twice the
# letters) means fewer, larger tiles: at most four choices at a time, each at least twice
# as large as in the standard layout.
GRIDS: dict[tuple[bool, bool], tuple[int, int]] = {
    # (portrait, elder) -> (columns, rows)
    (False, False): (3, 3),
    (False, True): (2, 2),
    (True, False): (2, 5),
    (True, True): (1, 4),
}
# Rows of names (service items, search results, companies): (columns, rows).
LISTS: dict[tuple[bool, bool], tuple[int, int]] = {
    (False, False): (2, 4),
    (False, True): (1, 3),
    (True, False): (1, 8),
    (True, True): (1, 4),
}


def grid(portrait: bool, elder: bool) -> tuple[int, int]:
    return GRIDS[(portrait, elder)]


def tiles_per_page(portrait: bool, elder: bool) -> int:
    columns, rows = grid(portrait, elder)
    return columns * rows


def list_grid(portrait: bool, elder: bool) -> tuple[int, int]:
    return LISTS[(portrait, elder)]


def rows_per_page(portrait: bool, elder: bool) -> int:
    """Entries of a list page (service items, search results, companies)."""
    columns, rows = list_grid(portrait, elder)
    return columns * rows


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    number: int          # 1-based
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_of(items: Sequence[T], number: int, size: int) -> Page[T]:
    """Page ``number`` (clamped to the pages there are) of ``items``, ``size`` a page."""
    size = max(1, size)
    pages = max(1, -(-len(items) // size))
    number = min(max(1, number), pages)
    start = (number - 1) * size
    return Page(tuple(items[start:start + size]), number, pages, len(items))
