from datetime import timedelta

import pytest
from hallq.server.engine import QueueError
from hallq.server.models import Queue, Ticket, TicketEvent
from hallq.server.services import tickets as tc
from hallq.server.services.actors import SYSTEM
from sqlalchemy import func, select

VALID_ID = "11010519491231002X"


def issue(hall, s, service="amr-001", *, now, secret=b"s", actor=None, **kw):
    ticket, _ = tc.issue_ticket(s, hall.services[service], actor=actor or hall.kiosk, now=now, secret=secret, **kw)
    return ticket


def test_issue_numbers_each_queue_from_001(hall, db, now):
    with db.write() as s:
        a1 = issue(hall, s, now=now)
        a2 = issue(hall, s, now=now + timedelta(seconds=1))
        b1 = issue(hall, s, "amr-002", now=now + timedelta(seconds=2))
    assert (a1.number, a2.number, b1.number) == ("A001", "A002", "B001")
    assert a1.status == "waiting" and len(a1.token) >= 20 and a1.token != a2.token


def test_issue_writes_audit_and_counts_waiting(hall, db, now):
    with db.write() as s:
        t = issue(hall, s, now=now)
    with db.read() as s:
        trail = s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t.id)).all()
        assert [(e.action, e.from_status, e.to_status, e.actor_kind) for e in trail] == [
            ("issue", None, "waiting", "device")]
        assert s.get(Queue, hall.queues["amr-reg"]).waiting_count == 1


def test_numbering_restarts_on_the_next_business_day(hall, db, now):
    with db.write() as s:
        issue(hall, s, now=now)
        tomorrow = issue(hall, s, now=now + timedelta(days=1))
    assert tomorrow.number == "A001"


def test_unknown_service_is_refused(hall, db, now):
    with pytest.raises(QueueError) as err, db.write() as s:
        tc.issue_ticket(s, 99999, actor=hall.kiosk, now=now, secret=b"s")
    assert err.value.code == "unknown_service"


def test_quota_reached_changes_nothing(hall, db, now):
    with db.write() as s:
        s.execute(Queue.__table__.update().where(Queue.id == hall.queues["amr-reg"]).values(daily_quota=2))
    with db.write() as s:
        issue(hall, s, now=now)
        issue(hall, s, now=now)
    with pytest.raises(QueueError) as err, db.write() as s:
        issue(hall, s, now=now)
    assert err.value.code == "quota_reached"
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 2
        assert s.get(Queue, hall.queues["amr-reg"]).waiting_count == 2
    # the refused attempt did not burn a number either
    with db.write() as s:
        s.execute(Queue.__table__.update().values(daily_quota=None))
    with db.write() as s:
        assert issue(hall, s, now=now).number == "A003"


def test_one_active_ticket_per_person_per_queue(hall, db, now):
    with db.write() as s:
        first = issue(hall, s, now=now, id_number=VALID_ID)
        assert first.person_hash and VALID_ID not in first.person_hash
        assert first.id_masked == "110105********002X"
        issue(hall, s, "amr-002", now=now, id_number=VALID_ID)  # another queue is fine
    with pytest.raises(QueueError) as err, db.write() as s:
        issue(hall, s, now=now, id_number=VALID_ID.lower())
    assert err.value.code == "person_limit"


def test_bad_id_number_and_phone_are_refused_with_the_field(hall, db, now):
    with pytest.raises(QueueError) as err, db.write() as s:
        issue(hall, s, now=now, id_number="110105194912310021")
    assert (err.value.code, err.value.details["field"]) == ("invalid_id_number", "id_number")
    with pytest.raises(QueueError) as err, db.write() as s:
        issue(hall, s, now=now, phone="12345")
    assert err.value.code == "invalid_phone"


def test_kiosk_may_not_choose_the_green_channel(hall, db, now):
    with pytest.raises(QueueError) as err, db.write() as s:
        issue(hall, s, now=now, priority="green")
    assert err.value.code == "priority_not_allowed"
    with db.write() as s:
        assert issue(hall, s, now=now, priority="elderly").priority == "elderly"
        assert issue(hall, s, now=now, priority="green", actor=SYSTEM).priority == "green"
    with pytest.raises(QueueError) as err, db.write() as s:
        issue(hall, s, now=now, priority="vip", actor=SYSTEM)
    assert err.value.code == "invalid_priority"


def test_position_counts_people_ahead_and_estimates(hall, db, now):
    with db.write() as s:
        tickets = [issue(hall, s, now=now + timedelta(seconds=i)) for i in range(5)]
    with db.read() as s:
        pos = tc.position(s, s.get(Ticket, tickets[4].id), now)
    # 4 ahead; 6 min default service; windows 1, 2, 3 and 9 serve queue A
    assert pos.ahead == 4
    assert pos.estimated_wait_s == 4 * 360 // 4


def test_idempotent_issue_returns_the_same_ticket(hall, db, now):
    with db.write() as s:
        t1, replay1 = tc.issue_ticket(s, hall.services["amr-001"], actor=hall.kiosk, now=now, secret=b"s",
                                      idempotency_key="k-1")
    with db.write() as s:
        t2, replay2 = tc.issue_ticket(s, hall.services["amr-001"], actor=hall.kiosk, now=now, secret=b"s",
                                      idempotency_key="k-1")
    assert (t1.id, replay1, replay2) == (t2.id, False, True)
    with pytest.raises(QueueError) as err, db.write() as s:
        tc.issue_ticket(s, hall.services["amr-002"], actor=hall.kiosk, now=now, secret=b"s", idempotency_key="k-1")
    assert err.value.code == "idempotency_conflict"
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1


def test_lookup_by_token_and_number(hall, db, now):
    with db.write() as s:
        t = issue(hall, s, now=now)
    with db.read() as s:
        assert tc.by_token(s, t.token).id == t.id
        assert tc.by_number(s, "a001", now).id == t.id
        with pytest.raises(QueueError) as err:
            tc.by_token(s, "nope")
        assert err.value.code == "unknown_ticket"
