"""Service guides (办事指南): search the hall's items, read one item's guide (materials,
conditions, steps, time limit, fees, legal basis, where to go) and print its materials
checklist. Guides come from the server, or from the catalog's copy on disk when the
server is away."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from hallq.hardware.printer import GuideChecklist, MaterialItem

from hallq.client import ApiError, HallClient

from .connection import unavailable
from .context import Context
from .formatting import name, parse_time
from .printing import PrintOutcome
from .tickets import Refused, refused

log = logging.getLogger(__name__)

SEARCH_LIMIT = 100
# Wording that marks a material as needed only in some cases (the catalog has no flag).
_CONDITIONAL = ("如有", "时提供", "时需提供", "（适用", "(适用")


def fetch_guide(client: HallClient, service_id: int) -> dict[str, Any]:
    """``GET /guides/{id}``; on a server without the guides API, the item with its guide."""
    try:
        return client.get(f"/guides/{service_id}")
    except ApiError as exc:
        if exc.code != "not_found":
            raise
    item = client.service(service_id)
    return {**item, "guide": item.get("guide") or {}, "department": None, "windows": []}


def search_guides(client: HallClient, query: str, department_id: int | None) -> dict[str, Any]:
    try:
        return client.get("/guides/search", q=query or None, department_id=department_id, limit=SEARCH_LIMIT)
    except ApiError as exc:
        if exc.code != "not_found":
            raise
    items = client.services(department_id=department_id, q=query or None)
    return {"results": items[:SEARCH_LIMIT], "total": len(items)}


@dataclass(frozen=True)
class Material:
    name: str
    originals: int
    copies: int
    template: bool
    note: str
    required: bool


@dataclass(frozen=True)
class GuideView:
    """One item's guide in the visitor's language, ready for the screen."""

    service_id: int
    code: str
    name: str
    name_zh: str
    department: str
    department_zh: str
    materials: tuple[Material, ...]
    conditions: tuple[str, ...]
    process: tuple[str, ...]
    promised_days: int | None
    statutory_days: int | None
    fee: str
    fee_zh: str
    fee_basis: str
    legal_basis: tuple[str, ...]
    floor: int | None
    zone: str
    windows: tuple[int, ...]
    phone: str
    online_url: str
    cached: bool = False


def _lines(guide: dict[str, Any], key: str, language: str) -> tuple[str, ...]:
    zh = [str(x) for x in guide.get(f"{key}_zh") or []]
    if language == "en":
        en = [str(x) for x in guide.get(f"{key}_en") or []]
        if en:
            return tuple(en)
    return tuple(zh)


def guide_view(data: dict[str, Any], language: str, department: dict[str, Any] | None = None,
               cached: bool = False) -> GuideView:
    """Build the screen's view of a ``GET /guides/{id}`` answer."""
    guide = data.get("guide") or {}
    dept = data.get("department") or department or {}
    materials = []
    for m in guide.get("materials") or []:
        zh_name = str(m.get("name_zh") or "")
        shown = str(m.get("name_en") or "") if language == "en" and m.get("name_en") else zh_name
        note = str(m.get("note_en") or "") if language == "en" and m.get("note_en") else str(m.get("note_zh") or "")
        materials.append(Material(shown, int(m.get("originals") or 0), int(m.get("copies") or 0),
                                  bool(m.get("template")), note,
                                  required=not any(w in zh_name + str(m.get("note_zh") or "") for w in _CONDITIONAL)))
    fee_zh = str(guide.get("fee_zh") or "")
    return GuideView(
        service_id=int(data["id"]), code=str(data.get("code") or ""), name=name(data, language),
        name_zh=str(data.get("name_zh") or ""), department=name(dept, language),
        department_zh=str(dept.get("name_zh") or ""), materials=tuple(materials),
        conditions=_lines(guide, "conditions", language), process=_lines(guide, "process", language),
        promised_days=guide.get("promised_days"), statutory_days=guide.get("statutory_days"),
        fee=str(guide.get("fee_en") or fee_zh) if language == "en" else fee_zh, fee_zh=fee_zh,
        fee_basis=str(guide.get("fee_basis_zh") or ""),
        legal_basis=tuple(str(x) for x in guide.get("legal_basis_zh") or []),
        floor=dept.get("floor"), zone=str(dept.get("zone") or ""),
        windows=tuple(int(w["number"]) for w in data.get("windows") or []),
        phone=str(guide.get("phone") or dept.get("phone") or ""), online_url=str(guide.get("online_url") or ""),
        cached=cached)


def time_limit_zh(view: GuideView) -> str:
    if view.promised_days is None:
        return ""
    return "即办" if view.promised_days == 0 else f"{view.promised_days}个工作日"


class GuideBrowser:
    """Search and read guides; one per kiosk, reset for each visitor."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.reset()

    def reset(self) -> None:
        self.query = ""
        self.department_id: int | None = None
        self.results: list[dict[str, Any]] = []
        self.total = 0
        self.cached = False
        self.current: dict[str, Any] | None = None   # the guide answer being read
        self.current_cached = False
        self.printed: PrintOutcome | None = None
        self.refused: Refused | None = None

    @property
    def browsing(self) -> bool:
        """Nothing chosen yet: the screen shows departments to pick from."""
        return not self.query and self.department_id is None

    def search(self, query: str | None = None, department_id: int | None = None) -> list[dict[str, Any]]:
        """Blocks: items matching ``query`` (pinyin initials or Chinese) in ``department_id``;
        from the copy on disk when the server is away."""
        self.query = (query or "").strip()[:50]
        self.department_id = department_id
        self.refused = None
        connection = self.ctx.connection
        if connection.client is not None:
            try:
                found = connection.call(lambda c: search_guides(c, self.query, department_id))
                self.results, self.total, self.cached = list(found.get("results") or []), \
                    int(found.get("total") or 0), False
                return self.results
            except ApiError as exc:
                if not unavailable(exc):
                    self.refused = refused(exc)
                    self.results, self.total = [], 0
                    return self.results
        local = self.ctx.catalog.search_services(self.query, department_id)
        self.results, self.total, self.cached = local[:SEARCH_LIMIT], len(local), True
        return self.results

    def open(self, service_id: int) -> dict[str, Any] | None:
        """Blocks: one item's guide (the server's, else the copy); None when neither has it."""
        self.printed = None
        self.refused = None
        catalog = self.ctx.catalog
        connection = self.ctx.connection
        if connection.client is not None:
            try:
                found = connection.call(lambda c: fetch_guide(c, service_id))
                catalog.keep_guide(service_id, found)
                self.current, self.current_cached = found, False
                return found
            except ApiError as exc:
                if not unavailable(exc):
                    self.refused = refused(exc)
                    self.current = None
                    return None
        data = catalog.cached_guide(service_id)
        self.current, self.current_cached = data, data is not None
        if data is None:
            self.refused = Refused("unreachable", retry=True)
        return data

    def view(self, language: str) -> GuideView | None:
        if self.current is None:
            return None
        dept = self.ctx.catalog.department(int(self.current.get("department_id") or 0))
        return guide_view(self.current, language, dept, cached=self.current_cached)

    def checklist(self) -> GuideChecklist:
        """The materials checklist of the guide being read, as printed (in Chinese: the
        documents a window asks for carry Chinese names)."""
        view = self.view("zh")
        if view is None:
            raise ValueError("no guide open")
        hall = self.ctx.catalog.hall
        printed_at = parse_time(self.ctx.now().isoformat(), hall.get("timezone")) or self.ctx.now()
        items = tuple(MaterialItem(m.name, m.originals, m.copies, m.note, m.required) for m in view.materials)
        return GuideChecklist(hall_name=str(hall.get("name_zh") or ""), item_name=view.name_zh,
                              department=view.department_zh, materials=items, printed_at=printed_at,
                              time_limit=time_limit_zh(view), fee=view.fee_zh, guide_url=view.online_url)

    def print_checklist(self) -> PrintOutcome:
        """Blocks: print the materials checklist."""
        self.printed = self.ctx.printer.print_guide_checklist(self.checklist())
        return self.printed

    def describe(self) -> dict[str, Any]:
        return {"query": self.query, "department_id": self.department_id, "results": len(self.results),
                "total": self.total, "cached": self.cached,
                "open": None if self.current is None else int(self.current["id"]),
                "open_cached": self.current_cached,
                "printed": None if self.printed is None else self.printed.printed,
                "refused": None if self.refused is None else self.refused.code}
