"""Finding a queue by what a clerk types: Chinese, pinyin initials (企业登记 -> qydj), full
pinyin, the ticket prefix (A) or the English name. Clerks' keyboards often have no Chinese
input method switched on, so initials are the usual way."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pypinyin import Style, lazy_pinyin


def initials(text: str) -> str:
    """企业登记 -> qydj; letters and digits are kept (lower case), other signs dropped."""
    return "".join(p[:1] for p in lazy_pinyin(text, style=Style.FIRST_LETTER)
                   if p[:1].isalnum()).lower()


def pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text)).lower()


@dataclass(frozen=True)
class QueueEntry:
    id: int
    code: str
    prefix: str
    name_zh: str
    name_en: str
    initials: str
    pinyin: str

    @classmethod
    def of(cls, queue: dict[str, Any]) -> QueueEntry:
        name = str(queue.get("name_zh") or "")
        return cls(int(queue["id"]), str(queue.get("code") or ""), str(queue.get("prefix") or ""),
                   name, str(queue.get("name_en") or ""), initials(name), pinyin(name))


class QueueIndex:
    def __init__(self, queues: Iterable[dict[str, Any]]) -> None:
        self.entries = sorted((QueueEntry.of(q) for q in queues if q.get("active", True)),
                              key=lambda e: (e.prefix, e.id))

    def __len__(self) -> int:
        return len(self.entries)

    def by_id(self, queue_id: int) -> QueueEntry | None:
        return next((e for e in self.entries if e.id == queue_id), None)

    def search(self, query: str, *, exclude: int | None = None, limit: int = 200) -> list[QueueEntry]:
        """Best matches first: the exact prefix, then Chinese text, initials, pinyin, the
        English name or code. An empty query lists every queue."""
        q = "".join(query.split()).lower()
        ranked: list[tuple[int, int, QueueEntry]] = []
        for order, entry in enumerate(self.entries):
            if entry.id == exclude:
                continue
            rank = _rank(entry, q)
            if rank is not None:
                ranked.append((rank, order, entry))
        ranked.sort(key=lambda r: (r[0], r[1]))
        return [entry for _, _, entry in ranked[:limit]]


def _rank(entry: QueueEntry, q: str) -> int | None:
    if not q:
        return 0
    if entry.prefix.lower() == q:
        return 0
    if q in entry.name_zh.lower():
        return 1 if entry.name_zh.lower().startswith(q) else 2
    if entry.initials.startswith(q):
        return 3
    if entry.pinyin.startswith(q):
        return 4
    if q in entry.initials:
        return 5
    if q in entry.pinyin:
        return 6
    if q in entry.name_en.lower() or q in entry.code.lower():
        return 7
    if entry.prefix.lower().startswith(q):
        return 8
    return None
