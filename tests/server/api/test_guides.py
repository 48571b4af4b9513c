"""Service guides over real HTTP: search by keyword, material, condition, department and pinyin
initials; one item's guide with its department and the windows that serve it."""

from __future__ import annotations

import json
from copy import deepcopy
from datetime import UTC, datetime

from hallq.server.catalog import CatalogFile, import_catalog, load_catalog_file
from hallq.server.cli import DEMO_CATALOG
from hallq.server.credit import guides
from hallq.server.credit.scrub import leaks
from hallq.server.models import ServiceItem
from hallq.server.services.actors import SYSTEM
from sqlalchemy import select

from tests.support.hall import small_catalog

RESULT_KEYS = {"id", "code", "name_zh", "name_en", "department_id", "department_name_zh", "department_name_en",
               "promised_days"}
GUIDE = {
    "conditions_zh": ["申请人为依法设立的市场主体", "住所符合规划用途"],
    "materials": [{"name_zh": "公司登记（备案）申请书", "originals": 1, "template": True},
                  {"name_zh": "法定代表人身份证明", "originals": 1, "copies": 1}],
    "process_zh": ["申请", "受理", "审核", "发照"],
    "legal_basis_zh": ["《中华人民共和国市场主体登记管理条例》"],
    "promised_days": 1, "statutory_days": 3, "online_url": "https://zwfw.example.gov.cn/amr-001",
    "phone": "0731-88561000",
}


def with_guides(catalog: dict) -> dict:
    data = deepcopy(catalog)
    data["departments"][0].update(floor=2, zone="B", phone="0731-88560001")
    data["windows"][0].update(floor=2, zone="B")
    data["services"][0]["guide"] = GUIDE
    data["services"][2]["guide"] = {"materials": [{"name_zh": "发票领用簿"}], "conditions_zh": ["已办理税务登记"],
                                    "promised_days": 0}
    return data


def reimport(db, data: dict) -> None:
    with db.write() as s:
        import_catalog(s, CatalogFile.parse(data), actor=SYSTEM, now=datetime.now(UTC))


def test_search_and_guide_contracts(live):
    data = with_guides(small_catalog())
    reimport(live.hall.db, data)
    services, amr = live.hall.services, None
    with live.client("kiosk") as kiosk:
        def codes(**params: object) -> list[str]:
            answer = kiosk.get("/guides/search", params=params)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert set(body) == {"results", "total"} and all(set(r) == RESULT_KEYS for r in body["results"])
            return [r["code"] for r in body["results"]]

        assert codes(q="设立登记") == ["amr-001"]                       # name
        assert codes(q="申请书") == ["amr-001"]                         # a material
        assert codes(q="规划用途") == ["amr-001"]                       # a condition
        assert codes(q="qysl") == ["amr-001"]                          # pinyin initials
        assert codes(q="发票") == ["tax-001"]                           # name and material, once
        assert codes(q="税务登记") == ["tax-001"]
        assert codes(q="申请 发照") == []                               # every word must match
        assert sorted(codes()) == ["amr-001", "amr-002", "grn-001", "tax-001"]
        tax = kiosk.get("/departments").json()[1]["id"]
        assert codes(department_id=tax) == ["tax-001"]
        first = kiosk.get("/guides/search", params={"limit": 1}).json()
        assert (len(first["results"]), first["total"]) == (1, 4)
        hit = kiosk.get("/guides/search", params={"q": "设立"}).json()["results"][0]
        assert (hit["department_name_zh"], hit["promised_days"]) == ("市场监督管理局", 1)
        too_long = kiosk.get("/guides/search", params={"q": "证" * 51})
        assert (too_long.status_code, too_long.json()["error"]["code"]) == (422, "invalid_value")

        item = kiosk.get(f"/guides/{services['amr-001']}").json()
        assert item["guide"]["materials"][0]["name_zh"] == "公司登记（备案）申请书"
        assert item["guide"]["promised_days"] == 1 and item["guide"]["statutory_days"] == 3
        amr = item["department"]
        assert {k: amr[k] for k in ("name_zh", "floor", "zone", "phone")} == {
            "name_zh": "市场监督管理局", "floor": 2, "zone": "B", "phone": "0731-88560001"}
        assert [w["number"] for w in item["windows"]] == [1, 2, 3, 9]     # every window serving amr-reg
        assert item["windows"][0] == {"number": 1, "name_zh": "1号窗口", "name_en": "Window 1", "floor": 2,
                                      "zone": "B"}
        assert [w["number"] for w in kiosk.get(f"/guides/{services['tax-001']}").json()["windows"]] == [3]
        unknown = kiosk.get("/guides/999999")
        assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "unknown_service")


def test_guide_search_follows_catalog_changes_and_roles(live):
    data = with_guides(small_catalog())
    reimport(live.hall.db, data)
    data["services"][0]["guide"]["materials"][0]["name_zh"] = "企业开办一件事申请表"
    data["services"][1]["active"] = False
    reimport(live.hall.db, data)
    with live.client("display") as display:
        def codes(q: str) -> list[str]:
            return [r["code"] for r in display.get("/guides/search", params={"q": q}).json()["results"]]

        assert codes("申请书") == [] and codes("一件事") == ["amr-001"]
        assert codes("食品") == []                                       # inactive items are not shown
        assert display.get(f"/guides/{live.hall.services['amr-002']}").status_code == 404
    for role, status in (("kiosk", 200), ("clerk", 200), ("admin", 200), ("counter", 403), (None, 401)):
        with live.client(role) as http:
            assert http.get("/guides/search", params={"q": "发票"}).status_code == status, role
            assert http.get(f"/guides/{live.hall.services['tax-001']}").status_code == status, role


def test_every_demo_item_has_a_guide_and_a_window(db):
    """On the demo hall's 363 items: each has somewhere to go, and keyword search finds items
    by material across departments."""
    with db.write() as s:
        import_catalog(s, CatalogFile.parse(load_catalog_file(DEMO_CATALOG)), actor=SYSTEM, now=datetime.now(UTC))
    with db.read() as s:
        ids = s.scalars(select(ServiceItem.id).where(ServiceItem.active.is_(True))).all()
        assert len(ids) == 363
        for service_id in ids:
            item = guides.guide(s, service_id)
            assert item["windows"], item["code"]
            assert item["guide"]["materials"] and item["guide"]["process_zh"], item["code"]
            assert leaks(json.dumps(item, ensure_ascii=False)) == [], item["code"]
        found, total = guides.search_guides(s, "营业执照", department_id=None, limit=100)
        assert total == len(found) and total >= 5
        assert len({r["department_id"] for r in found}) >= 2
        initials, _ = guides.search_guides(s, "qysldj", department_id=None, limit=10)
        assert initials and initials[0]["name_zh"].startswith("企业设立登记")
