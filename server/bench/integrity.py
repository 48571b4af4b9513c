"""After a load (or a crash): check from the database that nothing was lost or doubled.

- every ticket a kiosk was told about (a 201 or 200 answer) exists, once, with that number;
- no number repeats per queue and day;
- no ticket was called by two windows, and no window holds a ticket another window holds;
- every ticket's audit trail (ticket_events) runs from its issue to its current status with
  no gap: each event starts from the status the previous one ended in;
- each queue's waiting count equals its waiting tickets.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select

from ..db import Database
from ..models import Queue, Ticket, TicketEvent, Window

CHUNK = 500


def verify(db: Database, *, told: Mapping[str, tuple[int, str]] | None = None,
           calls: Iterable[tuple[int, int]] = (), since_ticket_id: int = 0) -> dict[str, Any]:
    """Check the invariants; ``told`` maps each Idempotency-Key a kiosk used to the (id,
    number) it was answered with, ``calls`` lists (ticket id, window number) of every call
    a window was answered with, ``since_ticket_id`` limits the audit check to newer tickets."""
    problems: list[str] = []
    told = dict(told or {})
    out: dict[str, Any] = {}
    with db.read() as s:
        # Told tickets exist once, with the number the kiosk printed.
        ids = [tid for tid, _ in told.values()]
        repeated_ids = [tid for tid, n in Counter(ids).items() if n > 1]
        if repeated_ids:
            problems.append(f"{len(repeated_ids)} ticket(s) were handed to two different keys, e.g. {repeated_ids[:3]}")
        stored: dict[int, str] = {}
        unique = sorted(set(ids))
        for i in range(0, len(unique), CHUNK):
            part = unique[i:i + CHUNK]
            stored.update(s.execute(select(Ticket.id, Ticket.number).where(Ticket.id.in_(part))).all())
        missing = [tid for tid in unique if tid not in stored]
        wrong = [tid for key, (tid, number) in told.items() if tid in stored and stored[tid] != number]
        if missing:
            problems.append(f"{len(missing)} ticket(s) a kiosk was told about do not exist, e.g. {missing[:3]}")
        if wrong:
            problems.append(f"{len(wrong)} ticket(s) have another number than the kiosk printed, e.g. {wrong[:3]}")
        out["tickets_told"] = len(told)

        # Numbers are unique per issuing queue and day.
        dup_numbers = s.execute(
            select(Ticket.issue_queue_id, Ticket.business_date, Ticket.seq, func.count())
            .group_by(Ticket.issue_queue_id, Ticket.business_date, Ticket.seq)
            .having(func.count() > 1)).all()
        dup_strings = s.execute(
            select(Ticket.business_date, Ticket.number, func.count())
            .group_by(Ticket.business_date, Ticket.number).having(func.count() > 1)).all()
        if dup_numbers or dup_strings:
            problems.append(f"repeated numbers: {len(dup_numbers) + len(dup_strings)}")
        out["repeated_numbers"] = len(dup_numbers) + len(dup_strings)

        # A ticket is answered to one window call only, and at most one window holds it.
        called = Counter(tid for tid, _window in calls)
        twice = [tid for tid, n in called.items() if n > 1]
        if twice:
            problems.append(f"{len(twice)} ticket(s) were handed to two window calls, e.g. {twice[:3]}")
        held = s.execute(select(Window.current_ticket_id, func.count()).where(Window.current_ticket_id.is_not(None))
                         .group_by(Window.current_ticket_id).having(func.count() > 1)).all()
        if held:
            problems.append(f"{len(held)} ticket(s) are current at two windows")
        out["calls_checked"] = sum(called.values())
        out["called_twice"] = len(twice) + len(held)

        # The audit trail of every ticket is a gapless chain from issue to its status now.
        status = dict(s.execute(select(Ticket.id, Ticket.status).where(Ticket.id > since_ticket_id)).all())
        chain_breaks: list[int] = []
        last: dict[int, str | None] = {}
        started: set[int] = set()
        rows = s.execute(select(TicketEvent.ticket_id, TicketEvent.action, TicketEvent.from_status,
                                TicketEvent.to_status)
                         .where(TicketEvent.ticket_id > since_ticket_id)
                         .order_by(TicketEvent.ticket_id, TicketEvent.id))
        for tid, action, before, after in rows:
            if tid not in started:
                started.add(tid)
                if action != "issue" or before is not None:
                    chain_breaks.append(tid)
            elif last.get(tid) != before:
                chain_breaks.append(tid)
            last[tid] = after
        no_trail = [tid for tid in status if tid not in started]
        ends_elsewhere = [tid for tid, st in status.items() if tid in last and last[tid] != st]
        if chain_breaks:
            problems.append(f"{len(set(chain_breaks))} ticket(s) have a gap in their audit trail, "
                            f"e.g. {sorted(set(chain_breaks))[:3]}")
        if no_trail:
            problems.append(f"{len(no_trail)} ticket(s) have no audit trail, e.g. {no_trail[:3]}")
        if ends_elsewhere:
            problems.append(f"{len(ends_elsewhere)} ticket(s) are in another status than their trail says, "
                            f"e.g. {ends_elsewhere[:3]}")
        out["tickets_audited"] = len(status)
        out["audit_gaps"] = len(set(chain_breaks) | set(no_trail) | set(ends_elsewhere))   # tickets

        # Waiting counts kept in step with the tickets.
        counted = dict(s.execute(select(Ticket.queue_id, func.count()).where(Ticket.status == "waiting")
                                 .group_by(Ticket.queue_id)).all())
        off = [(qid, kept, counted.get(qid, 0)) for qid, kept in
               s.execute(select(Queue.id, Queue.waiting_count)) if kept != counted.get(qid, 0)]
        if off:
            problems.append(f"{len(off)} queue(s) have a waiting count that differs from their waiting tickets")
        out["waiting_count_mismatches"] = len(off)
    out["ok"] = not problems
    out["problems"] = problems
    return out


def max_ticket_id(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.max(Ticket.id))) or 0)
