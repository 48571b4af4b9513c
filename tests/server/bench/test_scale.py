"""The scale preset's day of stored tickets, and its table."""

from collections import Counter

from hallq.server.bench.scale import Shape, preload_day, scale_table
from hallq.server.bench.stats import Report, Summary
from hallq.server.models import DailyCounter, Queue, Ticket, TicketEvent
from hallq.server.services import tickets as tc
from sqlalchemy import func, select, update


def test_a_preloaded_day_is_served_tickets_with_their_audit_and_counters(hall, db, db_url, now):
    with db.write() as s:   # no quota: the day holds more tickets than the small hall allows
        s.execute(update(Queue).values(daily_quota=None))
    preload_day(db_url, 1234, chunk=500, now=now)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1234
        assert s.scalar(select(func.count()).select_from(Ticket).where(Ticket.status != "done")) == 0
        assert s.scalar(select(func.count()).select_from(TicketEvent)) == 3 * 1234
        per_queue = dict(s.execute(select(Ticket.queue_id, func.max(Ticket.seq)).group_by(Ticket.queue_id)).all())
        counters = dict(s.execute(select(DailyCounter.queue_id, DailyCounter.last_seq)).all())
        assert counters == per_queue and sum(per_queue.values()) == 1234
    # the next ticket of the day continues the numbering instead of repeating one
    with db.write() as s:
        ticket, _ = tc.issue_ticket(s, hall.services["amr-001"], actor=hall.kiosk, now=now, secret=b"s")
        assert ticket.seq == counters[ticket.queue_id] + 1


def _report(name: str, ops: dict[str, int]) -> Report:
    return Report(name=name, settings={}, elapsed_s=2.0,
                  operations={op: Summary.of([0.004] * n, 2.0) for op, n in ops.items()}, events=None,
                  events_expected=0, events_received=0, errors=Counter(), server_peak_rss_mb=None,
                  server_cpu_s=1.0, loadgen_cpu_s=0.1)


def test_scale_table_has_a_row_per_hall_shape():
    shape = Shape(100, preloaded=100_000)
    assert shape.name == "100 windows, 100,000 tickets already today"
    table = scale_table([_report("10 windows: issue, 64 clients", {"issue": 1000}),
                         _report("10 windows: call, 10 clients", {"call-next": 400, "finish": 400}),
                         _report(f"{shape.name}: issue, 64 clients", {"issue": 500})])
    rows = [line for line in table.splitlines() if line.startswith("| 10")]
    assert rows[0] == "| 10 windows | 500 | 4.0 / 4.0 | 200 | 4.0 / 4.0 | 1.0 / 1.2 |"
    assert rows[1].startswith(f"| {shape.name} | 250 |") and rows[1].endswith("| - | - | 2.0 / - |")
