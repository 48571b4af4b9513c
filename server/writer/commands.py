"""The writer's commands: each a name, an actor, the request's time and plain arguments, so
that a worker process can hand one over a socket; and the handlers that run them.

A handler runs inside the writer's batch transaction (under its own savepoint), calls the
use case, and returns the answer as plain JSON-able data, built before the commit so that it
shows exactly the state the commit stores.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..engine import QueueError
from ..services.actors import Actor, Role

Handler = Callable[[Session, "Command", bytes], dict[str, Any]]
_HANDLERS: dict[str, Handler] = {}


@dataclass(frozen=True)
class Command:
    name: str
    actor: Actor
    now: datetime
    args: dict[str, Any] = field(default_factory=dict)

    def to_wire(self) -> dict[str, Any]:
        actor = asdict(self.actor)
        actor["role"] = self.actor.role.value
        return {"name": self.name, "actor": actor, "now": self.now.isoformat(), "args": self.args}

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Command:
        try:
            actor = dict(data["actor"])
            actor["role"] = Role(actor["role"])
            return cls(str(data["name"]), Actor(**actor), datetime.fromisoformat(data["now"]),
                       dict(data.get("args") or {}))
        except (KeyError, TypeError, ValueError) as exc:
            raise QueueError("invalid_command", f"a malformed writer command: {exc}") from None


def command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _HANDLERS[name] = fn
        return fn
    return register


def handler_for(name: str) -> Handler:
    try:
        return _HANDLERS[name]
    except KeyError:
        raise QueueError("invalid_command", f"no writer command {name!r}") from None


def names() -> list[str]:
    return sorted(_HANDLERS)


# The handlers live in handlers.py; importing it registers them.
from . import handlers as _handlers  # noqa: E402,F401
