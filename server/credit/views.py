"""The JSON shapes of credit records that the API returns, from stored or transient rows.

Text passes through :func:`scrub` once more on the way out: the importer already masked it,
but rows written by an older version or by hand must not leak either.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ..models.credit import LISTS, CreditCompany, CreditListEntry
from .scrub import scrub


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def current_lists(entries: list[CreditListEntry], today: date) -> list[str]:
    """The lists a company is on today, in the order abnormal, dishonest, red."""
    on = {e.list_code for e in entries
          if (e.included_on is None or e.included_on <= today) and (e.removed_on is None or e.removed_on > today)}
    return [name for name in LISTS if name in on]


def summary(c: CreditCompany, *, penalties: int, licences: int, lists: list[str]) -> dict[str, Any]:
    return {"code": c.code, "name": c.name, "status": c.status, "type": c.type,
            "established": _day(c.established), "legal_representative": scrub(c.legal_representative),
            "penalties": penalties, "licences": licences, "lists": lists, "tax_grade": c.tax_grade}


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def record(c: CreditCompany) -> dict[str, Any]:
    """The full record, without ``queried_at`` (the caller adds it)."""
    sources: list[str] = []
    for s in [c.source, c.tax_source if c.tax_grade else "",
              *(x.source for x in c.licences), *(x.source for x in c.penalties),
              *(x.source for x in c.list_entries)]:
        if s and s not in sources:
            sources.append(s)
    return {
        "registration": {
            "code": c.code, "code_checked": c.code_checked, "name": c.name, "type": c.type,
            "legal_representative": scrub(c.legal_representative), "registered_capital": c.registered_capital,
            "established": _day(c.established), "address": scrub(c.address),
            "business_scope": scrub(c.business_scope), "status": c.status, "authority": c.authority,
            "source": c.source, "updated": _day(c.source_updated),
        },
        "licences": [{"number": x.number, "name": x.name, "content": scrub(x.content), "authority": x.authority,
                      "decided_on": _day(x.decided_on), "valid_from": _day(x.valid_from),
                      "valid_to": _day(x.valid_to), "legal_basis": scrub(x.legal_basis), "source": x.source}
                     for x in c.licences],
        "penalties": [{"number": x.number, "kind": x.kind, "facts": scrub(x.facts), "content": scrub(x.content),
                       "amount": _amount(x.amount), "authority": x.authority, "decided_on": _day(x.decided_on),
                       "legal_basis": scrub(x.legal_basis), "source": x.source}
                      for x in c.penalties],
        "lists": [{"list": x.list_code, "reason": scrub(x.reason), "included_on": _day(x.included_on),
                   "removed_on": _day(x.removed_on), "authority": x.authority, "source": x.source}
                  for x in c.list_entries],
        "tax": {"grade": c.tax_grade, "year": c.tax_year, "source": c.tax_source} if c.tax_grade else None,
        "sources": sources,
    }
