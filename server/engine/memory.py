"""An in-memory hall built from the engine's pure parts.

It is the reference model: property tests drive it with random operations and check the
invariants, and the day simulation drives it with arrivals and service times. The database
use cases apply the very same functions; only where the tickets live differs.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from . import tickets as tk
from .errors import QueueError
from .estimate import estimate_wait_s, ewma
from .issuing import check_issue, check_person_limit
from .numbering import business_date, format_number
from .routing import Choice, Head, Route, RoutingPolicy, choose, sort_key
from .rules import EndOfDay, HallRules
from .states import ACTIVE, Action, TicketStatus
from .tickets import enters_queue
from .windows import (
    Window,
    WindowState,
    check_can_call,
    close,
    current_or_error,
    open_window,
    pause,
)


@dataclass
class Queue:
    id: int
    prefix: str
    name: str = ""
    daily_quota: int | None = None
    waiting_target_s: int = 1800
    active: bool = True
    mean_service_s: float | None = None
    default_service_s: float = 300.0


@dataclass(frozen=True)
class Change:
    """One state change, as the audit trail records it."""

    action: Action
    ticket_id: int
    from_status: TicketStatus | None
    to_status: TicketStatus
    at: datetime
    window_id: int | None = None
    queue_id: int | None = None


@dataclass
class MemoryHall:
    rules: HallRules = field(default_factory=HallRules)
    queues: dict[int, Queue] = field(default_factory=dict)
    windows: dict[int, Window] = field(default_factory=dict)
    routes: dict[int, Route] = field(default_factory=dict)
    tickets: dict[int, tk.Ticket] = field(default_factory=dict)
    log: list[Change] = field(default_factory=list)
    _heaps: dict[int, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    _counters: dict[tuple[int, date], int] = field(default_factory=dict)
    _issued_on: dict[int, tuple[int, date]] = field(default_factory=dict)
    _person: dict[int, str] = field(default_factory=dict)
    _credits: dict[int, dict[int, int]] = field(default_factory=dict)
    _next_id: int = 1

    # -- set-up ---------------------------------------------------------------------------
    def add_queue(self, queue: Queue) -> Queue:
        self.queues[queue.id] = queue
        return queue

    def add_window(self, window: Window, route: Route) -> Window:
        self.windows[window.id] = window
        self.routes[window.id] = route
        return window

    def open(self, window_id: int) -> Window:
        return self._set_window(open_window(self._window(window_id)))

    def pause(self, window_id: int, reason: str) -> Window:
        return self._set_window(pause(self._window(window_id), reason))

    def close(self, window_id: int) -> Window:
        return self._set_window(close(self._window(window_id)))

    # -- issuing --------------------------------------------------------------------------
    def issue(self, queue_id: int, now: datetime, *, priority: str = "normal",
              person_hash: str | None = None, self_service: bool = False) -> tk.Ticket:
        queue = self._queue(queue_id)
        day = business_date(now, self.rules.timezone, self.rules.reset_hour)
        issued_today = self._counters.get((queue_id, day), 0)
        person_active = self._person_active(person_hash, queue_id)
        cls = check_issue(queue_name=queue.name or queue.prefix, queue_active=queue.active,
                          daily_quota=queue.daily_quota, issued_today=issued_today,
                          person_active=person_active, rules=self.rules, priority=priority,
                          self_service=self_service)
        seq = issued_today + 1
        self._counters[(queue_id, day)] = seq
        ticket = tk.Ticket(
            id=self._next_id, queue_id=queue_id,
            number=format_number(queue.prefix, seq, self.rules.number_width),
            priority=cls.value, status=TicketStatus.WAITING,
            sort_key=sort_key(tk.to_ms(now), cls.value, self.rules), issued_at=now,
        )
        self._next_id += 1
        self._issued_on[ticket.id] = (queue_id, day)
        if person_hash is not None:
            self._person[ticket.id] = person_hash
        self._store(ticket, Action.ISSUE, None, now)
        return ticket

    def ahead(self, ticket_id: int) -> int:
        t = self.tickets[ticket_id]
        return sum(1 for o in self.tickets.values()
                   if o.queue_id == t.queue_id and o.status is TicketStatus.WAITING
                   and (o.sort_key, o.id) < (t.sort_key, t.id))

    def estimated_wait_s(self, ticket_id: int) -> int:
        t = self.tickets[ticket_id]
        q = self.queues[t.queue_id]
        serving = sum(1 for wid, r in self.routes.items()
                      if t.queue_id in r.queue_ids and self.windows[wid].state is WindowState.OPEN)
        return estimate_wait_s(self.ahead(ticket_id), q.mean_service_s or q.default_service_s, serving)

    # -- window actions -------------------------------------------------------------------
    def call_next(self, window_id: int, now: datetime) -> tk.Ticket | None:
        window = self._window(window_id)
        check_can_call(window)
        route = self.routes[window_id]
        heads = {q: h for q in route.queue_ids if (h := self._head(q)) is not None}
        picked: Choice = choose(window.policy, route, heads, now_ms=tk.to_ms(now),
                                credits=self._credits.get(window_id))
        self._credits[window_id] = picked.credits
        if picked.head is None:
            return None
        return self._call(window, self.tickets[picked.head.ticket_id], now)

    def call_specific(self, window_id: int, number: str, now: datetime) -> tk.Ticket:
        window = self._window(window_id)
        check_can_call(window)
        ticket = self.find(number)
        if ticket.queue_id not in self.routes[window_id].queue_ids:
            raise QueueError("not_served_here", f"window {window.number} does not serve {number}")
        if ticket.status is TicketStatus.NO_SHOW:
            ticket = self._apply(ticket, Action.REACTIVATE, tk.reactivate(ticket, now, self.rules), now)
        return self._call(window, ticket, now)

    def recall(self, window_id: int, now: datetime) -> tk.Ticket:
        ticket = self._current(window_id)
        return self._apply(ticket, Action.RECALL, tk.recall(ticket, window_id, now, self.rules), now)

    def start(self, window_id: int, now: datetime) -> tk.Ticket:
        ticket = self._current(window_id)
        return self._apply(ticket, Action.START, tk.start(ticket, window_id, now), now)

    def finish(self, window_id: int, now: datetime) -> tk.Ticket:
        ticket = self._current(window_id)
        done = self._apply(ticket, Action.FINISH, tk.finish(ticket, window_id, now), now)
        self._free(window_id)
        assert done.started_at is not None
        q = self.queues[done.queue_id]
        q.mean_service_s = ewma(q.mean_service_s, (now - done.started_at).total_seconds(),
                                self.rules.service_time_alpha)
        return done

    def no_show(self, window_id: int, now: datetime) -> tk.Ticket:
        ticket = self._current(window_id)
        gone = self._apply(ticket, Action.NO_SHOW, tk.no_show(ticket, window_id, now), now)
        self._free(window_id)
        return gone

    def hold(self, window_id: int, now: datetime) -> tk.Ticket:
        ticket = self._current(window_id)
        held = self._apply(ticket, Action.HOLD, tk.hold(ticket, window_id, now), now)
        self._free(window_id)
        return held

    def resume(self, window_id: int, ticket_id: int, now: datetime) -> tk.Ticket:
        window = self._window(window_id)
        check_can_call(window)
        ticket = self.tickets[ticket_id]
        back = self._apply(ticket, Action.RESUME, tk.resume(ticket, window_id, now), now)
        self._set_window(replace(window, current_ticket_id=back.id))
        return back

    def transfer(self, ticket_id: int, to_queue_id: int, now: datetime) -> tk.Ticket:
        self._queue(to_queue_id)
        ticket = self.tickets[ticket_id]
        moved = self._apply(ticket, Action.TRANSFER, tk.transfer(ticket, to_queue_id), now)
        for wid, w in self.windows.items():
            if w.current_ticket_id == ticket_id:
                self._free(wid)
        heapq.heappush(self._heaps[to_queue_id], (moved.sort_key, moved.id))
        return moved

    def reactivate(self, ticket_id: int, now: datetime) -> tk.Ticket:
        ticket = self.tickets[ticket_id]
        back = self._apply(ticket, Action.REACTIVATE, tk.reactivate(ticket, now, self.rules), now)
        heapq.heappush(self._heaps[back.queue_id], (back.sort_key, back.id))
        return back

    def cancel(self, ticket_id: int, now: datetime) -> tk.Ticket:
        ticket = self.tickets[ticket_id]
        return self._apply(ticket, Action.CANCEL, tk.cancel(ticket, now), now)

    def sweep(self, now: datetime) -> list[tk.Ticket]:
        """Mark as no-show every called ticket nobody came for in time."""
        out = []
        for wid, w in list(self.windows.items()):
            if w.current_ticket_id is None:
                continue
            ticket = self.tickets[w.current_ticket_id]
            if tk.no_show_due(ticket, now, self.rules):
                out.append(self._apply(ticket, Action.NO_SHOW, tk.no_show(ticket, None, now), now))
                self._free(wid)
        return out

    def end_of_day(self, now: datetime) -> list[tk.Ticket]:
        """The business day turned: expire what is still open, unless the hall carries over."""
        if self.rules.end_of_day is EndOfDay.CARRY:
            return []
        out = []
        for ticket in list(self.tickets.values()):
            if ticket.status in (TicketStatus.WAITING, TicketStatus.HELD, TicketStatus.CALLED,
                                 TicketStatus.NO_SHOW):
                out.append(self._apply(ticket, Action.EXPIRE, tk.expire(ticket, now), now))
        for wid, w in self.windows.items():
            if w.current_ticket_id is not None:
                self._free(wid)
        return out

    # -- look-ups -------------------------------------------------------------------------
    def find(self, number: str) -> tk.Ticket:
        """Today's ticket with this number (the latest one if numbers were reused)."""
        found = [t for t in self.tickets.values() if t.number == number.upper()]
        if not found:
            raise QueueError("unknown_ticket", f"no ticket {number}")
        return max(found, key=lambda t: t.id)

    def waiting(self, queue_id: int) -> list[tk.Ticket]:
        return sorted((t for t in self.tickets.values()
                       if t.queue_id == queue_id and t.status is TicketStatus.WAITING),
                      key=lambda t: (t.sort_key, t.id))

    # -- internals ------------------------------------------------------------------------
    def _queue(self, queue_id: int) -> Queue:
        try:
            return self.queues[queue_id]
        except KeyError:
            raise QueueError("unknown_queue", f"no queue {queue_id}") from None

    def _person_active(self, person_hash: str | None, queue_id: int) -> int:
        if person_hash is None:
            return 0
        return sum(1 for tid, h in self._person.items()
                   if h == person_hash and self.tickets[tid].queue_id == queue_id
                   and self.tickets[tid].status in ACTIVE)

    def _window(self, window_id: int) -> Window:
        try:
            return self.windows[window_id]
        except KeyError:
            raise QueueError("unknown_window", f"no window {window_id}") from None

    def _set_window(self, window: Window) -> Window:
        self.windows[window.id] = window
        return window

    def _free(self, window_id: int) -> None:
        self._set_window(replace(self.windows[window_id], current_ticket_id=None))

    def _current(self, window_id: int) -> tk.Ticket:
        return self.tickets[current_or_error(self._window(window_id))]

    def _head(self, queue_id: int) -> Head | None:
        heap = self._heaps[queue_id]
        while heap:
            key, tid = heap[0]
            t = self.tickets[tid]
            if t.status is TicketStatus.WAITING and t.queue_id == queue_id and t.sort_key == key:
                return Head(queue_id, tid, key, self.queues[queue_id].waiting_target_s)
            heapq.heappop(heap)  # stale: called, moved or re-keyed since it was pushed
        return None

    def _call(self, window: Window, ticket: tk.Ticket, now: datetime) -> tk.Ticket:
        called = self._apply(ticket, Action.CALL, tk.call(ticket, window.id, now), now)
        self._set_window(replace(window, current_ticket_id=called.id))
        return called

    def _store(self, ticket: tk.Ticket, action: Action, before: TicketStatus | None,
               now: datetime) -> None:
        self.tickets[ticket.id] = ticket
        if ticket.status is TicketStatus.WAITING:
            heapq.heappush(self._heaps[ticket.queue_id], (ticket.sort_key, ticket.id))
        self.log.append(Change(action, ticket.id, before, ticket.status, now,
                               ticket.window_id, ticket.queue_id))

    def _apply(self, before: tk.Ticket, action: Action, after: tk.Ticket, now: datetime) -> tk.Ticket:
        if enters_queue(before, after):
            check_person_limit(self._person_active(self._person.get(after.id), after.queue_id), self.rules)
        self.tickets[after.id] = after
        window_id = after.window_id or before.window_id
        self.log.append(Change(action, after.id, before.status, after.status, now, window_id,
                               after.queue_id))
        return after


__all__ = ["MemoryHall", "Queue", "Change", "RoutingPolicy"]
