"""The load generator and its integrity check: numbers, splitting, and a short real run."""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta

import pytest
from hallq.server.bench.integrity import verify
from hallq.server.bench.load import Load, Samples, Target, event_latencies, run_load, split
from hallq.server.bench.scenario import (
    BARE,
    CEILING_CLIENTS,
    FLOODED,
    PACED,
    ceiling,
    ceiling_table,
)
from hallq.server.bench.stats import Report, Summary, percentile
from hallq.server.models import AuditEntry, Queue, TicketEvent
from hallq.server.services import tickets as tc
from hallq.server.services import windows as wc
from hallq.server.services.actors import SYSTEM
from sqlalchemy import func, select, update


def test_percentiles_and_summary():
    values = sorted(float(v) for v in range(1, 101))
    assert percentile(values, 0.5) == 50 and percentile(values, 0.99) == 99 and percentile(values, 1.0) == 100
    assert math.isnan(percentile([], 0.5))
    s = Summary.of([0.010, 0.020, 0.030, 0.040], elapsed_s=2.0)
    assert s.count == 4 and s.per_s == 2.0 and s.p50_ms == pytest.approx(20) and s.max_ms == pytest.approx(40)


def test_split_shares_every_device_and_ticket():
    load = Load(kiosks=7, windows=tuple(range(1, 12)), displays=5, tickets=1001, duration_s=None)
    parts = split(load, 3)
    assert sum(p.kiosks for p in parts) == 7 and sum(p.displays for p in parts) == 5
    assert sorted(n for p in parts for n in p.windows) == list(range(1, 12))
    assert sum(p.tickets or 0 for p in parts) == 1001


def test_event_latency_pairs_each_call_with_each_display():
    samples = Samples(calls=[(1, 3, 10.0), (2, 3, 11.0)], received=[{1: 10.05, 2: 11.5}, {1: 10.2}], ended=20.0)
    latencies, expected = event_latencies(samples)
    assert expected == 4 and sorted(round(x, 2) for x in latencies) == [0.05, 0.2, 0.5]


def test_integrity_check_finds_what_went_wrong(db, hall, now):
    service = hall.services["amr-001"]
    told = {}
    for i in range(3):
        with db.write() as s:
            t, _ = tc.issue_ticket(s, service, actor=hall.kiosk, now=now + timedelta(seconds=i), secret=b"s",
                                   idempotency_key=f"k{i}")
            told[f"k{i}"] = (t.id, t.number)
    with db.write() as s:
        called, _ = wc.call_next(s, 1, actor=SYSTEM, now=now + timedelta(minutes=1))
    calls = [(called.id, 1)]
    assert verify(db, told=told, calls=calls)["ok"]

    lost = {**told, "k9": (9999, "A999")}
    assert "do not exist" in " ".join(verify(db, told=lost)["problems"])
    assert verify(db, calls=calls + [(called.id, 2)])["called_twice"] == 1
    with db.write() as s:   # an audit row that does not follow from the one before
        s.add(TicketEvent(ticket_id=told["k2"][0], at=now, action="finish", from_status="serving",
                          to_status="done", actor_kind="system"))
        s.execute(update(Queue).where(Queue.id == hall.queues["amr-reg"]).values(waiting_count=7))
    result = verify(db, told=told, calls=calls)
    assert not result["ok"] and result["audit_gaps"] == 1 and result["waiting_count_mismatches"] == 1


@pytest.mark.timeout(60)
def test_a_short_real_run_against_a_live_server(live, db):
    services = tuple(live.hall.services.values())
    target = Target(url=live.url, kiosk_tokens=(live.tokens["kiosk"],),
                    window_tokens={1: live.tokens["manager"], 2: live.tokens["counter"], 3: live.tokens["manager"]},
                    display_tokens=(live.tokens["display"],), services=services)
    samples = run_load(target, Load(kiosks=2, windows=(1, 2, 3), displays=2, duration_s=2.0, event_grace_s=1.0,
                                    idle_poll_s=0.02))
    assert len(samples.issued) > 5 and len(samples.calls) > 2
    assert samples.latencies["issue"] and samples.latencies["call-next"]
    latencies, expected = event_latencies(samples)
    assert expected == 2 * len(samples.calls) and len(latencies) == expected   # every display saw every call
    assert all(x > 0 for x in latencies)
    assert not {k: v for k, v in samples.errors.items() if not k.endswith("quota_reached")}
    result = verify(db, told=samples.issued, calls=[(t, w) for t, w, _ in samples.calls])
    assert result["problems"] == []


def _report(name: str, per_op: dict[str, int], *, elapsed: float = 2.0, server_cpu: float | None = 1.0,
            loadgen_cpu: float = 0.5) -> Report:
    operations = {op: Summary.of([0.01] * n, elapsed) for op, n in per_op.items()}
    return Report(name=name, settings={}, elapsed_s=elapsed, operations=operations, events=None,
                  events_expected=0, events_received=0, errors=Counter(), server_peak_rss_mb=None,
                  server_cpu_s=server_cpu, loadgen_cpu_s=loadgen_cpu)


def test_ceiling_is_the_bare_endpoint_of_the_same_run():
    reports = [_report(BARE, {"issue": 8000}, server_cpu=3.0, loadgen_cpu=0.6),
               _report(f"issue, {CEILING_CLIENTS} clients", {"issue": 2000}),
               _report(f"call, {CEILING_CLIENTS} clients", {"call_next": 700, "finish": 600}),
               _report("issue, 8 clients", {"issue": 7000})]
    c = ceiling(reports)
    assert c["bare_per_s"] == 4000 and c["issue_per_s"] == 1000 and c["issue_ratio"] == 0.25
    # a call cycle is one call-next and one finish: counted by the finishes
    assert c["call_cycles_per_s"] == 300 and c["call_cycle_ratio"] == 0.075
    assert c["bare_loadgen_cores"] == 0.3 and c["bare_server_cores"] == 1.5
    table = ceiling_table(c)
    assert "| hallq issue | 1000.0 | 0.250 |" in table and "| 4000.0 | 1.000 |" in table
    assert "0.3 cores" in table


def test_no_ceiling_without_a_bare_phase():
    assert ceiling([_report(f"issue, {CEILING_CLIENTS} clients", {"issue": 10})]) == {}
    only_bare = ceiling([_report(BARE, {"issue": 100})])
    assert "issue_ratio" not in only_bare and "issue_per_s" not in only_bare
    assert "hallq issue" not in ceiling_table(only_bare)


def test_flood_effect_compares_kiosk_p50_with_and_without_the_flood():
    idle = _report(PACED, {"issue": 100})
    idle.operations["issue"] = Summary.of([0.010] * 100, 2.0)
    flooded = _report(FLOODED, {"issue": 100, "login refused (401)": 90, "login refused (429)": 10})
    flooded.operations["issue"] = Summary.of([0.015] * 100, 2.0)
    c = ceiling([_report(BARE, {"issue": 1000}), idle, flooded])
    assert c["flood_p50_factor"] == 1.5 and c["flood_logins_per_s"] == 50
    assert "(1.5x)" in ceiling_table(c)


@pytest.mark.timeout(60)
def test_a_login_flood_sprays_wrong_passwords_at_the_rate_asked(live, db):
    target = Target(url=live.url, kiosk_tokens=(live.tokens["kiosk"],), window_tokens={},
                    display_tokens=(), services=tuple(live.hall.services.values()))
    samples = run_load(target, Load(kiosks=1, windows=(), duration_s=1.5, kiosk_pause_s=0.1,
                                    login_flood_per_s=10))
    refused = {op: len(v) for op, v in samples.latencies.items() if op.startswith("login refused")}
    # every username is new, so none reaches the per-user limit: each is checked and refused
    # (at least a third of the asked rate arrives even on a loaded machine; never more than asked)
    assert set(refused) == {"login refused (401)"} and 5 <= refused["login refused (401)"] <= 16
    assert samples.latencies["issue"] and not samples.errors
    with db.read() as s:
        failed = s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "auth.login_failed"))
    assert failed == refused["login refused (401)"]
