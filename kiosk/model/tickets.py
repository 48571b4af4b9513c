"""Taking a number: department -> service item -> confirm (people ahead, estimated wait,
optional ID number or phone, self-declared priority) -> the ticket, printed and on screen.

The flow's blocking calls (``choose_department``, ``estimate``, ``confirm``) run on a worker
thread; the screen shows "please wait" meanwhile and reads the flow again when the call
returns. ``confirm`` is safe to repeat after a network error: the retry carries the same
Idempotency-Key, so the server answers with the ticket it already made.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from hallq.hardware.printer import TicketPrint

from hallq.client import ApiError, HallClient

from .connection import unavailable
from .context import Context, KeyedRequest
from .fields import Checked, Kind, check_id, check_mobile, masked
from .formatting import parse_time
from .i18n import Strings
from .printing import PrintOutcome

log = logging.getLogger(__name__)

# Refusal codes with their own explanation (error.<code> in the string tables).
EXPLAINED = frozenset({
    "unreachable", "database_unavailable", "database_error", "rate_limited", "unauthenticated", "forbidden",
    "queue_inactive", "quota_reached", "person_limit", "priority_not_allowed", "invalid_id_number",
    "invalid_phone", "unknown_service", "unknown_department", "hall_closed", "number_exhausted",
    "unknown_appointment", "wrong_day", "too_early", "too_late", "already_checked_in", "appointment_cancelled",
    "unknown_company", "credit_unavailable", "invalid_value",
})
PRIORITY_LABEL = {"appointment": "ticket.priority.appointment", "elderly": "ticket.priority.elderly",
                  "green": "ticket.priority.green"}


@dataclass(frozen=True)
class Refused:
    """The server refused, or could not be reached (``retry``: ask again, same key)."""

    code: str
    retry: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def message_key(self) -> str:
        return f"error.{self.code}" if self.code in EXPLAINED else "error.generic"

    def values(self, tz: str | None = None) -> dict[str, str]:
        """What the message's placeholders need (the booking's day, the check-in window)."""
        d = self.details
        return {"day": str(d.get("day", "")),
                "start": _hhmm(d.get("from"), tz) or str(d.get("slot_start", "")),
                "until": _hhmm(d.get("until"), tz)}


def _hhmm(value: Any, tz: str | None) -> str:
    at = parse_time(value, tz) if isinstance(value, str) else None
    return at.strftime("%H:%M") if at else ""


def refused(exc: ApiError) -> Refused:
    return Refused(exc.code, unavailable(exc), dict(exc.details))


@dataclass(frozen=True)
class Issued:
    """A ticket the server issued, and whether it came out of the printer."""

    ticket_id: int
    number: str
    status_url: str
    ahead: int
    estimated_wait_s: int | None
    priority: str
    queue: dict[str, Any]
    department: dict[str, Any] | None
    service: dict[str, Any] | None
    issued_at: datetime | None
    id_masked: str | None
    phone_masked: str | None
    replayed: bool
    printed: PrintOutcome

    @property
    def priority_key(self) -> str:
        return PRIORITY_LABEL.get(self.priority, "")


Outcome = Issued | Refused


def ticket_print(answer: dict[str, Any], hall: dict[str, Any], department: dict[str, Any] | None,
                 service: dict[str, Any] | None) -> TicketPrint:
    """The printable ticket of a ``POST /tickets`` (or check-in) answer."""
    queue = answer.get("queue") or {}
    tz = hall.get("timezone")
    issued = parse_time(answer.get("issued_at"), tz)
    priority = str(answer.get("priority") or "normal")
    label_key = PRIORITY_LABEL.get(priority)
    label = f"{Strings('zh').t(label_key)} {Strings('en').t(label_key)}" if label_key else ""
    return TicketPrint(
        hall_name=str(hall.get("name_zh") or ""), hall_name_en=str(hall.get("name_en") or ""),
        number=str(answer["number"]),
        department=str((department or {}).get("name_zh") or ""),
        service=str((service or {}).get("name_zh") or ""),
        queue_name=str(queue.get("name_zh") or ""),
        ahead=int(answer.get("ahead") or 0),
        estimated_wait_s=answer.get("estimated_wait_s"),
        issued_at=issued or datetime.now(),
        status_url=str(answer.get("status_url") or ""),
        notice=str(hall.get("notice_zh") or ""), notice_en=str(hall.get("notice_en") or ""),
        priority_label=label)


def issue_and_print(ctx: Context, keyed: KeyedRequest, request: tuple[Any, ...],
                    send: Callable[[HallClient, str], dict[str, Any]],
                    service: dict[str, Any] | None = None) -> Outcome:
    """Send one keyed ticket request (a retry reuses the key), then print what came back.
    Blocks: the request, then the print job."""
    key = keyed.key_for(request)
    try:
        answer = ctx.connection.call(lambda c: send(c, key))
    except ApiError as exc:
        outcome = refused(exc)
        if not outcome.retry:
            keyed.settle()   # refused for good: nothing was issued under this key
        log.info("ticket request refused: %s (retry=%s)", exc.code, outcome.retry)
        return outcome
    keyed.settle()
    catalog = ctx.catalog
    queue = answer.get("queue") or {}
    if service is None and answer.get("service_id"):
        service = catalog.service(int(answer["service_id"]))
    department_id = (service or {}).get("department_id") or queue.get("department_id")
    department = catalog.department(int(department_id)) if department_id else None
    printed = ctx.printer.print_ticket(ticket_print(answer, catalog.hall, department, service))
    return Issued(
        ticket_id=int(answer["id"]), number=str(answer["number"]), status_url=str(answer.get("status_url") or ""),
        ahead=int(answer.get("ahead") or 0), estimated_wait_s=answer.get("estimated_wait_s"),
        priority=str(answer.get("priority") or "normal"), queue=queue, department=department, service=service,
        issued_at=parse_time(answer.get("issued_at"), catalog.hall.get("timezone")),
        id_masked=answer.get("id_masked"), phone_masked=answer.get("phone_masked"),
        replayed=bool(answer.get("replayed")), printed=printed)


class Step(StrEnum):
    DEPARTMENT = "department"
    SERVICE = "service"
    CONFIRM = "confirm"
    DONE = "done"


@dataclass(frozen=True)
class Estimate:
    waiting: int
    estimated_wait_s: int | None


class TakeNumber:
    """The take-a-number flow of one visitor."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.keyed = KeyedRequest()
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget everything this visitor chose or typed."""
        self.step = Step.DEPARTMENT
        self.category_id: int | None = None
        self.category_chosen = False
        self.query = ""
        self.department: dict[str, Any] | None = None
        self.services: list[dict[str, Any]] = []
        self.service: dict[str, Any] | None = None
        self.estimate: Estimate | None = None
        self.id_number: str | None = None
        self.phone: str | None = None
        self.priority = "normal"
        self.outcome: Outcome | None = None
        self.keyed.settle()

    # -- choosing -------------------------------------------------------------------------

    def departments(self) -> list[dict[str, Any]]:
        """The departments to show: the chosen category's, or the search's (blocks for the
        server's search when a query is set)."""
        if self.query:
            return self.ctx.catalog.search_departments(self.ctx.connection, self.query, self.category_id)
        return self.ctx.catalog.departments_in(self.category_id)

    def choose_category(self, category_id: int | None) -> None:
        self.category_id = category_id
        self.category_chosen = True
        self.query = ""

    def shows_categories(self, elder: bool) -> bool:
        """Large-text mode asks for the kind of matter first, as a page of large tiles,
        instead of a column of small category buttons beside the departments."""
        return elder and not self.category_chosen and not self.query

    def categories(self) -> list[dict[str, Any]]:
        """The category choices: every department first, then the hall's categories."""
        return [{"id": None, "name_zh": "", "name_en": ""}, *self.ctx.catalog.categories]

    def search(self, query: str) -> None:
        self.query = query.strip()[:50]

    def choose_department(self, department_id: int) -> list[dict[str, Any]]:
        """Blocks: the department's service items."""
        department = self.ctx.catalog.department(department_id)
        if department is None:
            raise KeyError(department_id)
        services = self.ctx.catalog.services_of(self.ctx.connection, department_id)
        self.department, self.services, self.service = department, services, None
        self.step = Step.SERVICE
        return services

    def choose_service(self, service_id: int) -> dict[str, Any]:
        service = next((s for s in self.services if int(s["id"]) == service_id), None) \
            or self.ctx.catalog.service(service_id)
        if service is None:
            raise KeyError(service_id)
        if self.department is None or self.department["id"] != service.get("department_id"):
            self.department = self.ctx.catalog.department(int(service["department_id"]))
        self.service = service
        self.estimate = None
        self.priority = "normal"
        self.step = Step.CONFIRM
        self.outcome = None
        return service

    def back(self) -> Step:
        self.outcome = None
        if self.step == Step.CONFIRM:
            self.step = Step.SERVICE if self.department else Step.DEPARTMENT
        elif self.step == Step.SERVICE:
            self.step = Step.DEPARTMENT
        return self.step

    def refresh_estimate(self) -> Estimate | None:
        """Blocks: how many wait in the chosen item's queue now, and for how long."""
        if self.service is None:
            return None
        queue_id = int(self.service["queue_id"])
        try:
            self.ctx.catalog.refresh_counts(self.ctx.connection)
        except ApiError as exc:
            log.info("no estimate: %s", exc.code)
        queue = self.ctx.catalog.queue(queue_id)
        self.estimate = None if queue is None else Estimate(int(queue.get("waiting") or 0),
                                                            queue.get("estimated_wait_s"))
        return self.estimate

    def follow_counts(self) -> Estimate | None:
        """A live event changed the waiting counts: show the new count at once (the estimated
        wait stays until the next snapshot)."""
        if self.service is None or self.estimate is None:
            return self.estimate
        queue = self.ctx.catalog.queue(int(self.service["queue_id"]))
        if queue is not None:
            self.estimate = Estimate(int(queue.get("waiting") or 0), self.estimate.estimated_wait_s)
        return self.estimate

    # -- what the visitor adds ------------------------------------------------------------

    def set_id_number(self, text: str) -> Checked:
        checked = check_id(text)
        if checked.ok:
            self.id_number = checked.value
        return checked

    def set_phone(self, text: str) -> Checked:
        checked = check_mobile(text)
        if checked.ok:
            self.phone = checked.value
        return checked

    def clear_id_number(self) -> None:
        self.id_number = None

    def clear_phone(self) -> None:
        self.phone = None

    @property
    def id_masked(self) -> str:
        return masked(Kind.ID_NUMBER, self.id_number) if self.id_number else ""

    @property
    def phone_masked(self) -> str:
        return masked(Kind.PHONE, self.phone) if self.phone else ""

    def allowed_priorities(self) -> tuple[str, ...]:
        """The classes a visitor may choose here; green channel is given at the desk."""
        return tuple(p for p in ("normal", "elderly") if p in self.ctx.catalog.self_declared)

    def set_priority(self, priority: str) -> bool:
        if priority not in self.allowed_priorities():
            return False
        self.priority = priority
        return True

    # -- the ticket -----------------------------------------------------------------------

    def request(self) -> tuple[Any, ...]:
        if self.service is None:
            raise ValueError("no service item chosen")
        return (int(self.service["id"]), self.priority, self.id_number, self.phone)

    def confirm(self) -> Outcome:
        """Blocks: issue the ticket (or get the one a lost answer already issued) and print
        it. Returns the outcome; the flow keeps it for the screen."""
        with self._lock:   # a double tap must not send two requests at once
            service_id, priority, id_number, phone = self.request()
            outcome = issue_and_print(
                self.ctx, self.keyed, (service_id, priority, id_number, phone),
                lambda c, key: c.issue_ticket(service_id, key=key, priority=priority, id_number=id_number,
                                              phone=phone),
                service=self.service)
            self.outcome = outcome
            if isinstance(outcome, Issued):
                self.step = Step.DONE
            return outcome

    def describe(self) -> dict[str, Any]:
        """For the test driver and logs: where the flow is, without personal data."""
        return {"step": self.step.value, "category_id": self.category_id, "query": self.query,
                "department_id": (self.department or {}).get("id"), "service_id": (self.service or {}).get("id"),
                "priority": self.priority, "id_masked": self.id_masked, "phone_masked": self.phone_masked,
                "estimate": None if self.estimate is None else vars(self.estimate), **self.keyed.describe(),
                "outcome": describe_outcome(self.outcome)}


def describe_outcome(outcome: Outcome | None) -> dict[str, Any] | None:
    if outcome is None:
        return None
    if isinstance(outcome, Refused):
        return {"refused": outcome.code, "retry": outcome.retry}
    return {"number": outcome.number, "ticket_id": outcome.ticket_id, "status_url": outcome.status_url,
            "printed": outcome.printed.printed, "print_code": outcome.printed.code, "replayed": outcome.replayed,
            "priority": outcome.priority}
