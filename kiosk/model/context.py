"""What every flow of the kiosk works with: the server link, the catalog, the printer, the
time. One object, handed to each flow, so a test builds the same thing the app does."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hallq.client import new_key

from .catalog import Catalog
from .connection import Connection
from .printing import KioskPrinter


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    connection: Connection
    catalog: Catalog
    printer: KioskPrinter
    now: Callable[[], datetime] = field(default=_utc_now)


class KeyedRequest:
    """One Idempotency-Key per request the visitor confirmed, reused for every retry of that
    same request until the server answers it. A changed request (another item, an ID number
    added) gets a new key; so does the next visitor (``settle`` after an answer or a reset)."""

    def __init__(self, make_key: Callable[[], str] = new_key) -> None:
        self._make_key = make_key
        self._request: Hashable | None = None
        self.key: str | None = None
        self.attempts = 0

    def key_for(self, request: Hashable) -> str:
        if self.key is None or request != self._request:
            self._request, self.key, self.attempts = request, self._make_key(), 0
        self.attempts += 1
        return self.key

    @property
    def pending(self) -> bool:
        """A request was sent and no answer arrived: the next try must reuse the key."""
        return self.key is not None

    def settle(self) -> None:
        self._request, self.key, self.attempts = None, None, 0

    def describe(self) -> dict[str, Any]:
        return {"pending": self.pending, "attempts": self.attempts}
