"""Catalog administration over HTTP: departments, queues, service items, windows, the hall."""

from __future__ import annotations

from hallq.server.models import AuditEntry, LiveEvent, Queue, ServiceItem, Window
from sqlalchemy import func, select

XSS = "<img src=x onerror=alert(1)>"


def _count(db, model, *where) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_admin_builds_a_department_queue_service_and_window_that_work(live):
    db = live.hall.db
    events_before = _count(db, LiveEvent, LiveEvent.type == "catalog.changed")
    with live.client("admin") as admin, live.client("kiosk") as kiosk, live.client("manager") as manager:
        dept = admin.post("/departments", json={"code": "hr", "name_zh": "人力资源和社会保障局", "name_en": "Human Resources",
                                                "floor": 2, "zone": "B"})
        assert dept.status_code == 201, dept.text
        dept_id = dept.json()["id"]
        assert dept.json()["initials"] == "rlzyhshbzj"
        queue = admin.post("/queues", json={"code": "hr-ss", "department_id": dept_id, "prefix": "ss",
                                            "name_zh": "社保办理", "waiting_target_s": 900})
        assert queue.status_code == 201, queue.text
        queue_id = queue.json()["id"]
        assert queue.json()["prefix"] == "SS"
        service = admin.post("/services", json={"code": "hr-001", "department_id": dept_id, "queue_id": queue_id,
                                                "name_zh": "社保卡申领", "kind": "public_service"})
        assert service.status_code == 201, service.text
        window = admin.post("/windows", json={"number": 12, "queue_ids": [queue_id], "zone": "B", "floor": 2})
        assert window.status_code == 201, window.text
        assert window.json()["state"] == "closed"
        assert [r["queue_id"] for r in window.json()["queues"]] == [queue_id]

        ticket = kiosk.post("/tickets", json={"service_id": service.json()["id"]})
        assert ticket.status_code == 201 and ticket.json()["number"] == "SS001"
        assert manager.post("/windows/12/open").status_code == 200
        assert manager.post("/windows/12/call-next").json()["number"] == "SS001"

        changed = admin.patch(f"/queues/{queue_id}", json={"waiting_target_s": 1200, "daily_quota": 80})
        assert changed.status_code == 200
        assert (changed.json()["waiting_target_s"], changed.json()["daily_quota"]) == (1200, 80)
        renamed = admin.patch("/windows/12", json={"name_zh": "12号社保窗口", "policy": "longest_wait"})
        assert renamed.json()["name_zh"] == "12号社保窗口" and renamed.json()["policy"] == "longest_wait"
        off = admin.patch(f"/services/{service.json()['id']}", json={"active": False})
        assert off.json()["active"] is False
        assert kiosk.post("/tickets", json={"service_id": service.json()["id"]}).status_code == 404

        listing = admin.get("/admin/catalog").json()
        assert any(x["id"] == service.json()["id"] and x["active"] is False for x in listing["services"])
    actions = {"department.create", "queue.create", "service.create", "window.create", "queue.update",
               "window.update", "service.update"}
    with db.read() as s:
        seen = set(s.scalars(select(AuditEntry.action).where(AuditEntry.action.in_(actions))))
    assert seen == actions
    assert _count(db, LiveEvent, LiveEvent.type == "catalog.changed") - events_before == 7


REFUSALS = [
    ("/departments", "post", {"code": "amr", "name_zh": "重复"}, "already_exists", "code"),
    ("/departments", "post", {"code": "Bad Code", "name_zh": "x"}, "invalid_value", "code"),
    ("/departments", "post", {"code": "x1", "name_zh": "   "}, "invalid_value", "name_zh"),
    ("/queues", "post", {"code": "q1", "department_id": 1, "prefix": "A", "name_zh": "x"}, "already_exists", "prefix"),
    ("/queues", "post", {"code": "q1", "department_id": 1, "prefix": "A1", "name_zh": "x"}, "invalid_value", "prefix"),
    ("/queues", "post", {"code": "q1", "department_id": 999, "prefix": "Q", "name_zh": "x"}, "unknown_department",
     "department_id"),
    ("/queues", "post", {"code": "q1", "department_id": 1, "prefix": "Q", "name_zh": "x", "waiting_target_s": 5},
     "invalid_request", "waiting_target_s"),
    ("/services", "post", {"code": "s1", "department_id": 1, "queue_id": 999, "name_zh": "x"}, "unknown_queue",
     "queue_id"),
    ("/windows", "post", {"number": 1, "queue_ids": [1]}, "already_exists", "number"),
    ("/windows", "post", {"number": 50, "queue_ids": [999]}, "unknown_queue", "queue_ids"),
    ("/hall", "patch", {"hours": {"mon": [["12:00", "09:00"]]}}, "invalid_value", "hours"),
    ("/hall", "patch", {"hours": {"moon": []}}, "invalid_value", "hours"),
    ("/hall", "patch", {"rules": {"reset_hour": 30}}, "invalid_value", "rules"),
    ("/hall", "patch", {"rules": {"no_such_rule": 1}}, "invalid_value", "rules"),
    ("/hall", "patch", {"notice_zh": "长" * 301}, "invalid_request", "notice_zh"),
]


def test_refusals_name_the_field_and_change_nothing(live):
    """One server for the whole table: each refusal carries its code and the field."""
    db = live.hall.db
    with live.client("admin") as admin:
        catalog_before = admin.get("/admin/catalog").json()
        for path, method, body, code, field in REFUSALS:
            audit_before = _count(db, AuditEntry)
            answer = getattr(admin, method)(path, json=body)
            error = answer.json()["error"]
            assert error["code"] == code, (path, body, answer.text)
            details = error.get("details", {})
            fields = [p["field"] for p in details.get("problems", [])] or [details.get("field")]
            assert field in fields, (path, body, details)
            assert _count(db, AuditEntry) == audit_before, (path, body)
        assert admin.get("/admin/catalog").json() == catalog_before
    assert _count(db, Window, Window.number == 50) == 0


def test_only_admins_change_the_catalog(live):
    writes = [("post", "/departments", {"code": "x", "name_zh": "x"}), ("patch", "/queues/1", {"name_zh": "x"}),
              ("patch", "/hall", {"notice_zh": "x"}), ("post", "/windows", {"number": 77, "queue_ids": [1]})]
    for role in ("manager", "clerk", "display", "kiosk"):
        with live.client(role) as http:
            assert http.get("/admin/catalog").status_code == 403
            for method, path, body in writes:
                answer = getattr(http, method)(path, json=body)
                assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden", (role, path)
    with live.client() as anyone:
        assert anyone.patch("/hall", json={"notice_zh": "x"}).status_code == 401


def test_prefix_cannot_change_once_numbers_were_issued_today(live):
    queue = live.hall.queues["amr-food"]
    with live.client("admin") as admin, live.client("kiosk") as kiosk:
        assert admin.patch(f"/queues/{queue}", json={"prefix": "BF"}).status_code == 200
        assert kiosk.post("/tickets", json={"service_id": live.hall.services["amr-002"]}).json()["number"] == "BF001"
        answer = admin.patch(f"/queues/{queue}", json={"prefix": "BB"})
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "prefix_in_use"
    with live.hall.db.read() as s:
        assert s.get(Queue, queue).prefix == "BF"


def test_notice_and_names_are_stored_as_given_and_reach_displays(live):
    with live.client("admin") as admin, live.client("display") as display:
        hall = admin.patch("/hall", json={"notice_zh": f"午休 12:00-13:30 {XSS}", "notice_en": "Lunch break",
                                          "hours": {"mon": [["13:30", "17:00"], ["09:00", "12:00"]]},
                                          "rules": {"reset_hour": 3}})
        assert hall.status_code == 200, hall.text
        assert hall.json()["hours"]["mon"] == [["09:00", "12:00"], ["13:30", "17:00"]]
        assert hall.json()["rules"] == {"reset_hour": 3}
        service = admin.patch(f"/services/{live.hall.services['amr-001']}", json={"name_zh": XSS})
        assert service.json()["name_zh"] == XSS
        me = display.get("/displays/me").json()
    assert me["hall"]["notice_zh"].endswith(XSS) and me["hall"]["notice_en"] == "Lunch break"
    with live.hall.db.read() as s:
        assert s.get(ServiceItem, live.hall.services["amr-001"]).name_zh == XSS
