"""Priority classes go first, and no normal ticket starves behind them."""

from datetime import UTC, datetime, timedelta

from hallq.server.engine import (
    HallRules,
    MemoryHall,
    Queue,
    Route,
    RoutingPolicy,
    Window,
    WindowState,
)
from hypothesis import given, settings
from hypothesis import strategies as st

T0 = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)


def one_window_hall(rules=None):
    hall = MemoryHall(rules or HallRules())
    hall.add_queue(Queue(1, "A"))
    hall.add_window(Window(1, 1, WindowState.CLOSED, RoutingPolicy.STRICT), Route((1,)))
    hall.open(1)
    return hall


def test_green_channel_is_called_before_earlier_normal_tickets():
    hall = one_window_hall()
    normal = hall.issue(1, T0)
    green = hall.issue(1, T0 + timedelta(minutes=5), priority="green")
    assert hall.call_next(1, T0 + timedelta(minutes=6)).id == green.id
    hall.finish(1, T0 + timedelta(minutes=7))
    assert hall.call_next(1, T0 + timedelta(minutes=8)).id == normal.id


@settings(max_examples=60, deadline=None)
@given(arrivals=st.lists(st.tuples(st.integers(1, 60), st.sampled_from(["green", "appointment", "elderly"])),
                         min_size=1, max_size=80))
def test_a_normal_ticket_waits_at_most_its_aging_bound(arrivals):
    """However many priority tickets keep arriving, a normal ticket is called once it has
    waited longer than the largest boost plus the time to serve those already ahead."""
    rules = HallRules()
    hall = one_window_hall(rules)
    normal = hall.issue(1, T0)
    now = T0
    service = timedelta(seconds=90)
    max_boost = timedelta(seconds=max(rules.priority_boost_s.values()))
    for gap, cls in arrivals:
        now += timedelta(seconds=gap)
        hall.issue(1, now, priority=cls)
    # Serve one ticket every 90 s while priority tickets keep arriving every 30 s.
    called_at = None
    t = now
    for _ in range(400):
        t += service
        hall.issue(1, t - timedelta(seconds=60), priority="green")
        hall.issue(1, t - timedelta(seconds=30), priority="green")
        got = hall.call_next(1, t)
        hall.finish(1, t + timedelta(seconds=1))
        if got.id == normal.id:
            called_at = t
            break
    assert called_at is not None, "the normal ticket starved"
    # Newcomers after T0 + max_boost rank behind it, so only earlier arrivals can precede it.
    earlier = sum(1 for x in hall.log if x.action.value == "issue"
                  and hall.tickets[x.ticket_id].issued_at <= T0 + max_boost)
    assert called_at <= now + service * (earlier + 1)
