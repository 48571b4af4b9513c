"""Handlers of the writer's commands: queue and window changes, through the use cases."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..api.views import ticket_out, window_dict
from ..models import Ticket
from ..services import tickets as tc
from ..services import windows as wc
from ..services.actors import VISITOR
from .commands import Command, command


def _ticket(s: Session, t: Ticket, c: Command) -> dict[str, Any]:
    return ticket_out(s, t, c.now).model_dump(mode="json")


@command("issue")
def issue(s: Session, c: Command, secret: bytes) -> dict[str, Any]:
    a = c.args
    t, replayed = tc.issue_ticket(s, int(a["service_id"]), actor=c.actor, now=c.now, secret=secret,
                                  priority=a.get("priority") or "normal", id_number=a.get("id_number"),
                                  phone=a.get("phone"), idempotency_key=a.get("idempotency_key"))
    return {"ticket": _ticket(s, t, c), "token": t.token, "replayed": replayed}


@command("call_next")
def call_next(s: Session, c: Command, _secret: bytes) -> dict[str, Any]:
    t, replayed = wc.call_next(s, int(c.args["window"]), actor=c.actor, now=c.now,
                               idempotency_key=c.args.get("idempotency_key"))
    return {"ticket": _ticket(s, t, c) if t is not None else None, "replayed": replayed}


@command("call_number")
def call_number(s: Session, c: Command, _secret: bytes) -> dict[str, Any]:
    t, replayed = wc.call_number(s, int(c.args["window"]), str(c.args["number"]), actor=c.actor, now=c.now,
                                 idempotency_key=c.args.get("idempotency_key"))
    return {"ticket": _ticket(s, t, c), "replayed": replayed}


def _window_action(name: str, action: Any) -> None:
    """A window action on the window's current ticket, with an optional key."""

    def run(s: Session, c: Command, _secret: bytes) -> dict[str, Any]:
        t = action(s, int(c.args["window"]), actor=c.actor, now=c.now,
                   idempotency_key=c.args.get("idempotency_key"))
        return {"ticket": _ticket(s, t, c)}

    command(name)(run)


_window_action("recall", wc.recall)
_window_action("start", wc.start)
_window_action("no_show", wc.no_show)
_window_action("hold", wc.hold)


@command("finish")
def finish(s: Session, c: Command, _secret: bytes) -> dict[str, Any]:
    t = wc.finish(s, int(c.args["window"]), actor=c.actor, now=c.now, case_number=c.args.get("case_number"),
                  idempotency_key=c.args.get("idempotency_key"))
    return {"ticket": _ticket(s, t, c)}


@command("transfer")
def transfer(s: Session, c: Command, _secret: bytes) -> dict[str, Any]:
    t = wc.transfer(s, int(c.args["window"]), int(c.args["queue_id"]), actor=c.actor, now=c.now,
                    number=c.args.get("number"), idempotency_key=c.args.get("idempotency_key"))
    return {"ticket": _ticket(s, t, c)}


@command("resume")
def resume(s: Session, c: Command, _secret: bytes) -> dict[str, Any]:
    t = wc.resume(s, int(c.args["window"]), str(c.args["number"]), actor=c.actor, now=c.now,
                  idempotency_key=c.args.get("idempotency_key"))
    return {"ticket": _ticket(s, t, c)}


@command("ticket_cancel")
def ticket_cancel(s: Session, c: Command, _secret: bytes) -> dict[str, Any]:
    return {"ticket": _ticket(s, tc.cancel(s, int(c.args["ticket_id"]), actor=c.actor, now=c.now), c)}


@command("ticket_cancel_own")
def ticket_cancel_own(s: Session, c: Command, _secret: bytes) -> dict[str, Any]:
    t = tc.by_token(s, str(c.args["token"])[:64])
    tc.cancel(s, t.id, actor=VISITOR, now=c.now)
    return {}


@command("ticket_reactivate")
def ticket_reactivate(s: Session, c: Command, _secret: bytes) -> dict[str, Any]:
    return {"ticket": _ticket(s, tc.reactivate(s, int(c.args["ticket_id"]), actor=c.actor, now=c.now), c)}


@command("ticket_transfer")
def ticket_transfer(s: Session, c: Command, _secret: bytes) -> dict[str, Any]:
    t = wc.transfer_ticket(s, int(c.args["ticket_id"]), int(c.args["queue_id"]), actor=c.actor, now=c.now)
    return {"ticket": _ticket(s, t, c)}


@command("window_open")
def window_open(s: Session, c: Command, _secret: bytes) -> dict[str, Any]:
    return {"window": window_dict(wc.open_window(s, int(c.args["window"]), actor=c.actor, now=c.now))}


@command("window_pause")
def window_pause(s: Session, c: Command, _secret: bytes) -> dict[str, Any]:
    w = wc.pause_window(s, int(c.args["window"]), str(c.args["reason"]), actor=c.actor, now=c.now)
    return {"window": window_dict(w)}


@command("window_close")
def window_close(s: Session, c: Command, _secret: bytes) -> dict[str, Any]:
    return {"window": window_dict(wc.close_window(s, int(c.args["window"]), actor=c.actor, now=c.now))}


@command("window_routing")
def window_routing(s: Session, c: Command, _secret: bytes) -> dict[str, Any]:
    a = c.args
    w = wc.set_routing(s, int(a["window"]), [int(q) for q in a["queue_ids"]], policy=a.get("policy"),
                       weights=a.get("weights"), actor=c.actor, now=c.now)
    return {"window": window_dict(w)}


@command("sweep")
def sweep(s: Session, c: Command, _secret: bytes) -> dict[str, Any]:
    from sqlalchemy import select

    from ..models import Hall
    from ..services import limits

    limits.sweep(s, now=c.now)   # closed windows of the abuse limits
    if s.scalars(select(Hall.id)).first() is None:
        return {}
    return wc.sweep(s, now=c.now, actor=c.actor)
