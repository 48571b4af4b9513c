"""Service guides for the kiosks and touch screens: search, and one item's guide with where to go."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from ..credit import guides
from ..services.actors import Actor, Role
from .deps import STAFF, DbDep, require
from .schemas import IdPath, IdQuery

router = APIRouter(tags=["guides"])
Reader = Annotated[Actor, Depends(require(Role.KIOSK, Role.DISPLAY, *STAFF))]


@router.get("/guides/search")
def search(db: DbDep, _actor: Reader,
           q: Annotated[str | None, Query(description="Words of the item's name, materials or conditions, "
                                                      "or pinyin initials (gsdj); at most 50 characters")] = None,
           department_id: IdQuery = None,
           limit: Annotated[int, Query(ge=1, le=100)] = 20) -> dict[str, Any]:
    """Service items matching every word of ``q``, those whose name matches first."""
    with db.read() as s:
        results, total = guides.search_guides(s, q, department_id=department_id, limit=limit)
    return {"results": results, "total": total}


@router.get("/guides/{service_id}")
def guide(service_id: IdPath, db: DbDep, _actor: Reader) -> dict[str, Any]:
    """The item's guide, its department, and the windows that serve it (where to go)."""
    with db.read() as s:
        return guides.guide(s, service_id)
