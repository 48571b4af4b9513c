"""The hall's queueing rules: priority boosts, no-show handling, numbering and carry-over.

Stored per hall (administrators edit them); the engine reads them, never the settings file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

from .errors import QueueError


class Priority(StrEnum):
    GREEN = "green"              # 绿色通道: investment projects, urgent cases; given at the desk
    APPOINTMENT = "appointment"  # checked-in booking
    ELDERLY = "elderly"          # elderly or disabled visitors (适老化)
    NORMAL = "normal"


def _default_boosts() -> dict[str, int]:
    # Seconds a class is treated as having arrived earlier than it did. A normal ticket that
    # has waited longer than a class's boost goes before newcomers of that class: aging, so
    # no normal ticket starves behind a stream of priority tickets.
    return {
        Priority.GREEN.value: 1800,
        Priority.APPOINTMENT.value: 1200,
        Priority.ELDERLY.value: 600,
        Priority.NORMAL.value: 0,
    }


class EndOfDay(StrEnum):
    EXPIRE = "expire"  # waiting tickets expire when the business day turns
    CARRY = "carry"    # waiting tickets stay in the queue for the next day


@dataclass(frozen=True)
class HallRules:
    timezone: str = "Asia/Shanghai"
    # Hour (local) at which numbering restarts and the business day turns.
    reset_hour: int = 4
    priority_boost_s: dict[str, int] = field(default_factory=_default_boosts)
    # Priority classes a visitor may choose at a kiosk; the others are given by staff.
    self_declared: tuple[str, ...] = (Priority.NORMAL.value, Priority.ELDERLY.value)
    # A called ticket may be marked no-show after this many recalls or this many seconds.
    no_show_after_recalls: int = 2
    no_show_after_s: int = 180
    # A no-show may come back (re-activation) within this grace period.
    reactivation_grace_s: int = 1800
    # Digits of the daily sequence (A001); numbers beyond it widen rather than wrap.
    number_width: int = 3
    end_of_day: EndOfDay = EndOfDay.EXPIRE
    # Ticket weight of EWMA for learned service time: new = a*sample + (1-a)*old.
    service_time_alpha: float = 0.2
    # Active tickets one person (by ID hash) may hold in one queue.
    person_limit_per_queue: int = 1

    def boost_ms(self, priority: str) -> int:
        try:
            return int(self.priority_boost_s[Priority(priority).value]) * 1000
        except (ValueError, KeyError):
            raise QueueError("invalid_priority", f"unknown priority class {priority!r}",
                             priority=priority) from None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["self_declared"] = list(self.self_declared)
        data["end_of_day"] = self.end_of_day.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> HallRules:
        if not data:
            return cls()
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise QueueError("invalid_value", f"unknown hall rule(s): {', '.join(sorted(unknown))}")
        values = dict(data)
        if "self_declared" in values:
            values["self_declared"] = tuple(Priority(p).value for p in values["self_declared"])
        if "end_of_day" in values:
            values["end_of_day"] = EndOfDay(values["end_of_day"])
        if "priority_boost_s" in values:
            boosts = _default_boosts()
            for key, value in values["priority_boost_s"].items():
                boosts[Priority(key).value] = int(value)
            values["priority_boost_s"] = boosts
        rules = cls(**values)
        rules.validate()
        return rules

    def validate(self) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise QueueError("invalid_value", f"unknown time zone {self.timezone!r}") from None
        if not 0 <= self.reset_hour <= 23:
            raise QueueError("invalid_value", "reset_hour must be 0-23")
        if self.number_width < 1 or self.number_width > 6:
            raise QueueError("invalid_value", "number_width must be 1-6")
        if any(v < 0 for v in self.priority_boost_s.values()):
            raise QueueError("invalid_value", "priority boosts must not be negative")
        if self.no_show_after_recalls < 0 or self.no_show_after_s < 0 or self.reactivation_grace_s < 0:
            raise QueueError("invalid_value", "no-show limits must not be negative")
        if not 0 < self.service_time_alpha <= 1:
            raise QueueError("invalid_value", "service_time_alpha must be in (0, 1]")
        if self.person_limit_per_queue < 1:
            raise QueueError("invalid_value", "person_limit_per_queue must be at least 1")


def parse_priority(value: str) -> Priority:
    try:
        return Priority(value)
    except ValueError:
        raise QueueError("invalid_priority", f"unknown priority class {value!r}", priority=value) from None
