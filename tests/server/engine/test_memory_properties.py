"""Property-based tests: random sequences of hall operations keep the engine's invariants."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hallq.server.engine import (
    AT_WINDOW,
    HallRules,
    MemoryHall,
    Queue,
    QueueError,
    Route,
    RoutingPolicy,
    TicketStatus,
    Window,
    WindowState,
)
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

QUEUES = (1, 2, 3)
ROUTES = {
    10: (Route((1,)), RoutingPolicy.STRICT),
    11: (Route((1, 2)), RoutingPolicy.LONGEST_WAIT),
    12: (Route((2, 3, 1), (2, 1, 3)), RoutingPolicy.WEIGHTED),
    13: (Route((3, 1)), RoutingPolicy.SLA),
}
PRIORITIES = ("normal", "normal", "normal", "elderly", "appointment", "green")


class HallMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        self.now = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)
        self.hall = MemoryHall(HallRules(no_show_after_s=300, reactivation_grace_s=900))
        for qid in QUEUES:
            self.hall.add_queue(Queue(qid, prefix="ABC"[qid - 1], daily_quota=60, waiting_target_s=600 * qid))
        for wid, (route, policy) in ROUTES.items():
            self.hall.add_window(Window(wid, wid - 9, WindowState.CLOSED, policy), route)
            self.hall.open(wid)
        self.issued: dict[int, tuple[str, datetime]] = {}
        self.errors: Counter[str] = Counter()

    def tick(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)

    def attempt(self, fn, *args):
        try:
            return fn(*args)
        except QueueError as exc:
            self.errors[exc.code] += 1
            return None

    @rule(queue=st.sampled_from(QUEUES), priority=st.sampled_from(PRIORITIES), dt=st.integers(1, 120),
          person=st.none() | st.sampled_from(["p1", "p2"]))
    def issue(self, queue, priority, dt, person):
        self.tick(dt)
        t = self.attempt(lambda: self.hall.issue(queue, self.now, priority=priority, person_hash=person))
        if t is not None:
            self.issued[t.id] = (t.number, t.issued_at)

    @rule(window=st.sampled_from(list(ROUTES)), dt=st.integers(1, 300))
    def call_next(self, window, dt):
        self.tick(dt)
        w = self.hall.windows[window]
        if w.current_ticket_id is not None or w.state is not WindowState.OPEN:
            assert self.attempt(self.hall.call_next, window, self.now) is None
            return
        route = self.hall.routes[window]
        waiting_before = {q: self.hall.waiting(q) for q in route.queue_ids}
        t = self.hall.call_next(window, self.now)
        if t is None:
            assert all(not v for v in waiting_before.values())
            return
        # Whatever queue the policy chose, it is that queue's first ticket in priority order.
        assert waiting_before[t.queue_id][0].id == t.id
        if w.policy is RoutingPolicy.STRICT:
            first_nonempty = next(q for q in route.queue_ids if waiting_before[q])
            assert t.queue_id == first_nonempty
        if w.policy is RoutingPolicy.LONGEST_WAIT:
            oldest = min((v[0] for v in waiting_before.values() if v), key=lambda x: (x.sort_key, x.id))
            assert t.sort_key == oldest.sort_key

    @rule(window=st.sampled_from(list(ROUTES)),
          action=st.sampled_from(["recall", "start", "finish", "no_show", "hold"]), dt=st.integers(1, 600))
    def window_action(self, window, action, dt):
        self.tick(dt)
        self.attempt(getattr(self.hall, action), window, self.now)

    @rule(window=st.sampled_from(list(ROUTES)), data=st.data())
    def resume(self, window, data):
        held = [t.id for t in self.hall.tickets.values() if t.status is TicketStatus.HELD]
        if held:
            self.attempt(self.hall.resume, window, data.draw(st.sampled_from(held)), self.now)

    @rule(to_queue=st.sampled_from(QUEUES), data=st.data())
    def transfer(self, to_queue, data):
        movable = [t.id for t in self.hall.tickets.values()
                   if t.status in (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.HELD)]
        if movable:
            tid = data.draw(st.sampled_from(movable))
            before = self.hall.tickets[tid]
            moved = self.attempt(self.hall.transfer, tid, to_queue, self.now)
            if moved is not None:
                assert (moved.number, moved.issued_at, moved.sort_key) == (before.number, before.issued_at, before.sort_key)
                assert moved.status is TicketStatus.WAITING and moved.queue_id == to_queue

    @rule(data=st.data())
    def reactivate(self, data):
        gone = [t.id for t in self.hall.tickets.values() if t.status is TicketStatus.NO_SHOW]
        if gone:
            self.attempt(self.hall.reactivate, data.draw(st.sampled_from(gone)), self.now)

    @rule(window=st.sampled_from(list(ROUTES)), op=st.sampled_from(["pause", "open", "close"]))
    def window_state(self, window, op):
        if op == "pause":
            self.attempt(self.hall.pause, window, "break")
        else:
            self.attempt(getattr(self.hall, op), window)

    @precondition(lambda self: True)
    @rule(dt=st.integers(60, 900))
    def sweep(self, dt):
        self.tick(dt)
        for t in self.hall.sweep(self.now):
            assert t.status is TicketStatus.NO_SHOW

    # -- invariants ---------------------------------------------------------------------------
    @invariant()
    def nothing_lost_and_one_state_each(self):
        assert set(self.hall.tickets) == set(self.issued)
        for tid, (number, issued_at) in self.issued.items():
            t = self.hall.tickets[tid]
            assert isinstance(t.status, TicketStatus)
            assert (t.number, t.issued_at) == (number, issued_at)

    @invariant()
    def no_ticket_at_two_windows(self):
        current = [w.current_ticket_id for w in self.hall.windows.values() if w.current_ticket_id is not None]
        assert len(current) == len(set(current))
        for wid, w in self.hall.windows.items():
            if w.current_ticket_id is not None:
                t = self.hall.tickets[w.current_ticket_id]
                assert t.status in AT_WINDOW and t.window_id == wid
        at_windows = {t.id for t in self.hall.tickets.values() if t.status in AT_WINDOW}
        assert at_windows == set(current)

    @invariant()
    def numbers_unique_per_queue_and_day(self):
        numbers = [number for number, _ in self.issued.values()]
        assert len(numbers) == len(set(numbers))

    @invariant()
    def audit_trail_explains_every_state(self):
        last = {}
        for change in self.hall.log:
            if change.from_status is not None:
                assert last[change.ticket_id] == change.from_status
            last[change.ticket_id] = change.to_status
        assert last == {tid: t.status for tid, t in self.hall.tickets.items()}

    @invariant()
    def person_limit_holds(self):
        active = Counter((self.hall._person.get(t.id), t.queue_id) for t in self.hall.tickets.values()
                         if t.id in self.hall._person and t.status in (
                             TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.HELD))
        assert all(n <= 1 for n in active.values())


TestHallMachine = HallMachine.TestCase
TestHallMachine.settings = settings(max_examples=150, stateful_step_count=60, deadline=None,
                                    suppress_health_check=[HealthCheck.too_slow])
