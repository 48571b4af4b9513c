"""A pseudo-terminal standing in for a serial cable: simulators hold the master side and
print the slave's path, which drivers open like any ``/dev/tty*``."""

from __future__ import annotations

import contextlib
import errno
import os
import select
import termios
import tty


class PtyLink:
    """The device end of a pty pair, in raw mode (no echo, no newline translation)."""

    def __init__(self) -> None:
        self.master, self._slave = os.openpty()
        # Raw on the slave side, which is where line discipline applies; keeping our own
        # slave descriptor open keeps the settings and avoids EIO on the master when the
        # driver closes and reopens the port.
        tty.setraw(self._slave, termios.TCSANOW)
        self.path = os.ttyname(self._slave)
        os.set_blocking(self.master, False)
        self.closed = False

    def read(self, timeout: float, size: int = 4096) -> bytes:
        """What the driver wrote; ``b""`` if nothing came within ``timeout``."""
        if self.closed:
            return b""
        try:
            ready, _, _ = select.select([self.master], [], [], timeout)
        except (OSError, ValueError):
            return b""
        if not ready:
            return b""
        try:
            return os.read(self.master, size)
        except BlockingIOError:
            return b""
        except OSError as exc:
            if exc.errno == errno.EIO:  # no reader on the other side right now
                return b""
            raise

    def write(self, data: bytes, timeout: float = 2.0) -> None:
        """Send to the driver; drops what the driver does not read within ``timeout``."""
        view = memoryview(data)
        while view and not self.closed:
            _, ready, _ = select.select([], [self.master], [], timeout)
            if not ready:
                return
            try:
                sent = os.write(self.master, view)
            except BlockingIOError:
                continue
            view = view[sent:]

    def discard_output(self) -> None:
        """Forget bytes written to the driver that it has not read yet."""
        with contextlib.suppress(OSError):
            termios.tcflush(self._slave, termios.TCIFLUSH)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for fd in (self.master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> PtyLink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
