"""What the counter shows, as plain data built from the server's answers and live events.

Pure functions: a server answer (or event) and ``now`` in, the counter's view out. The
view-model calls them on the UI thread and keeps the results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .timers import Since


@dataclass
class Ticket:
    """The ticket at the window."""

    id: int
    number: str
    status: str
    queue_id: int
    service_id: int | None
    waited_s: int
    since: Since                 # when the current phase (called, serving) began
    recall_count: int = 0
    priority: str | None = None  # green | appointment | elderly | normal; None until known


PRIORITIES = ("green", "appointment", "elderly")   # the classes that get a badge, strongest first


def priority_badge(priority: str | None) -> str | None:
    """The message key of a ticket's priority badge (its reason), or None for a normal one."""
    return f"priority.{priority}" if priority in PRIORITIES else None


@dataclass(frozen=True)
class Held:
    id: int
    number: str


@dataclass
class Waiting:
    """One of the window's queues: how many wait, and the next numbers."""

    queue_id: int
    prefix: str
    name_zh: str
    name_en: str
    count: int
    next: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Message:
    key: str
    kind: str = "info"           # info | error
    params: dict[str, Any] = field(default_factory=dict)
    code: str | None = None      # the server's error code, if any


@dataclass
class EventEffect:
    """What a live event changes for one window."""

    refresh: set[str] = field(default_factory=set)        # window, waiting, stats, catalog
    counts: dict[int, int] = field(default_factory=dict)  # queue id -> waiting, shown at once
    held: Held | None = None                              # held by this window
    released: int | None = None                           # a held ticket that moved on


AT_WINDOW = ("called", "serving")


def _seconds_between(start: str | None, end: str | None) -> int:
    if not start or not end:
        return 0
    return max(0, int((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()))


def ticket_from_answer(answer: dict[str, Any], now: float) -> Ticket | None:
    """The window's ticket after an action answered with ``answer`` (a ticket), or None
    when the ticket left the window (finished, no-show, held, transferred)."""
    status = str(answer["status"])
    if status not in AT_WINDOW:
        return None
    return Ticket(id=int(answer["id"]), number=str(answer["number"]), status=status,
                  queue_id=int(answer["queue"]["id"]), service_id=answer.get("service_id"),
                  waited_s=_seconds_between(answer.get("issued_at"), answer.get("called_at")),
                  since=Since(now), recall_count=int(answer.get("recall_count") or 0),
                  priority=answer.get("priority"))


def ticket_from_snapshot(current: dict[str, Any] | None, before: Ticket | None, now: float) -> Ticket | None:
    """The window's ticket from a window snapshot's ``current``; a ticket already shown in
    the same status keeps its timer."""
    if current is None or current.get("status") not in AT_WINDOW:
        return None
    same = before is not None and before.id == current["id"] and before.status == current["status"]
    return Ticket(id=int(current["id"]), number=str(current["number"]), status=str(current["status"]),
                  queue_id=int(current["queue_id"]), service_id=current.get("service_id"),
                  waited_s=int(current.get("waited_s") or 0),
                  since=before.since if same and before else Since(now, float(current.get("for_s") or 0)),
                  recall_count=before.recall_count if same and before else 0,
                  priority=current.get("priority") or (before.priority if before and before.id == current["id"]
                                                       else None))


def waiting_from_rows(rows: list[dict[str, Any]]) -> list[Waiting]:
    return [Waiting(int(r["queue_id"]), str(r.get("prefix") or ""), str(r.get("name_zh") or ""),
                    str(r.get("name_en") or ""), int(r.get("waiting") or 0),
                    [str(n["number"]) for n in r.get("next") or []]) for r in rows]


def event_effect(message: dict[str, Any], *, window: int, queue_ids: set[int], current_id: int | None,
                 held_ids: set[int]) -> EventEffect:
    kind = str(message.get("type") or "")
    data = message.get("data") or {}
    effect = EventEffect()
    if kind.startswith("ticket."):
        for ref in (data.get("queue"), data.get("from_queue")):
            if ref and ref.get("id") in queue_ids:
                effect.counts[int(ref["id"])] = int(ref.get("waiting") or 0)
                effect.refresh.add("waiting")
        ticket = data.get("ticket") or {}
        tid = ticket.get("id")
        at_window = (data.get("window") or {}).get("number") == window
        if at_window or (current_id is not None and tid == current_id):
            effect.refresh |= {"window", "stats"}
        if tid is not None and kind == "ticket.held" and at_window and tid not in held_ids:
            effect.held = Held(int(tid), str(ticket.get("number")))
        elif tid in held_ids and kind != "ticket.held" and ticket.get("status") != "held":
            effect.released = int(tid)
    elif kind == "window.changed":
        if (data.get("window") or {}).get("number") == window:
            effect.refresh |= {"window", "waiting"}
    elif kind == "catalog.changed":
        effect.refresh.add("catalog")
    return effect


def candidates(typed: str, prefixes: list[str]) -> list[str]:
    """Ticket numbers a clerk may mean: "A12" -> ["A012"]; "12" -> the window's prefixes
    in order of preference ("A012", "B012")."""
    text = "".join(typed.split()).upper()
    if not text:
        return []
    if text.isdigit():
        digits = text.zfill(3)
        return [f"{p}{digits}" for p in prefixes] or [digits]
    head = text.rstrip("0123456789")
    tail = text[len(head):]
    return [f"{head}{tail.zfill(3)}" if tail else text]
