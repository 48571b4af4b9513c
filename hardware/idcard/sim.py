"""A simulated resident ID card reader on a pty: answers find, select and read like reader
firmware, with a card placed on it or not, and faults on demand (noise, a wrong check byte,
an answer cut off part-way, silence, the line hung up)."""

from __future__ import annotations

import logging
import os
import threading
from datetime import date

from ..errors import IdCardError
from ..ptylink import PtyLink
from .protocol import (
    FIND,
    PHOTO_LENGTH,
    READ_BASE,
    RESET,
    SELECT,
    SW_BAD_CHECK,
    SW_FOUND,
    SW_NO_CARD,
    SW_OK,
    SW_SELECT_FAILED,
    SW_UNKNOWN,
    FrameReader,
    IdCard,
    IdCardFrame,
    encode_base_info,
)

log = logging.getLogger(__name__)
FAULTS = ("garbage", "bad_check", "cut", "silent", "hangup", "select_fails", "bad_number")


def sample_card(id_number: str = "11010519491231002X") -> IdCard:
    """A card with the standard's sample number (valid check character)."""
    born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    return IdCard(name="张三", sex="2" if int(id_number[16]) % 2 == 0 else "1", nation="01", birth=born,
                  address="北京市西城区复兴门外大街999号", id_number=id_number, authority="北京市公安局西城分局",
                  valid_from="20150101", valid_to="20350101")


class IdCardReaderSimulator:
    """The reader end of a pty pair. ``place(card)`` lays a card on it, ``remove()`` takes it
    away, ``fault = "garbage" | ...`` spoils the next read-base-information answer."""

    def __init__(self) -> None:
        self.link = PtyLink()
        self.path = self.link.path
        self.card: IdCard | None = None
        self.fault: str | None = None
        self.commands: list[tuple[int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="idcard-sim")
        self._thread.start()

    @property
    def url(self) -> str:
        return self.path

    def place(self, card: IdCard | None = None) -> None:
        self.card = card or sample_card()

    def remove(self) -> None:
        self.card = None

    def _loop(self) -> None:
        frames = FrameReader()
        while not self._stop.is_set():
            data = self.link.read(0.05)
            if not data:
                continue
            try:
                frame = frames.feed(data)
            except IdCardError:
                frames = FrameReader()
                self._send(IdCardFrame.answer(SW_BAD_CHECK))
                continue
            while frame is not None:
                self._answer(frame)
                frame = frames.feed(b"")

    def _send(self, frame: IdCardFrame | bytes) -> None:
        self.link.write(frame if isinstance(frame, bytes) else frame.encode())

    def _answer(self, frame: IdCardFrame) -> None:
        command = (frame.body[0], frame.body[1]) if len(frame.body) >= 2 else (0, 0)
        self.commands.append(command)
        card = self.card
        if command == RESET:
            self._send(IdCardFrame.answer(SW_OK))
        elif command == FIND:
            self._send(IdCardFrame.answer(SW_FOUND if card else SW_NO_CARD))
        elif command == SELECT:
            failed = card is None or self.fault == "select_fails"
            self._send(IdCardFrame.answer(SW_SELECT_FAILED if failed else SW_OK))
        elif command == READ_BASE:
            self._read(card)
        else:
            self._send(IdCardFrame.answer(SW_UNKNOWN))

    def _read(self, card: IdCard | None) -> None:
        if card is None:
            self._send(IdCardFrame.answer(SW_SELECT_FAILED))
            return
        fault = self.fault
        if fault == "bad_number":
            card = IdCard(**{**card.__dict__, "id_number": card.id_number[:17] + ("0" if card.id_number[17] != "0"
                                                                                  else "1")})
        photo = bytes((i * 7) & 0xFF for i in range(PHOTO_LENGTH))
        answer = IdCardFrame.answer(SW_OK, encode_base_info(card, photo)).encode()
        if fault == "garbage":
            self._send(os.urandom(64).replace(b"\xaa", b"\x55") * 4)
        elif fault == "bad_check":
            self._send(answer[:-1] + bytes([answer[-1] ^ 0xFF]))
        elif fault == "cut":
            self._send(answer[: len(answer) // 2])
        elif fault == "hangup":
            self._send(answer[: len(answer) // 3])
            self.link.close()
        elif fault == "silent":
            pass
        else:
            self._send(answer)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.link.close()

    def __enter__(self) -> IdCardReaderSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
