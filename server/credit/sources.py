"""Where credit records come from: the hall's own tables, or the city platform's HTTP service.

Settings.credit_source chooses: ``local`` (records imported with ``hallq credit import``) or
``http`` (every look-up asks Settings.credit_http_url; nothing is stored). Both answer in the
same shapes (views.py), and both pass records through the same validation and masking.

The HTTP service's interface (FORMAT.md, "HTTP service"):
  GET {base}/companies?q=...&kind=code|name|initials&limit=N -> {"results": [company, ...]}
  GET {base}/companies/{code} -> company, or 404
where a company is an object of the JSON import format.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime
from typing import Any, Protocol

import httpx
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..db import Database
from ..engine import QueueError
from ..models.credit import CreditCompany, CreditLicence, CreditListEntry, CreditPenalty
from ..settings import Settings
from . import views
from .importer import transient_company
from .records import CompanyIn, normalize_code
from .search import ParsedQuery, find_companies

log = logging.getLogger(__name__)


class CreditSource(Protocol):
    """Answers credit searches and record look-ups."""

    name: str

    def search(self, query: ParsedQuery, *, limit: int, today: date) -> list[dict[str, Any]]:
        """Summaries of the companies matching ``query``, best first."""
        ...

    def company(self, code: str, *, today: date) -> dict[str, Any] | None:
        """The full record of ``code`` (normalized), or None when there is none."""
        ...

    def close(self) -> None:
        ...


class LocalSource:
    """The credit tables of the hall's database."""

    name = "local"

    def __init__(self, db: Database) -> None:
        self.db = db

    def search(self, query: ParsedQuery, *, limit: int, today: date) -> list[dict[str, Any]]:
        with self.db.read() as s:
            companies = find_companies(s, query, limit)
            ids = [c.id for c in companies]
            if not ids:
                return []
            penalties = {k: n for k, n in s.execute(select(CreditPenalty.company_id, func.count()).where(
                CreditPenalty.company_id.in_(ids)).group_by(CreditPenalty.company_id))}
            licences = {k: n for k, n in s.execute(select(CreditLicence.company_id, func.count()).where(
                CreditLicence.company_id.in_(ids)).group_by(CreditLicence.company_id))}
            entries: dict[int, list[CreditListEntry]] = {}
            for e in s.scalars(select(CreditListEntry).where(CreditListEntry.company_id.in_(ids))):
                entries.setdefault(e.company_id, []).append(e)
            return [views.summary(c, penalties=penalties.get(c.id, 0), licences=licences.get(c.id, 0),
                                  lists=views.current_lists(entries.get(c.id, []), today)) for c in companies]

    def company(self, code: str, *, today: date) -> dict[str, Any] | None:
        with self.db.read() as s:
            c = s.scalars(select(CreditCompany).where(CreditCompany.code == code).options(
                selectinload(CreditCompany.licences), selectinload(CreditCompany.penalties),
                selectinload(CreditCompany.list_entries))).first()
            return None if c is None else views.record(c)

    def close(self) -> None:
        pass


class HttpSource:
    """The city credit platform's HTTP service at ``base_url``."""

    name = "http"

    def __init__(self, base_url: str, *, token: str | None = None, timeout: float = 5.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.client = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout,
                                   transport=transport)

    def _get(self, path: str, **params: Any) -> httpx.Response | None:
        try:
            response = self.client.get(path, params=params or None)
        except httpx.HTTPError as exc:
            log.warning("credit platform unreachable: %s", exc)
            raise QueueError("credit_unavailable", "the credit platform does not answer; try again later") from None
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            log.warning("credit platform answered %s to %s", response.status_code, path)
            raise QueueError("credit_unavailable", f"the credit platform answered {response.status_code}",
                             status=response.status_code)
        return response

    def _records(self, items: Any) -> list[CreditCompany]:
        now = datetime.now(UTC)
        out = []
        for item in items if isinstance(items, list) else []:
            try:
                out.append(transient_company(CompanyIn.model_validate(item), now))
            except ValidationError as exc:
                # One bad record from the platform must not hide the others.
                log.warning("credit platform sent an invalid record (%s): %s",
                            item.get("code") if isinstance(item, dict) else "?", exc.errors()[:3])
        return out

    def search(self, query: ParsedQuery, *, limit: int, today: date) -> list[dict[str, Any]]:
        response = self._get("/companies", q=query.text, kind=query.kind, limit=limit)
        body = _json(response) if response is not None else {}
        return [views.summary(c, penalties=len(c.penalties), licences=len(c.licences),
                              lists=views.current_lists(c.list_entries, today))
                for c in self._records(body.get("results") if isinstance(body, dict) else None)[:limit]]

    def company(self, code: str, *, today: date) -> dict[str, Any] | None:
        response = self._get(f"/companies/{code}")
        if response is None:
            return None
        found = [c for c in self._records([_json(response)]) if c.code == normalize_code(code)]
        return views.record(found[0]) if found else None

    def close(self) -> None:
        self.client.close()


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise QueueError("credit_unavailable", "the credit platform answered something that is not JSON") from None


_lock = threading.Lock()


def make_source(settings: Settings, db: Database) -> CreditSource:
    """The source Settings.credit_source names."""
    if settings.credit_source == "http":
        if not settings.credit_http_url:
            raise QueueError("credit_unavailable", "credit_source is http but credit_http_url is not set")
        return HttpSource(settings.credit_http_url, token=settings.credit_http_token,
                          timeout=settings.credit_http_timeout_s)
    return LocalSource(db)


def source_for(state: Any, settings: Settings, db: Database) -> CreditSource:
    """One source per application (its HTTP connections are reused), made on first use."""
    source: CreditSource | None = getattr(state, "credit_source", None)
    if source is None:
        with _lock:
            source = getattr(state, "credit_source", None)
            if source is None:
                source = make_source(settings, db)
                state.credit_source = source
    return source
