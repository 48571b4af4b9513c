"""Who acts: a signed-in staff member, a device, or the server itself."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CLERK = "clerk"
    MANAGER = "manager"
    ADMIN = "admin"
    KIOSK = "kiosk"
    DISPLAY = "display"
    COUNTER = "counter"
    SYSTEM = "system"
    VISITOR = "visitor"   # someone holding a ticket's status link


STAFF_ROLES = (Role.CLERK, Role.MANAGER, Role.ADMIN)
DEVICE_ROLES = (Role.KIOSK, Role.DISPLAY, Role.COUNTER)


@dataclass(frozen=True)
class Actor:
    kind: str            # staff | device | system
    id: int | None
    role: Role
    # The window a clerk signed in to, or a counter terminal's window.
    window_id: int | None = None
    staff_number: str = ""
    name: str = ""

    @property
    def scope(self) -> str:
        """Namespace of this actor's idempotency keys."""
        return f"{self.kind}:{self.id}" if self.id is not None else self.kind

    @property
    def staff_id(self) -> int | None:
        return self.id if self.kind == "staff" else None

    @property
    def device_id(self) -> int | None:
        return self.id if self.kind == "device" else None


SYSTEM = Actor("system", None, Role.SYSTEM, name="hallq")
VISITOR = Actor("visitor", None, Role.VISITOR, name="visitor")


def staff_actor(staff_id: int, role: str, *, window_id: int | None = None,
                staff_number: str = "", name: str = "") -> Actor:
    return Actor("staff", staff_id, Role(role), window_id, staff_number, name)


def device_actor(device_id: int, kind: str, *, window_id: int | None = None, name: str = "") -> Actor:
    return Actor("device", device_id, Role(kind), window_id, name=name)
