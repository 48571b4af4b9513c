"""The queue engine: pure decisions over tickets, queues and windows.

No database, no clock, no network: state and ``now`` go in, decisions come out. The server's
use cases and the day simulation both drive it.
"""

from .errors import CODES, QueueError, http_status
from .estimate import estimate_wait_s, ewma
from .issuing import check_issue, check_person_limit
from .memory import Change, MemoryHall, Queue
from .numbering import business_date, check_prefix, format_number, parse_number, prefix_for
from .routing import Choice, Head, Route, RoutingPolicy, choose, parse_policy, sort_key
from .rules import EndOfDay, HallRules, Priority, parse_priority
from .states import ACTIVE, AT_WINDOW, FINAL, Action, TicketStatus, allowed_actions, next_status
from .tickets import Ticket, to_ms
from .windows import Window, WindowState, check_can_call

__all__ = [
    "ACTIVE", "AT_WINDOW", "CODES", "FINAL", "Action", "Change", "Choice", "EndOfDay",
    "HallRules", "Head", "MemoryHall", "Priority", "Queue", "QueueError", "Route",
    "RoutingPolicy", "Ticket", "TicketStatus", "Window", "WindowState", "allowed_actions",
    "business_date", "check_can_call", "check_issue", "check_person_limit", "check_prefix", "choose",
    "estimate_wait_s", "ewma", "format_number", "http_status", "next_status", "parse_number",
    "parse_policy", "parse_priority", "prefix_for", "sort_key", "to_ms",
]
