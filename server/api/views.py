"""How tickets and windows look in answers; shared by the routers and the writer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..models import Queue, Ticket, Window
from ..services import tickets as tc
from .schemas import TicketOut


def ticket_out(s: Session, t: Ticket, now: datetime) -> TicketOut:
    queue = s.get(Queue, t.queue_id)
    assert queue is not None
    window = s.get(Window, t.window_id) if t.window_id else None
    pos = tc.position(s, t, now)
    return TicketOut.of(t, queue, window, ahead=pos.ahead, wait=pos.estimated_wait_s)


def window_dict(w: Window) -> dict[str, Any]:
    return {"id": w.id, "number": w.number, "name_zh": w.name_zh, "name_en": w.name_en, "floor": w.floor,
            "zone": w.zone, "policy": w.policy, "state": w.state, "pause_reason": w.pause_reason,
            "queues": [{"queue_id": r.queue_id, "position": r.position, "weight": r.weight} for r in w.routes],
            "comprehensive": w.comprehensive, "green_channel": w.green_channel}
