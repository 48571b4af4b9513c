"""Which queue a window serves next: the routing policies over a window's queues.

The persistence layer finds the head of each queue a window serves (one indexed look-up per
queue); the engine chooses among those heads. Deciding among heads, never among all waiting
tickets, keeps "call next" independent of how long the queues are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from .errors import QueueError
from .rules import HallRules


class RoutingPolicy(StrEnum):
    STRICT = "strict"              # first queue in the window's order that has someone waiting
    WEIGHTED = "weighted"          # smooth weighted round robin over the queues with someone waiting
    LONGEST_WAIT = "longest_wait"  # the ticket that has (effectively) waited longest
    SLA = "sla"                    # the queue furthest past (or nearest to) its waiting target


def parse_policy(value: str) -> RoutingPolicy:
    try:
        return RoutingPolicy(value)
    except ValueError:
        raise QueueError("invalid_policy", f"unknown routing policy {value!r}", policy=value) from None


def sort_key(issued_at_ms: int, priority: str, rules: HallRules) -> int:
    """Order within a queue: earlier is called first; priority classes count as earlier.

    A static key (issue time minus the class's boost) is what lets the database keep queues
    ordered in an index. It also ages: a normal ticket older than a class's boost precedes
    every newcomer of that class.
    """
    return issued_at_ms - rules.boost_ms(priority)


@dataclass(frozen=True)
class Head:
    """The first waiting ticket of one queue."""

    queue_id: int
    ticket_id: int
    sort_key: int
    waiting_target_s: int = 1800


@dataclass(frozen=True)
class Route:
    """A window's queues in order of preference, with a weight each for WEIGHTED."""

    queue_ids: tuple[int, ...]
    weights: tuple[int, ...] = ()

    def weight(self, queue_id: int) -> int:
        if not self.weights:
            return 1
        return max(1, self.weights[self.queue_ids.index(queue_id)])


@dataclass(frozen=True)
class Choice:
    head: Head | None
    # WEIGHTED keeps running credits per queue between calls; other policies keep none.
    credits: dict[int, int] = field(default_factory=dict)


def choose(
    policy: RoutingPolicy,
    route: Route,
    heads: Mapping[int, Head],
    *,
    now_ms: int,
    credits: Mapping[int, int] | None = None,
) -> Choice:
    """Pick the head the window calls next; ``heads`` maps queue id to its head (if any)."""
    eligible: Sequence[Head] = [heads[q] for q in route.queue_ids if q in heads]
    kept = dict(credits or {})
    if not eligible:
        return Choice(None, kept)
    if policy is RoutingPolicy.STRICT:
        return Choice(eligible[0], kept)
    if policy is RoutingPolicy.LONGEST_WAIT:
        # min() keeps the first of equals: preference order breaks ties.
        return Choice(min(eligible, key=lambda h: (h.sort_key, h.ticket_id)), kept)
    if policy is RoutingPolicy.SLA:
        def urgency(h: Head) -> float:
            return (now_ms - h.sort_key) / (max(1, h.waiting_target_s) * 1000)
        return Choice(max(eligible, key=urgency), kept)
    if policy is RoutingPolicy.WEIGHTED:
        # Smooth weighted round robin: every eligible queue earns its weight, the richest is
        # served and pays back the total. Queues with nobody waiting neither earn nor pay.
        total = 0
        best: Head | None = None
        for h in eligible:
            w = route.weight(h.queue_id)
            total += w
            kept[h.queue_id] = kept.get(h.queue_id, 0) + w
            if best is None or kept[h.queue_id] > kept[best.queue_id]:
                best = h
        assert best is not None
        kept[best.queue_id] -= total
        return Choice(best, kept)
    raise QueueError("invalid_policy", f"unknown routing policy {policy!r}")
