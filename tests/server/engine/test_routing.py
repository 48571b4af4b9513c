from collections import Counter

from hallq.server.engine import HallRules, Head, Route, RoutingPolicy, choose, sort_key


def heads(*items):
    return {h.queue_id: h for h in items}


def test_strict_takes_the_first_queue_in_order():
    route = Route((1, 2, 3))
    got = choose(RoutingPolicy.STRICT, route, heads(Head(2, 20, 100), Head(3, 30, 50)), now_ms=1000)
    assert got.head.ticket_id == 20


def test_nobody_waiting_gives_none():
    assert choose(RoutingPolicy.SLA, Route((1, 2)), {}, now_ms=0).head is None


def test_longest_wait_takes_the_oldest_effective_arrival():
    route = Route((1, 2))
    got = choose(RoutingPolicy.LONGEST_WAIT, route, heads(Head(1, 10, 500), Head(2, 20, 100)), now_ms=1000)
    assert got.head.ticket_id == 20


def test_sla_weighs_waits_against_each_queues_target():
    # Queue 1 waited 10 min of a 30 min target; queue 2 waited 6 min of a 5 min target.
    now = 3_600_000
    route = Route((1, 2))
    got = choose(RoutingPolicy.SLA, route,
                 heads(Head(1, 10, now - 600_000, 1800), Head(2, 20, now - 360_000, 300)), now_ms=now)
    assert got.head.queue_id == 2


def test_weighted_serves_queues_in_proportion_and_ignores_empty_ones():
    route = Route((1, 2, 3), (3, 1, 5))
    credits = {}
    served = Counter()
    for _ in range(400):
        # queue 3 is empty: it neither earns nor pays
        got = choose(RoutingPolicy.WEIGHTED, route, heads(Head(1, 1, 0), Head(2, 2, 0)), now_ms=0, credits=credits)
        credits = got.credits
        served[got.head.queue_id] += 1
    assert served == {1: 300, 2: 100}


def test_weighted_interleaves_rather_than_bursts():
    route = Route((1, 2), (2, 1))
    credits, order = {}, []
    for _ in range(6):
        got = choose(RoutingPolicy.WEIGHTED, route, heads(Head(1, 1, 0), Head(2, 2, 0)), now_ms=0, credits=credits)
        credits = got.credits
        order.append(got.head.queue_id)
    assert order == [1, 2, 1, 1, 2, 1]


def test_priority_goes_first_but_ages_out():
    rules = HallRules()
    t0 = 10_000_000
    normal_early = sort_key(t0, "normal", rules)
    green_now = sort_key(t0 + 60_000, "green", rules)          # a minute later
    assert green_now < normal_early                            # green jumps the queue
    green_late = sort_key(t0 + 31 * 60_000, "green", rules)    # 31 min later: past the 30 min boost
    assert normal_early < green_late                           # the normal ticket has aged past it
    assert sort_key(t0, "elderly", rules) > sort_key(t0, "appointment", rules) > sort_key(t0, "green", rules)
