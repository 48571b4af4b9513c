"""What a lost serial line raises, on a real pty pair."""
from __future__ import annotations

import os
import pty

import pytest
import serial
from hallq.hardware.serial.link import LINE_ERRORS


def test_a_flush_after_the_other_end_hung_up_is_a_line_error() -> None:
    # Data written while the other end is there, then it hangs up before the drain:
    # tcdrain fails with termios.error, which is no OSError, and must still count as lost.
    master, slave = pty.openpty()
    port = serial.Serial(os.ttyname(slave), 115200, timeout=0.05)
    os.close(slave)
    try:
        port.write(b"\xaa\xaa\xaa")
        os.close(master)
        with pytest.raises(LINE_ERRORS):
            port.flush()
    finally:
        port.close()
