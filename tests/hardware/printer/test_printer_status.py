"""Real-time status replies (DLE EOT n) to PrinterStatus."""

from __future__ import annotations

import pytest
from hallq.hardware.printer.status import (
    PrinterStatus,
    encode_replies,
    interpret,
    is_status_byte,
)

pytestmark = pytest.mark.timeout(30)


def _status(**state: object) -> PrinterStatus:
    replies = encode_replies(**state)  # type: ignore[arg-type]
    return interpret(replies[1], replies[2], replies[4], replies[3])


@pytest.mark.parametrize(("state", "code", "online", "paper"), [
    ({}, "ok", True, "ok"),
    ({"paper": "near_end"}, "ok", True, "near_end"),
    ({"paper": "out"}, "paper_out", False, "out"),
    ({"cover_open": True}, "cover_open", False, "ok"),
    ({"cover_open": True, "paper": "out"}, "cover_open", False, "out"),
    ({"online": False}, "offline", False, "ok"),
    ({"error": True}, "offline", False, "ok"),
    ({"cutter_error": True}, "printer_fault", False, "ok"),
])
def test_replies_interpret_to_the_state(state: dict, code: str, online: bool, paper: str) -> None:
    status = _status(**state)
    assert (status.code, status.online, status.paper) == (code, online, paper)
    assert status.ready == (code == "ok")


def test_near_end_is_a_warning_not_an_error() -> None:
    status = _status(paper="near_end")
    assert status.ready and status.error() is None
    assert status.warnings == ("paper_near_end",)


def test_error_carries_the_code() -> None:
    error = _status(paper="out").error()
    assert error is not None and error.code == "paper_out"


def test_python_escpos_masks_agree_with_our_replies() -> None:
    # python-escpos's paper_status(): 2 ok, 1 near end, 0 out, from the same byte.
    from escpos.constants import RT_MASK_LOWPAPER, RT_MASK_NOPAPER

    out = encode_replies(paper="out")[4]
    near = encode_replies(paper="near_end")[4]
    assert out & RT_MASK_NOPAPER == RT_MASK_NOPAPER
    assert near & RT_MASK_LOWPAPER == RT_MASK_LOWPAPER
    assert near & RT_MASK_NOPAPER != RT_MASK_NOPAPER


def test_status_bytes_are_recognised_by_their_fixed_bits() -> None:
    assert all(is_status_byte(b) for b in encode_replies(paper="out", cover_open=True).values())
    assert not is_status_byte(0x11)  # XON
    assert not is_status_byte(0x00)


def test_unchecked_and_failed_statuses() -> None:
    unchecked = PrinterStatus.unchecked()
    assert unchecked.ready and not unchecked.checked and unchecked.paper == "unknown"
    failed = PrinterStatus.failed("timeout", "no answer")
    assert not failed.ready and failed.as_dict()["code"] == "timeout"
