"""Reports: counts, average and 90th-percentile times, 好差评 levels, CSV and XLSX exports,
and the aggregates the dashboard's charts draw."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
from hallq.server.models import Evaluation, Staff, Ticket
from hallq.server.services import reports
from hallq.server.services import tickets as tc
from hallq.server.services import windows as wc
from hallq.server.services.actors import SYSTEM, VISITOR, Role, staff_actor
from sqlalchemy import select, text

from tests.support.hall import build_hall

DAY = "2026-03-04"
T0 = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)   # 09:00 in the hall (Asia/Shanghai)
WAITS = [60, 120, 180, 240, 600]
SERVICES = [30, 30, 30, 300]


def _at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def build_day(live) -> None:
    """Five tickets at window 1 by the clerk (four served, one no-show), one cancelled
    elsewhere, two evaluations (5 and 1)."""
    h = live.hall
    with h.db.write() as s:
        clerk = s.scalars(select(Staff).where(Staff.username == "clerk")).one()
        actor = staff_actor(clerk.id, "clerk", window_id=h.windows[1], staff_number=clerk.staff_number)
        issued = [tc.issue_ticket(s, h.services["amr-001"], actor=h.kiosk, now=T0, secret=b"s")[0] for _ in WAITS]
        other, _ = tc.issue_ticket(s, h.services["tax-001"], actor=h.kiosk, now=_at(100), secret=b"s")
        for i, wait in enumerate(WAITS):
            wc.call_next(s, 1, actor=actor, now=_at(wait))
            if i < len(SERVICES):
                wc.start(s, 1, actor=actor, now=_at(wait))
                wc.finish(s, 1, actor=actor, now=_at(wait + SERVICES[i]))
            else:
                wc.no_show(s, 1, actor=actor, now=_at(wait + 100))
        tc.cancel(s, other.id, actor=VISITOR, now=_at(200))
        for ticket, level in ((issued[0], 5), (issued[1], 1)):
            s.add(Evaluation(ticket_id=ticket.id, level=level, window_id=h.windows[1], staff_id=clerk.id,
                             staff_number=clerk.staff_number, created_at=_at(1000)))


def test_summary_counts_times_percentiles_and_evaluations(live):
    build_day(live)
    with live.client("manager") as manager:
        by_dept = manager.get("/reports/summary", params={"from": DAY, "to": DAY, "by": "department"}).json()
        rows = {r["key"]: r for r in by_dept["rows"]}
        amr, tax = rows["amr"], rows["tax"]
        assert (amr["tickets"], amr["served"], amr["no_show"], amr["cancelled"]) == (5, 4, 1, 0)
        assert (amr["wait_avg_s"], amr["wait_p90_s"]) == (240.0, 456.0)       # percentile_cont(0.9)
        assert (amr["service_avg_s"], amr["service_p90_s"]) == (97.5, 219.0)
        assert amr["evaluations"] == {"5": 1, "4": 0, "3": 0, "2": 0, "1": 1} and amr["bad"] == 1
        assert (tax["tickets"], tax["cancelled"], tax["wait_avg_s"]) == (1, 1, None)
        assert by_dept["total"]["tickets"] == 6 and by_dept["total"]["called"] == 5
        by_clerk = manager.get("/reports/summary", params={"from": DAY, "to": DAY, "by": "clerk"}).json()
        assert {r["key"]: r["tickets"] for r in by_clerk["rows"]} == {"C001": 5, "": 1}
        by_window = manager.get("/reports/summary", params={"from": DAY, "to": DAY, "by": "window"}).json()
        assert {r["key"]: (r["served"], r["no_show"]) for r in by_window["rows"]} == {"1": (4, 1), "": (0, 0)}
        by_day = manager.get("/reports/summary", params={"from": "2026-03-03", "to": DAY, "by": "day"}).json()
        assert [(r["key"], r["tickets"]) for r in by_day["rows"]] == [(DAY, 6)]
        by_queue = manager.get("/reports/summary", params={"from": DAY, "by": "queue"}).json()
        assert {r["key"] for r in by_queue["rows"]} == {"amr-reg", "tax-inv"}

        hourly = manager.get("/reports/hourly", params={"date": DAY}).json()
        nine = hourly["hours"].index(9)
        assert {s["name_zh"]: s["counts"][nine] for s in hourly["series"]} == {"市场监督管理局": 5, "税务局": 1}
        waits = manager.get("/reports/waits", params={"from": DAY, "to": DAY}).json()
        assert waits["counts"][0] == 4 and waits["counts"][2] == 1 and sum(waits["counts"]) == 5
    with live.hall.db.read() as s:
        if s.bind.dialect.name == "postgresql":
            # The same definition as the database's own percentile function.
            expected = s.execute(text(
                "SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM called_at - issued_at)) "
                "FROM tickets WHERE called_at IS NOT NULL")).scalar_one()
            assert float(expected) == pytest.approx(by_dept["total"]["wait_p90_s"])


def test_csv_and_xlsx_exports_open_in_excel(live):
    build_day(live)
    with live.client("manager") as manager:
        answer = manager.get("/reports/summary", params={"from": DAY, "to": DAY, "format": "csv"})
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
        assert answer.headers["content-disposition"].endswith('.csv"')
        assert answer.content.startswith(b"\xef\xbb\xbf")   # the BOM Excel needs for UTF-8
        table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
        assert table[0][1:3] == ["名称", "取号数"]
        assert table[1][:3] == ["amr", "市场监督管理局", "5"] and table[-1][2] == "6"
        xlsx = manager.get("/reports/summary", params={"from": DAY, "to": DAY, "format": "xlsx", "lang": "en",
                                                        "by": "window"})
        assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
        values = [[c.value for c in row] for row in sheet.iter_rows()]
        assert values[0][:3] == ["Code", "Name", "Tickets"]
        assert values[1][:4] == ["1", "Window 1", 5, 4]
        assert values[-1][1:3] == ["Total", 6]


def test_bad_ranges_and_roles_are_refused(live):
    with live.client("manager") as manager, live.client("clerk") as clerk, live.client() as anyone:
        backwards = manager.get("/reports/summary", params={"from": DAY, "to": "2026-03-01"})
        assert backwards.status_code == 422 and backwards.json()["error"]["details"]["field"] == "to"
        too_long = manager.get("/reports/summary", params={"from": "2025-01-01", "to": DAY})
        assert too_long.status_code == 422 and too_long.json()["error"]["code"] == "invalid_value"
        assert manager.get("/reports/summary", params={"by": "colour"}).status_code == 422
        assert manager.get("/reports/summary", params={"from": "yesterday"}).status_code == 422
        assert clerk.get("/reports/summary").status_code == 403
        assert clerk.get("/reports/trend").status_code == 403
        assert anyone.get("/reports/hourly").status_code == 401


def test_waiting_trend_replays_the_audit_trail(db, now):
    """Waiting per queue at each step of the last hour, through calls, cancels and transfers."""
    h = build_hall(db, now)
    h.open_all(now)
    ago = lambda minutes: now - timedelta(minutes=minutes)  # noqa: E731
    manager = staff_actor(1, Role.MANAGER.value)
    with db.write() as s:
        first, _ = tc.issue_ticket(s, h.services["amr-001"], actor=h.kiosk, now=ago(55), secret=b"s")
        second, _ = tc.issue_ticket(s, h.services["amr-001"], actor=h.kiosk, now=ago(45), secret=b"s")
        third, _ = tc.issue_ticket(s, h.services["tax-001"], actor=h.kiosk, now=ago(35), secret=b"s")
        wc.call_next(s, 1, actor=SYSTEM, now=ago(25))
        tc.cancel(s, third.id, actor=VISITOR, now=ago(15))
        wc.transfer_ticket(s, second.id, h.queues["amr-food"], actor=manager, now=ago(8))
    with db.read() as s:
        trend = reports.waiting_trend(s, now, minutes=60, step_min=10)
        assert s.get(Ticket, first.id).status == "called"
    q = trend["queues"]
    assert q[str(h.queues["amr-reg"])] == [0, 1, 2, 2, 1, 1, 0]
    assert q[str(h.queues["tax-inv"])] == [0, 0, 0, 1, 1, 0, 0]
    assert q[str(h.queues["amr-food"])] == [0, 0, 0, 0, 0, 0, 1]
    assert len(trend["at"]) == 7
    assert sum(trend["departments"].values(), []) and trend["departments"]


@pytest.mark.parametrize(("values", "q", "expected"), [
    ([], 0.9, None), ([7], 0.9, 7.0), ([1, 2], 0.5, 1.5), ([60, 120, 180, 240, 600], 0.9, 456.0),
    ([5, 1, 4, 2, 3], 0.0, 1.0), ([5, 1, 4, 2, 3], 1.0, 5.0),
])
def test_percentile_is_linear_between_ranks(values, q, expected):
    assert reports.percentile(values, q) == expected
