"""Timers, queue search, strings and the device texts: pure parts of the view-model."""

from __future__ import annotations

import json

import pytest
from hallq.counter.model import QueueIndex, Since, call_text, duration, initials, keypad_command
from hallq.counter.model.counter import STRINGS_DIR
from hallq.counter.model.devices import ticket_ref, waiting_text
from hallq.counter.model.evaluation import BAD_REASONS, Evaluations
from hallq.server.engine.errors import CODES

from hallq.ui.i18n import Strings


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_since_counts_on_the_injected_clock() -> None:
    clock = FakeClock()
    since = Since(clock(), offset_s=65)
    assert duration(since.elapsed(clock())) == "01:05"
    clock.now += 3600
    assert duration(since.elapsed(clock())) == "1:01:05"
    assert duration(-4) == "00:00"


def test_queue_search_by_chinese_initials_pinyin_and_prefix() -> None:
    index = QueueIndex([
        {"id": 1, "code": "amr-reg", "prefix": "A", "name_zh": "企业登记", "name_en": "Company registration"},
        {"id": 2, "code": "amr-food", "prefix": "B", "name_zh": "食品许可", "name_en": ""},
        {"id": 3, "code": "tax-inv", "prefix": "C", "name_zh": "发票办理", "name_en": "Invoices"},
        {"id": 4, "code": "old", "prefix": "Z", "name_zh": "停用队列", "name_en": "", "active": False},
    ])
    assert initials("企业登记") == "qydj"
    assert [e.id for e in index.search("qydj")] == [1]
    assert [e.id for e in index.search("登记")] == [1]
    assert [e.id for e in index.search("shipin")] == [2]
    assert [e.id for e in index.search("c")][0] == 3            # the prefix first
    assert [e.id for e in index.search("invoice")] == [3]
    assert [e.id for e in index.search("")] == [1, 2, 3]        # inactive queues are not offered
    assert [e.id for e in index.search("", exclude=1)] == [2, 3]
    assert index.search("xyzxyz") == []


def test_strings_have_every_key_in_both_languages_and_every_refusal_explained() -> None:
    strings = Strings.load(STRINGS_DIR)
    assert strings.missing() == {}
    assert set(strings.languages) == {"zh", "en"}
    zh = json.loads((STRINGS_DIR / "zh.json").read_text(encoding="utf-8"))
    # Every state code a window action can answer has its own plain message.
    for code in ("window_busy", "window_idle", "window_closed", "window_paused", "recall_limit",
                 "invalid_transition", "not_served_here", "unknown_ticket", "same_queue",
                 "reactivation_expired", "forbidden"):
        assert code in CODES and f"error.{code}" in zh
    assert strings.t("info.call-next", number="A001") == "已呼叫 A001"
    assert strings.t("info.call-next", "en", number="A001") == "Called A001"
    assert strings.t("error.other", code="x") == "操作未成功（x）"
    assert strings.t("no.such.key") == "no.such.key"
    for key in BAD_REASONS:
        assert strings.has(key)


def test_every_key_the_code_uses_exists() -> None:
    import re

    strings = Strings.load(STRINGS_DIR)
    root = STRINGS_DIR.parent
    used: set[str] = set()
    for path in [*root.rglob("*.py"), *root.rglob("*.kv")]:
        used |= set(re.findall(r"""['"]((?:action|state|info|error|explain|work|signin|window|ticket|stats|"""
                               r"""pause|transfer|rating|reason|dialog|call_number|resume|key|lang|app)\.[a-z_\-.0-9]+)['"]""",
                               path.read_text(encoding="utf-8")))
    from hallq.server.events import EventType

    dynamic = {k for k in used if k.endswith(".")} | {t.value for t in EventType}  # event names, not texts
    assert {k for k in used - dynamic if not strings.has(k)} == set()


@pytest.mark.parametrize(("action", "argument", "window_state", "expected"), [
    ("call", None, "open", ("call-next", None)),
    ("call_number", "12", "open", ("call-number", "12")),
    ("transfer", "3", "open", ("transfer", "3")),
    ("transfer", None, "open", ("transfer", None)),
    ("pause", None, "open", ("pause", None)),
    ("pause", None, "paused", ("open", None)),        # the pause key toggles
    ("finish", "99", "open", ("finish", None)),        # a stray argument is dropped
    ("call_number", None, "open", None),                # no digits: nothing to call
    ("call_number", "1x", "open", None),                # garbage argument
    ("call_number", "123456789", "open", None),         # too long
    ("explode", None, "open", None),                    # unknown action
])
def test_keypad_events_map_to_counter_actions(action: str, argument: str | None, window_state: str,
                                              expected: tuple[str, str | None] | None) -> None:
    command = keypad_command(action, argument, window_state=window_state)
    assert (None if command is None else (command.action.value, command.argument)) == expected


def test_device_texts() -> None:
    assert call_text("A001", 5) == "A001 请到5号窗口"
    assert waiting_text(3) == "等待 3 人"
    assert ticket_ref("A001", 42) == "A001-42"


def test_evaluations_keep_one_rating_per_service_and_time_out() -> None:
    clock = FakeClock()
    flow = Evaluations(clock, screen_timeout_s=30, device_timeout_s=60)
    flow.on_evaluator("A001-1", 1, "A001", "t")
    assert flow.device_rating("A001-9", 5) is None             # not armed for that ticket
    rated = flow.device_rating("A001-1", 5)
    assert rated is not None and rated.channel == "evaluator" and "level" not in repr(rated)
    assert flow.device_rating("A001-1", 4) is None             # one rating per service
    flow.on_screen(2, "A002", "t")
    clock.now += 31
    assert flow.tick() is True and flow.prompt is None         # the visitor walked away
    assert flow.screen_rating(5, []) is None
    flow.on_screen(3, "A003", "t")
    assert flow.screen_rating(7, []) is None                   # no such level
    assert [r.ticket_id for r in flow.outbox] == [1]
    flow.retry_later(rated)
    assert flow.due() == []
    clock.now += 6
    assert flow.due() == [rated]
    flow.sent(rated)
    assert flow.outbox == []


def test_a_snapshot_keeps_the_timer_of_a_ticket_already_shown() -> None:
    from hallq.counter.model.state import ticket_from_answer, ticket_from_snapshot

    clock = FakeClock()
    current = {"id": 7, "number": "A007", "status": "called", "queue_id": 1, "service_id": 3,
               "for_s": 40, "waited_s": 300}
    shown = ticket_from_snapshot(current, None, clock())
    assert shown is not None and duration(shown.since.elapsed(clock())) == "00:40"
    clock.now += 20
    again = ticket_from_snapshot(current | {"for_s": 61}, shown, clock())
    assert again is not None and again.since is shown.since and duration(again.since.elapsed(clock())) == "01:00"
    serving = ticket_from_snapshot(current | {"status": "serving", "for_s": 0}, again, clock())
    assert serving is not None and serving.since.elapsed(clock()) == 0           # a new phase
    assert ticket_from_snapshot(current | {"status": "done"}, serving, clock()) is None
    answer = {"id": 8, "number": "A008", "status": "called", "queue": {"id": 1}, "service_id": 3,
              "issued_at": "2026-03-04T02:00:00+00:00", "called_at": "2026-03-04T02:12:30+00:00"}
    called = ticket_from_answer(answer, clock())
    assert called is not None and called.waited_s == 750
    assert ticket_from_answer(answer | {"status": "held"}, clock()) is None


def test_live_events_tell_what_to_refresh() -> None:
    from hallq.counter.model.state import event_effect

    def event(kind: str, *, window: int | None = None, queue: int = 1, ticket: int = 5,
              status: str = "waiting") -> dict[str, object]:
        return {"id": 1, "type": kind, "data": {
            "ticket": {"id": ticket, "number": "A005", "status": status},
            "queue": {"id": queue, "waiting": 4}, "window": {"number": window} if window else None}}

    mine = {"window": 1, "queue_ids": {1, 2}, "current_id": None, "held_ids": set()}
    issued = event_effect(event("ticket.issued"), **mine)
    assert issued.counts == {1: 4} and issued.refresh == {"waiting"}
    elsewhere = event_effect(event("ticket.issued", queue=9), **mine)
    assert elsewhere.refresh == set() and elsewhere.counts == {}
    called_here = event_effect(event("ticket.called", window=1, status="called"), **mine)
    assert called_here.refresh == {"waiting", "window", "stats"}
    held = event_effect(event("ticket.held", window=1, status="held"), **mine)
    assert held.held is not None and held.held.number == "A005"
    resumed = event_effect(event("ticket.resumed", window=1, status="called"), **(mine | {"held_ids": {5}}))
    assert resumed.released == 5
    window = event_effect({"type": "window.changed", "data": {"window": {"number": 1}}}, **mine)
    assert window.refresh == {"window", "waiting"}
    assert event_effect({"type": "window.changed", "data": {"window": {"number": 3}}}, **mine).refresh == set()
