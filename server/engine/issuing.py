"""Whether a ticket may be issued: queue open, daily quota, per-person limit, priority class."""

from __future__ import annotations

from .errors import QueueError
from .rules import HallRules, Priority, parse_priority


def check_issue(
    *,
    queue_name: str,
    queue_active: bool,
    daily_quota: int | None,
    issued_today: int,
    person_active: int,
    rules: HallRules,
    priority: str,
    self_service: bool,
) -> Priority:
    """Raise the reason a ticket cannot be issued, or return its priority class.

    ``person_active`` counts the visitor's active tickets in this queue (by ID hash);
    ``self_service`` is true at a kiosk, where only self-declared classes may be chosen.
    """
    cls = parse_priority(priority)
    if not queue_active:
        raise QueueError("queue_inactive", f"{queue_name} is not taking tickets now")
    if self_service and cls.value not in rules.self_declared:
        raise QueueError("priority_not_allowed",
                         f"the {cls.value} class is given at the desk, not at a kiosk",
                         priority=cls.value)
    if daily_quota is not None and issued_today >= daily_quota:
        raise QueueError("quota_reached", f"{queue_name} has issued its {daily_quota} tickets for today",
                         quota=daily_quota)
    check_person_limit(person_active, rules)
    return cls


def check_person_limit(person_active: int, rules: HallRules) -> None:
    """Also applies when a ticket is transferred into a queue where its holder already waits."""
    if person_active >= rules.person_limit_per_queue:
        raise QueueError("person_limit", "this person already holds a ticket in this queue")
