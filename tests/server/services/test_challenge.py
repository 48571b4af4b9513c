"""The booking page's verification question: signed, expiring tokens, good for one try."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from hallq.server.engine import QueueError
from hallq.server.services import challenge

SECRET = b"test-secret"


def reason(refusal: QueueError | None) -> str | None:
    if refusal is None:
        return None
    assert refusal.code == "challenge_failed" and refusal.details["field"] == "challenge"
    return str(refusal.details["reason"])


def test_a_question_is_a_small_sum_with_a_token_that_hides_its_answer(now):
    asked = challenge.issue(SECRET, now=now, numbers=(7, 5))
    assert asked.question == "7 + 5 = ?"
    assert asked.expires_at == now + timedelta(seconds=challenge.TTL_S)
    assert asked.as_dict(now)["expires_in_s"] == challenge.TTL_S
    assert "12" not in asked.token.split(".")   # the answer is bound by a tag, not written in
    assert challenge.issue(SECRET, now=now, numbers=(7, 5)).token != asked.token   # a new nonce each time
    assert challenge.open_token(SECRET, asked.token, 12, now=now).right
    assert not challenge.open_token(SECRET, asked.token, 13, now=now).right


@pytest.mark.parametrize("typed, right", [("12", True), (" 12 ", True), ("１２", True), ("012", True),
                                          ("13", False), ("", False), ("twelve", False), ("1e1", False),
                                          ("99999999", False)])
def test_the_answer_is_read_as_a_person_types_it(now, typed, right):
    asked = challenge.issue(SECRET, now=now, numbers=(7, 5))
    assert challenge.open_token(SECRET, asked.token, typed, now=now).right is right


def test_a_token_past_its_expiry_is_refused(now):
    asked = challenge.issue(SECRET, now=now, numbers=(1, 1))
    assert challenge.open_token(SECRET, asked.token, 2, now=asked.expires_at - timedelta(seconds=1)).right
    with pytest.raises(QueueError) as refused:
        challenge.open_token(SECRET, asked.token, 2, now=asked.expires_at)
    assert reason(refused.value) == "expired"


def altered(token: str) -> list[str]:
    expires, nonce, answer_tag, token_tag = token.split(".")
    flip = "A" if token_tag[0] != "A" else "B"
    return [
        f"{int(expires) + 3600}.{nonce}.{answer_tag}.{token_tag}",          # a later expiry
        f"{expires}.{'0' * 32}.{answer_tag}.{token_tag}",                    # another nonce
        f"{expires}.{nonce}.{answer_tag}.{flip}{token_tag[1:]}",              # a changed signature
        f"{expires}.{nonce}.{token_tag}.{answer_tag}",
        "", "nonsense", token + ".", token[:-1],
    ]


def test_a_forged_or_altered_token_is_refused_whatever_the_answer(now):
    asked = challenge.issue(SECRET, now=now, numbers=(3, 4))
    for token in [*altered(asked.token), challenge.issue(b"another hall", now=now, numbers=(3, 4)).token]:
        with pytest.raises(QueueError) as refused:
            challenge.open_token(SECRET, token, 7, now=now)
        assert reason(refused.value) == "forged", token


def test_a_token_is_good_for_one_try_right_or_wrong(db, now):
    first = challenge.issue(SECRET, now=now, numbers=(2, 2))
    with db.write() as s:
        assert challenge.redeem(s, SECRET, first.token, "4", now=now) is None
    with db.write() as s:
        assert reason(challenge.redeem(s, SECRET, first.token, "4", now=now)) == "used"
    second = challenge.issue(SECRET, now=now, numbers=(2, 2))
    with db.write() as s:
        assert reason(challenge.redeem(s, SECRET, second.token, "5", now=now)) == "wrong_answer"
    with db.write() as s:   # a wrong answer used the token up: no trying every answer
        assert reason(challenge.redeem(s, SECRET, second.token, "4", now=now)) == "used"
    with db.write() as s:
        assert reason(challenge.redeem(s, SECRET, altered(first.token)[0], "4", now=now)) == "forged"
        late = first.expires_at + timedelta(seconds=1)
        assert reason(challenge.redeem(s, SECRET, challenge.issue(SECRET, now=now).token, "4", now=late)) == "expired"


def test_parallel_tries_of_one_token_let_exactly_one_through(db, now):
    asked = challenge.issue(SECRET, now=now, numbers=(4, 5))
    results: list[str | None] = []
    lock = threading.Lock()

    def attempt() -> None:
        with db.write() as s:
            outcome = reason(challenge.redeem(s, SECRET, asked.token, 9, now=now))
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results, key=str) == [None] + ["used"] * 7
