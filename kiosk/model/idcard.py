"""Reading a resident ID card on the kiosk's reader to fill the ID number of the flow the
visitor is in: taking a ticket, or checking in a booking.

All or nothing: the number is filled only from a whole card whose number passes its checks
(check character, birth date, region code); any failure leaves every field as it was and
gives a coded message (``idcard.error.<code>``). Only the number is kept; the rest of the
card (name, address, photo) is dropped here. The number is shown masked and goes to the
hall server only in the request the kiosk already makes with a typed number.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from hallq.hardware.errors import IdCardError

from .fields import Checked, Kind, check, masked

if TYPE_CHECKING:
    from hallq.hardware.idcard import IdCard

log = logging.getLogger(__name__)
TARGETS = ("ticket", "checkin")


class CardReader(Protocol):
    def read_card(self) -> IdCard: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class CardRead:
    """The outcome of one swipe: the masked number, or the error's code and message key."""

    ok: bool
    masked: str = ""
    code: str = ""

    @property
    def message_key(self) -> str:
        return "idcard.read" if self.ok else f"idcard.error.{self.code}"


class IdCardSwipe:
    """The kiosk's reader (or none). ``read()`` blocks: call it from a worker thread."""

    def __init__(self, reader: CardReader | None) -> None:
        self.reader = reader
        self.last: CardRead | None = None
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return self.reader is not None

    def read(self) -> tuple[CardRead, Checked | None]:
        """The number on the card, checked like a typed one; (outcome, None) on failure."""
        with self._lock:
            if self.reader is None:
                self.last = CardRead(False, code="no_reader")
                return self.last, None
            try:
                card = self.reader.read_card()
            except IdCardError as exc:
                log.warning("ID card not read: %s (%s)", exc.code, exc.message)
                self.last = CardRead(False, code=exc.code)
                return self.last, None
            checked = check(Kind.ID_NUMBER, card.id_number)
            del card   # nothing but the number is kept
            if not checked.ok:
                self.last = CardRead(False, code="bad_id_number")
                return self.last, None
            self.last = CardRead(True, masked=masked(Kind.ID_NUMBER, checked.value))
            return self.last, checked

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
