"""The day simulation: seeded, arrivals inside the hall's hours with a morning peak, service
times around their means, every visitor accounted for, and the engine's rules applied."""

from __future__ import annotations

import random
import statistics
from collections import Counter

import pytest
from hallq.server.engine import TicketStatus
from hallq.server.simulate.day import full_plan, plan_for_counts, simulate_day
from hallq.server.simulate.model import ServiceTime, arrivals, default_demand, model_from_catalog
from hallq.server.simulate.report import queue_stats, utilisation
from hallq.server.simulate.staffing import optimize

from tests.support.hall import small_catalog


@pytest.fixture(scope="module")
def model():
    catalog = small_catalog()
    catalog["hall"]["hours"] = {"wed": [["09:00", "12:00"], ["13:30", "17:00"]]}
    for q in catalog["queues"]:
        q["daily_quota"] = None
    return model_from_catalog(catalog)


def test_same_seed_same_day_other_seed_other_day(model):
    demand = default_demand(model, tickets=200)
    a, b = simulate_day(model, demand, seed=7), simulate_day(model, demand, seed=7)
    c = simulate_day(model, demand, seed=8)
    assert [(t.queue_id, t.issued_s, t.called_s, t.window) for t in a.tickets] == \
           [(t.queue_id, t.issued_s, t.called_s, t.window) for t in b.tickets]
    assert a.busy_s == b.busy_s
    assert [t.issued_s for t in a.tickets] != [t.issued_s for t in c.tickets]


def test_arrivals_follow_the_hours_and_peak_mid_morning(model):
    demand = default_demand(model, tickets=400)
    stream = [a for seed in range(5) for a in arrivals(model, demand, random.Random(seed))]
    minutes = [a.at_s / 60 for a in stream]
    assert all(9 * 60 <= m < 12 * 60 or 13 * 60 + 30 <= m < 17 * 60 for m in minutes)
    per_hour = Counter(int(m // 60) for m in minutes)
    assert 12 not in per_hour
    assert per_hour[10] > per_hour[9] > per_hour[16]
    assert per_hour[10] == max(per_hour.values())
    # About the day's total (Poisson: 5 days of 400 give 2000 +- ~90 at 2 sigma).
    assert 1800 < len(stream) < 2200
    classes = Counter(a.priority for a in stream)
    assert 0.05 < classes["elderly"] / len(stream) < 0.11


def test_lognormal_service_time_keeps_its_mean():
    rng = random.Random(3)
    draws = [ServiceTime(600, 0.5).draw(rng) for _ in range(20000)]
    assert statistics.fmean(draws) == pytest.approx(600, rel=0.03)
    assert statistics.median(draws) < statistics.fmean(draws)   # right-skewed, as service is


def test_every_visitor_is_called_once_and_waits_through_lunch_not_past_closing(model):
    demand = default_demand(model, tickets=300)
    day = simulate_day(model, demand, seed=2)
    assert day.tickets and all(t.called_s is not None and t.called_s >= t.issued_s for t in day.tickets)
    assert all(t.window in model.windows for t in day.tickets)
    # Windows only call while open or while serving who waited at the end of a span.
    for t in day.tickets:
        minute = t.called_s / 60
        assert 9 * 60 <= minute < 12 * 60 + 30 or 13 * 60 + 30 <= minute < 17 * 60 + 30
    # The engine saw an issue and a call (and a finish or no-show) for every ticket.
    assert day.engine_log == 3 * len(day.tickets)
    assert set(utilisation([day])) == set(full_plan(model))
    assert all(0 < u < 1 for u in utilisation([day]).values())


def test_the_engine_routes_and_applies_its_rules(model):
    """Window 9 serves the green channel first; window 1 serves only amr-reg."""
    demand = default_demand(model, tickets=300)
    day = simulate_day(model, demand, seed=4)
    green = model.queues[next(q.id for q in model.queues.values() if q.code == "green")]
    reg = next(q.id for q in model.queues.values() if q.code == "amr-reg")
    assert {t.window for t in day.tickets if t.queue_id == green.id} == {9}
    assert {t.queue_id for t in day.tickets if t.window == 1} == {reg}
    assert TicketStatus.WAITING  # the engine's own states drive the day


def test_fewer_windows_wait_longer(model):
    demand = default_demand(model, tickets=250)
    everyone = queue_stats([simulate_day(model, demand, seed=s) for s in (1, 2)])
    amr_only = plan_for_counts(model, {"amr": 1, "tax": 0})
    few = queue_stats([simulate_day(model, demand, amr_only, seed=s) for s in (1, 2)])
    assert sum(s.mean_wait_s * s.tickets for s in few.values()) > sum(s.mean_wait_s * s.tickets for s in everyone.values())


@pytest.fixture(scope="module")
def two_departments():
    """Two departments with interchangeable windows: four for registration, three for tax."""
    catalog = small_catalog()
    catalog["hall"]["hours"] = {"wed": [["09:00", "12:00"], ["13:30", "17:00"]]}
    catalog["queues"] = [q for q in catalog["queues"] if q["code"] in ("amr-reg", "tax-inv")]
    for q in catalog["queues"]:
        q["daily_quota"] = None
    catalog["services"] = [x for x in catalog["services"] if x["queue"] in ("amr-reg", "tax-inv")]
    catalog["windows"] = [{"number": n, "queues": ["amr-reg"]} for n in (1, 2, 3, 4)] + \
                         [{"number": n, "queues": ["tax-inv"]} for n in (5, 6, 7)]
    return model_from_catalog(catalog)


def test_optimizer_finds_a_plan_that_meets_every_target(two_departments):
    model = two_departments
    demand = default_demand(model, tickets=120)
    found = optimize(model, demand, seeds=(1, 2))
    assert found.meets and not found.unattainable
    assert found.windows < len(model.windows)       # a quiet day needs fewer than every window
    check = queue_stats([simulate_day(model, demand, plan_for_counts(model, found.counts), seed=s) for s in (1, 2)])
    assert all(s.p90_wait_s <= s.target_s for s in check.values() if s.tickets)
    # One window fewer anywhere would miss a target (or the department has only one left).
    for dept, k in found.counts.items():
        if k > 1:
            fewer = {**found.counts, dept: k - 1}
            days = [simulate_day(model, demand, plan_for_counts(model, fewer), seed=s) for s in (1, 2)]
            assert not all(s.meets for s in queue_stats(days).values())


def test_a_busier_day_needs_more_windows(two_departments):
    model = two_departments
    quiet = optimize(model, default_demand(model, tickets=100), seeds=(1,))
    busy = optimize(model, default_demand(model, tickets=500), seeds=(1,))
    assert busy.windows > quiet.windows
