"""Ratings, follow-ups, reports and cases over real HTTP, with each role's token."""

from __future__ import annotations

import httpx


def finished_ticket(live, *, case_number: str | None = None) -> int:
    """A kiosk ticket served to the end by the clerk at window 1."""
    with live.client("kiosk") as kiosk:
        ticket = kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"]}).json()
    with live.client("clerk") as clerk:
        assert clerk.post("/windows/1/call-number", json={"number": ticket["number"]}).status_code == 200
        assert clerk.post("/windows/1/start").status_code == 200
        done = clerk.post("/windows/1/finish", json={"case_number": case_number} if case_number else None)
        assert done.json()["status"] == "done"
    return int(ticket["id"])


def code_of(answer: httpx.Response) -> str:
    return answer.json()["error"]["code"]


def test_rating_follow_up_reports_and_cases(live):
    tid = finished_ticket(live, case_number="ZW2026-0042")
    with live.client("counter") as counter:   # the counter terminal of window 2
        refused = counter.post("/evaluations", json={"ticket_id": tid, "level": 5})
        assert (refused.status_code, code_of(refused)) == (403, "forbidden")
    with live.client("kiosk") as kiosk:
        assert kiosk.post("/evaluations", json={"ticket_id": tid, "level": 5}).status_code == 403
    with live.client("clerk") as clerk:
        out_of_range = clerk.post("/evaluations", json={"ticket_id": tid, "level": 6})
        assert (out_of_range.status_code, code_of(out_of_range)) == (422, "invalid_value")
        rated = clerk.post("/evaluations", json={"ticket_id": tid, "level": 1, "reasons": ["等候时间长"],
                                                 "comment": "", "channel": "evaluator"})
        assert rated.status_code == 201, rated.text
        assert rated.json() == {"id": rated.json()["id"], "ticket_id": tid, "recorded": True}
        twice = clerk.post("/evaluations", json={"ticket_id": tid, "level": 5})
        assert (twice.status_code, code_of(twice)) == (409, "already_evaluated")
        assert clerk.get("/follow-ups").status_code == 403
        assert clerk.get("/evaluations/summary").status_code == 403
    with live.client("kiosk") as kiosk:
        waiting = kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"]}).json()["id"]
    with live.client("manager") as manager:
        unfinished = manager.post("/evaluations", json={"ticket_id": waiting, "level": 3})
        assert (unfinished.status_code, code_of(unfinished)) == (409, "not_finished")

        open_ = manager.get("/follow-ups").json()
        assert len(open_) == 1 and open_[0]["evaluation"]["level"] == 1 and not open_[0]["overdue"]
        assert open_[0]["evaluation"]["window_number"] == 1 and open_[0]["evaluation"]["staff_number"] == "C001"
        fid = open_[0]["id"]
        with live.client("admin") as admin:
            clerk_id = next(x["id"] for x in admin.get("/staff").json() if x["username"] == "clerk")
        assert manager.post(f"/follow-ups/{fid}/assign", json={"owner_staff_id": clerk_id}).json()["owner"]["id"] == clerk_id
        noted = manager.post(f"/follow-ups/{fid}/notes", json={"text": "已回访"}).json()
        assert [n["text"] for n in noted["notes"]] == ["已回访"]
        resolved = manager.post(f"/follow-ups/{fid}/resolve", json={"resolution": "已整改"})
        assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
        again = manager.post(f"/follow-ups/{fid}/resolve", json={"resolution": "x"})
        assert (again.status_code, code_of(again)) == (409, "already_resolved")
        assert manager.get("/follow-ups", params={"state": "overdue"}).json() == []
        assert [f["id"] for f in manager.get("/follow-ups", params={"state": "resolved"}).json()] == [fid]
        assert code_of(manager.get("/follow-ups/99999")) == "unknown_follow_up"

        summary = manager.get("/evaluations/summary", params={"by": "window"}).json()
        assert summary["groups"][0]["key"] == 1 and summary["groups"][0]["bad"] == 1
        assert summary["total"]["levels"]["1"] == 1 and summary["total"]["average"] == 1.0
        assert manager.get("/evaluations/summary", params={"by": "floor"}).status_code == 422

        cases = manager.get("/cases", params={"state": "all"}).json()
        assert [(c["ticket_id"], c["case_number"], c["state"]) for c in cases] == [(tid, "ZW2026-0042", "approaching")]
        closed = manager.post(f"/cases/{tid}/close", json={"note": "已办结"})
        assert closed.status_code == 200 and closed.json()["state"] == "closed"
        assert code_of(manager.post(f"/cases/{tid}/close")) == "case_closed"
        assert code_of(manager.post(f"/cases/{waiting}/close")) == "unknown_case"
        assert manager.get("/cases", params={"state": "approaching"}).json() == []
