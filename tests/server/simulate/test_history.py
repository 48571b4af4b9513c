"""Arrival rates, service times and no-shows learned from a hall's own tickets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hallq.server.services import tickets as tc
from hallq.server.services import windows as wc
from hallq.server.services.actors import SYSTEM
from hallq.server.simulate.day import simulate_day
from hallq.server.simulate.history import demand_from_db, model_from_db


def test_demand_from_the_hall_history(db, hall, now):
    reg = hall.queues["amr-reg"]
    for i in range(6):
        issued = now + timedelta(minutes=5 * i)          # 10:00-10:25 in the hall
        with db.write() as s:
            tc.issue_ticket(s, hall.services["amr-001"], actor=hall.kiosk, now=issued, secret=b"s")
        with db.write() as s:
            wc.call_next(s, 1, actor=SYSTEM, now=issued + timedelta(minutes=1))
        with db.write() as s:
            if i == 5:
                wc.no_show(s, 1, actor=SYSTEM, now=issued + timedelta(minutes=4))
            else:
                wc.finish(s, 1, actor=SYSTEM, now=issued + timedelta(minutes=1, seconds=240 + 30 * i))
    with db.write() as s:   # one for tax in the afternoon (15:00)
        tc.issue_ticket(s, hall.services["tax-001"], actor=hall.kiosk, now=now + timedelta(hours=5), secret=b"s")

    model = model_from_db(db)
    assert set(model.windows) == {1, 2, 3, 9} and model.windows[3].queues[0] == hall.queues["amr-food"]
    demand = demand_from_db(db, model, days=5)
    assert demand.per_hour[reg] == {10: 6.0}
    assert demand.per_hour[hall.queues["tax-inv"]] == {15: 1.0}
    assert sorted(demand.service[reg].samples) == [240.0, 270.0, 300.0, 330.0, 360.0]
    assert demand.service[reg].mean_s == pytest.approx(300)
    assert demand.no_show == pytest.approx(1 / 6)
    day = simulate_day(model, demand, seed=1)
    assert {t.queue_id for t in day.tickets} <= {reg, hall.queues["tax-inv"]}
