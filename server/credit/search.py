"""What a visitor typed, and how the database finds it.

A query is one of three kinds:
- ``code``: letters and digits with at least one digit. Eighteen characters are looked up
  exactly; a check character that fails gives the warning ``check_character`` (codes that fail
  circulate, so the search goes on), characters outside the code alphabet give ``shape``.
  Shorter runs match anywhere inside codes.
- ``initials``: letters only, matched inside the pinyin initials of names (华瑞建材 -> hrjc).
- ``name``: anything else, matched as substrings of the name; several words must all match.

Substring matching is indexed: on SQLite through FTS5 trigram tables (terms of three or more
characters; shorter ones fall back to LIKE, since FTS5 trigram cannot match them), on
PostgreSQL through pg_trgm GIN indexes that serve LIKE directly.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from pypinyin.seg.simpleseg import seg
from sqlalchemy import ColumnElement, Select, and_, func, literal_column, select, text, true
from sqlalchemy.orm import QueryableAttribute, Session

from hallq.identifiers import check_credit_code

from ..catalog.pinyin import initials
from ..engine import QueueError
from ..models.credit import CreditCompany, CreditNameGram

MAX_QUERY = 60
Kind = Literal["code", "name", "initials"]


@dataclass(frozen=True)
class ParsedQuery:
    text: str                  # the normalized query
    kind: Kind
    terms: tuple[str, ...]     # what must all match
    warning: str | None = None


def name_grams(name: str) -> set[str]:
    """The pairs of adjacent characters of ``name``, lower case: 华瑞建材 -> 华瑞, 瑞建, 建材."""
    text = name.lower()
    return {text[i:i + 2] for i in range(len(text) - 1) if not text[i:i + 2].isspace()}


@lru_cache(maxsize=65536)
def _segment_initials(segment: str) -> str:
    return initials(segment)


def name_initials(name: str) -> str:
    """Pinyin initials of a company name (湘江市华瑞建材 -> xjshrjc). pypinyin converts word by
    word after its own segmentation; doing the same with a cache per word gives the same
    letters at a fraction of the cost, which matters for imports of 100,000 names."""
    return "".join(_segment_initials(word) for word in seg(name))


def printable(raw: str | None) -> str:
    """NFKC (full-width letters and digits from kiosk keyboards become ASCII), control and
    unassigned characters dropped, runs of spaces collapsed."""
    value = unicodedata.normalize("NFKC", raw or "")
    value = "".join(" " if ch.isspace() else ch for ch in value if ch.isspace() or unicodedata.category(ch)[0] != "C")
    return re.sub(r" +", " ", value).strip()


def parse_query(raw: str | None) -> ParsedQuery:
    """Classify and normalize a search; QueueError ``invalid_value`` when it is empty or too long."""
    value = printable(raw)
    if not value:
        raise QueueError("invalid_value", "type a name, pinyin initials or a credit code", field="q", reason="empty")
    if len(value) > MAX_QUERY:
        raise QueueError("invalid_value", f"a search is at most {MAX_QUERY} characters", field="q",
                         reason="too_long")
    compact = re.sub(r"[\s\-]", "", value)
    if compact.isascii() and compact.isalnum():
        if any(ch.isdigit() for ch in compact):
            code = compact.upper()
            warning = None
            if len(code) == 18:
                check = check_credit_code(code)
                warning = None if check.ok else ("check_character" if check.code == "check" else "shape")
            return ParsedQuery(code, "code", (code,), warning)
        letters = compact.lower()
        return ParsedQuery(letters, "initials", (letters,))
    terms = tuple(t for t in value.split(" ") if t)
    return ParsedQuery(value, "name", terms)


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def substring_filter(session: Session, col: ColumnElement[str] | QueryableAttribute[str], terms: tuple[str, ...],
                     *, fts_table: str, fts_column: str, fts_key: ColumnElement[int] | QueryableAttribute[int]
                     ) -> ColumnElement[bool]:
    """All ``terms`` inside ``col``, using the dialect's index: on SQLite an FTS5 trigram MATCH
    on ``fts_column`` of ``fts_table`` (whose rowid is ``fts_key``) for terms of 3+ characters,
    LIKE for shorter ones; on PostgreSQL ILIKE, which the pg_trgm index serves."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    conditions: list[ColumnElement[bool]] = []
    long_terms = [t for t in terms if len(t) >= 3] if sqlite else []
    if long_terms:
        match = " AND ".join(f"{fts_column} : {_phrase(t)}" for t in long_terms)
        matched: Select[tuple[Any]] = select(literal_column("rowid")).select_from(text(fts_table)).where(
            literal_column(fts_table).op("MATCH")(match))
        conditions.append(fts_key.in_(matched))
    for term in terms:
        if term not in long_terms:
            # ILIKE on PostgreSQL (pg_trgm serves it) matches SQLite, whose LIKE and FTS5 trigram
            # ignore the case of ASCII letters.
            like = col.like if sqlite else col.ilike
            conditions.append(like(_like(term), escape="\\"))
    return and_(*conditions) if conditions else true()


def find_companies(session: Session, query: ParsedQuery, limit: int) -> list[CreditCompany]:
    """Companies matching ``query``, best first: exact matches, then shorter names."""
    c = CreditCompany
    if query.kind == "code" and len(query.text) == 18:
        return list(session.scalars(select(c).where(c.code == query.text)))
    col = {"code": c.code, "name": c.name, "initials": c.initials}[query.kind]
    terms = query.terms
    pairs: list[ColumnElement[bool]] = []
    if query.kind == "name":
        # Two characters (华瑞: the way people remember a company) are below the trigram size:
        # the table of name character pairs answers them.
        for term in (t for t in terms if len(t) == 2):
            pairs.append(c.id.in_(select(CreditNameGram.company_id).where(CreditNameGram.gram == term.lower())))
        terms = tuple(t for t in terms if len(t) != 2)
    where = and_(*pairs, substring_filter(session, col, terms, fts_table="credit_companies_fts",
                                          fts_column=query.kind, fts_key=c.id))
    stmt = (select(c).where(where)
            .order_by((col == query.text).desc(), func.length(col), c.name, c.id).limit(limit))
    return list(session.scalars(stmt))
