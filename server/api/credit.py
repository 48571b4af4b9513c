"""The enterprise credit query terminal: search and full records, rate limited and logged."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from ..credit import lookups
from ..credit.sources import source_for
from ..services.actors import Actor, Role
from .deps import STAFF, DbDep, NowDep, SettingsDep, require

router = APIRouter(tags=["credit"])
Asker = Annotated[Actor, Depends(require(Role.KIOSK, *STAFF))]


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


@router.get("/credit/search")
def search(request: Request, db: DbDep, now: NowDep, settings: SettingsDep, actor: Asker,
           q: Annotated[str | None, Query(description="A unified social credit code, part of a name, or the "
                                                      "name's pinyin initials (hrjc); at most 60 characters")] = None,
           limit: Annotated[int, Query(ge=1, le=lookups.SEARCH_LIMIT)] = 20) -> dict[str, Any]:
    """Companies matching ``q``; ``kind`` says how it was read, ``warning`` flags a credit code
    whose check character fails (the search still runs)."""
    return lookups.search(db, source_for(request.app.state, settings, db), q, limit=limit, actor=actor, now=now,
                          per_minute=settings.credit_queries_per_minute, address=_address(request))


@router.get("/credit/companies/{code}")
def company(request: Request, db: DbDep, now: NowDep, settings: SettingsDep, actor: Asker,
            code: Annotated[str, Path(max_length=40, description="Unified social credit code")]) -> dict[str, Any]:
    """The full credit record: registration, licences, penalties, lists, tax grade, sources."""
    return lookups.company(db, source_for(request.app.state, settings, db), code, actor=actor, now=now,
                           per_minute=settings.credit_queries_per_minute, address=_address(request))
