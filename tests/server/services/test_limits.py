"""Abuse limits: one counter per key, checked and counted in one statement."""

import threading
from datetime import timedelta

from hallq.server.services import limits
from hallq.server.services.limits import Limit

FIVE = Limit("test", 5, window_s=60)


def test_a_window_counts_hits_and_starts_again_when_it_closes(db, now):
    with db.write() as s:
        counts = [limits.take(s, FIVE, "a", now=now).hits for _ in range(3)]
        assert counts == [1, 2, 3]
        assert limits.take(s, FIVE, "b", now=now).hits == 1       # another key
        again = limits.take(s, FIVE, "a", now=now + timedelta(seconds=61))
        assert again.hits == 1 and again.ends_at == now + timedelta(seconds=121)


def test_past_the_limit_the_refusal_says_how_long_to_wait(db, now):
    with db.write() as s:
        for _ in range(5):
            assert limits.over(FIVE, limits.take(s, FIVE, "a", now=now), now=now, message="m") is None
        refusal = limits.over(FIVE, limits.take(s, FIVE, "a", now=now + timedelta(seconds=20)),
                              now=now + timedelta(seconds=20), message="m")
    assert refusal is not None and refusal.code == "rate_limited" and refusal.details["retry_after_s"] == 40


def test_crossing_a_limit_with_a_lockout_locks_the_key_past_its_window(db, now):
    locking = Limit("test", 2, window_s=60, lockout_s=600)
    with db.write() as s:
        hits = [limits.take(s, locking, "a", now=now) for _ in range(3)]
        assert hits[2].ends_at == now + timedelta(seconds=600)
        later = now + timedelta(seconds=300)
        assert limits.take(s, locking, "a", now=later).hits == 4
        assert limits.refused(s, locking, "a", now=later) is not None
        assert limits.take(s, locking, "a", now=now + timedelta(seconds=601)).hits == 1


def test_give_back_undoes_one_hit_never_below_zero(db, now):
    with db.write() as s:
        limits.take(s, FIVE, "a", now=now)
        limits.give_back(s, FIVE, "a", now=now)
        limits.give_back(s, FIVE, "a", now=now)
        assert limits.take(s, FIVE, "a", now=now).hits == 1


def test_a_limit_of_zero_is_off(db, now):
    off = Limit("test", 0)
    with db.write() as s:
        assert all(limits.over(off, limits.take(s, off, "a", now=now), now=now, message="m") is None
                   for _ in range(50))


def test_parallel_hits_each_see_their_own_count(db, now):
    # Eight threads, each in its own transaction (own connection): no two see the same count,
    # so no more than `per` of them can ever be admitted.
    seen: list[int] = []
    lock = threading.Lock()

    def hit() -> None:
        for _ in range(10):
            with db.write() as s:
                n = limits.take(s, FIVE, "shared", now=now).hits
            with lock:
                seen.append(n)

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(seen) == list(range(1, 81))


def test_sweep_drops_closed_windows_only(db, now):
    with db.write() as s:
        limits.take(s, FIVE, "old", now=now - timedelta(seconds=120))
        limits.take(s, FIVE, "new", now=now)
        assert limits.sweep(s, now=now) == 1
        assert limits.take(s, FIVE, "new", now=now).hits == 2
