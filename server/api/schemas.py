"""Request and response bodies of the API (what /openapi.json describes)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field

from ..models import Queue, Ticket, Window
from ..values import NoNul

PriorityName = Literal["green", "appointment", "elderly", "normal"]
MAX_ID = 2_147_483_647
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
WindowNumber = Annotated[int, Path(ge=1, le=9999, description="The window's number, as shown above it")]


class Body(NoNul):
    model_config = ConfigDict(extra="forbid")


class QueueBrief(BaseModel):
    id: int
    code: str
    prefix: str
    name_zh: str
    name_en: str
    department_id: int

    @classmethod
    def of(cls, q: Queue) -> QueueBrief:
        return cls(id=q.id, code=q.code, prefix=q.prefix, name_zh=q.name_zh, name_en=q.name_en,
                   department_id=q.department_id)


class WindowBrief(BaseModel):
    number: int
    name_zh: str
    name_en: str
    floor: int
    zone: str

    @classmethod
    def of(cls, w: Window) -> WindowBrief:
        return cls(number=w.number, name_zh=w.name_zh, name_en=w.name_en, floor=w.floor, zone=w.zone)


class TicketOut(BaseModel):
    id: int
    number: str
    status: str
    priority: str
    queue: QueueBrief
    service_id: int | None
    issued_at: datetime
    called_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    window: WindowBrief | None = None
    recall_count: int = 0
    transfer_count: int = 0
    id_masked: str | None = None
    phone_masked: str | None = None
    case_number: str | None = None
    ahead: int = 0
    estimated_wait_s: int = 0

    @classmethod
    def of(cls, t: Ticket, queue: Queue, window: Window | None, *, ahead: int = 0, wait: int = 0) -> TicketOut:
        return cls(id=t.id, number=t.number, status=t.status, priority=t.priority, queue=QueueBrief.of(queue),
                   service_id=t.service_id, issued_at=t.issued_at, called_at=t.called_at,
                   started_at=t.started_at, finished_at=t.finished_at,
                   window=WindowBrief.of(window) if window else None, recall_count=t.recall_count,
                   transfer_count=t.transfer_count, id_masked=t.id_masked, phone_masked=t.phone_masked,
                   case_number=t.case_number, ahead=ahead, estimated_wait_s=wait)


class IssuedTicket(TicketOut):
    """A new ticket, as the kiosk prints it: the status URL goes into the QR code."""

    status_url: str
    token: str
    replayed: bool = False


class TicketStatus(BaseModel):
    """What the public status page shows: this one ticket and nothing else."""

    number: str
    status: str
    queue_name_zh: str
    queue_name_en: str
    issued_at: datetime
    ahead: int
    estimated_wait_s: int
    window: WindowBrief | None = None
    called_at: datetime | None = None


class IssueRequest(Body):
    service_id: int = Field(ge=1, le=MAX_ID)
    priority: PriorityName = "normal"
    id_number: str | None = Field(default=None, max_length=32)
    phone: str | None = Field(default=None, max_length=20)


class CallNumberRequest(Body):
    number: str = Field(min_length=2, max_length=10)


class FinishRequest(Body):
    case_number: str | None = Field(default=None, max_length=60)


class PauseRequest(Body):
    reason: str = Field(min_length=1, max_length=200)


class TransferRequest(Body):
    queue_id: int = Field(ge=1, le=MAX_ID)
    number: str | None = Field(default=None, min_length=2, max_length=10)


class TicketTransferRequest(Body):
    queue_id: int = Field(ge=1, le=MAX_ID)


class RoutingRequest(Body):
    queue_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(min_length=1, max_length=100)
    policy: Literal["strict", "weighted", "longest_wait", "sla"] | None = None
    weights: list[Annotated[int, Field(ge=1, le=100)]] | None = None


class LoginRequest(Body):
    username: str | None = Field(default=None, max_length=60)
    password: str | None = Field(default=None, max_length=200)
    card: str | None = Field(default=None, max_length=100)
    window_number: int | None = Field(default=None, ge=1, le=9999)


class LoginResponse(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime
    staff: dict[str, Any]
    window_number: int | None


class WindowChoice(Body):
    window_number: int = Field(ge=1, le=9999)


class LockoutLift(Body):
    scope: Literal["sign-in:account", "sign-in:address", "sign-in:card"]
    subject: str = Field(min_length=1, max_length=150)


class DeviceStatusReport(Body):
    printer: Literal["ok", "near_end", "out", "offline", "error", "none"] = "none"
    online: bool = True
    detail: str = Field(default="", max_length=300)
    app_version: str = Field(default="", max_length=40)


class DeviceCreate(Body):
    kind: Literal["kiosk", "display", "counter"]
    name: str = Field(min_length=1, max_length=100)
    window_number: int | None = Field(default=None, ge=1, le=9999)
    config: dict[str, Any] = Field(default_factory=dict)


class StaffCreate(Body):
    username: str = Field(min_length=2, max_length=60)
    password: str = Field(min_length=8, max_length=200)
    role: Literal["clerk", "manager", "admin"]
    display_name: str = Field(default="", max_length=100)
    staff_number: str | None = Field(default=None, max_length=30)
    department_id: int | None = Field(default=None, ge=1, le=MAX_ID)
