"""The exception tree of the hardware layer.

Every error carries a stable machine code (``.code``) beside the human text; callers
(the kiosk, the counter app) branch on the code and report it to the server, never on
the wording.
"""

from __future__ import annotations

from typing import Any


class HardwareError(Exception):
    """A device could not do what was asked; ``code`` says why."""

    def __init__(self, code: str, message: str = "", **details: Any) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.details = details

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            data["details"] = self.details
        return data


class PrinterError(HardwareError):
    """A receipt printer refused, failed or could not be reached; the job was not printed."""


class SerialDeviceError(HardwareError):
    """A counter device link (display, keypad, evaluator) could not be opened or written."""


class VoiceError(HardwareError):
    """An announcement could not be built or played."""


class IdCardError(HardwareError):
    """A resident ID card could not be read; nothing of it is used."""


# Stable codes, with the meaning callers may rely on.
PRINTER_CODES: dict[str, str] = {
    "offline": "the printer reports itself offline (error state, feed button, waiting)",
    "paper_out": "the roll is empty; nothing was printed",
    "cover_open": "the printer's cover is open",
    "printer_fault": "the printer reports a cutter or unrecoverable error",
    "timeout": "the printer did not answer a status query or accept data in time",
    "unreachable": "the printer could not be opened or connected to",
    "disconnected": "the connection was lost during the job; the ticket may be partly printed",
    "unsupported": "the URI scheme or transport needs something this installation lacks",
    "bad_uri": "the printer URI cannot be understood",
    "font_missing": "the CJK font needed for raster printing cannot be loaded",
}

SERIAL_CODES: dict[str, str] = {
    "unreachable": "the serial port or socket could not be opened",
    "write_failed": "writing to the link failed",
    "closed": "the driver has been closed",
    "bad_address": "a device address outside 1..247",
    "too_long": "the payload does not fit in one frame",
    "unsupported": "the device or framing has no such command",
}

VOICE_CODES: dict[str, str] = {
    "espeak_missing": "espeak-ng is not installed, and a needed clip has no override",
    "espeak_failed": "espeak-ng failed or timed out while generating a clip",
    "bad_clip": "a clip file cannot be read as PCM WAV",
    "bad_number": "the ticket number or window cannot be read aloud",
    "player_missing": "neither aplay nor paplay is installed",
    "player_failed": "the audio player failed or timed out",
    "closed": "the announcement queue has been closed",
}

IDCARD_CODES: dict[str, str] = {
    "unreachable": "the reader's port could not be opened",
    "no_card": "no card lies on the reader",
    "select_failed": "a card is there but did not answer (moved, or not a resident ID card)",
    "read_failed": "the reader could not read the card's data",
    "timeout": "the reader did not answer in time (unplugged, or stopped mid-read)",
    "disconnected": "the reader's line was lost during the read",
    "bad_frame": "the reader's answer is not a valid frame (garbage, or a wrong check byte)",
    "bad_status": "the reader answered with a status this driver does not know",
    "bad_data": "the card's data is malformed (lengths, text or fields that disagree)",
    "bad_id_number": "the card's ID number fails its check character, birth date or region code",
    "closed": "the reader driver has been closed",
}
