"""A serial line shared by a driver's reader thread and its callers.

Opens anything ``serial.serial_for_url`` opens (``/dev/tty*``, pty paths, ``socket://``,
``loop://``); every read has a timeout, every write a write timeout, and a lost device
is reopened in the background instead of killing the driver.
"""

from __future__ import annotations

import logging
import termios
import threading
import time
from collections.abc import Callable

import serial

from ..errors import SerialDeviceError

log = logging.getLogger(__name__)

# What a lost line raises: pyserial's own errors, the OS's, and termios.error from
# tcdrain (flush) on a pty whose other end hung up, which is not an OSError.
LINE_ERRORS: tuple[type[BaseException], ...] = (serial.SerialException, OSError, termios.error)


def open_port(url: str, *, baudrate: int = 9600, timeout: float = 0.05,
              write_timeout: float = 1.0) -> serial.SerialBase:
    try:
        return serial.serial_for_url(url, baudrate=baudrate, timeout=timeout,
                                     write_timeout=write_timeout)
    except (serial.SerialException, ValueError, OSError) as exc:
        raise SerialDeviceError("unreachable", f"cannot open {url}: {exc}") from exc


class SerialLink:
    """One port, one reader thread. ``on_data(data, now)`` gets every chunk read;
    ``on_tick(now)`` runs every ``poll_s`` for timers (acknowledgements, timeouts)."""

    def __init__(self, port: str | serial.SerialBase, *, baudrate: int = 9600,
                 name: str = "serial", poll_s: float = 0.05,
                 on_data: Callable[[bytes, float], None] | None = None,
                 on_tick: Callable[[float], None] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 reopen_s: float = 1.0,
                 on_reopen: Callable[[], None] | None = None) -> None:
        self.name = name
        # Called after the line came back: the device may have restarted in between.
        self.on_reopen = on_reopen
        self.baudrate = baudrate
        self.poll_s = poll_s
        self.on_data = on_data
        self.on_tick = on_tick
        self.clock = clock
        self.reopen_s = reopen_s
        self.url = port if isinstance(port, str) else None
        self._port: serial.SerialBase | None = (
            open_port(port, baudrate=baudrate, timeout=poll_s) if isinstance(port, str)
            else port)
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_reopen = 0.0
        self.write_errors = 0

    def start(self) -> None:
        if self._thread is None and (self.on_data or self.on_tick):
            self._thread = threading.Thread(target=self._loop, name=f"{self.name}-reader",
                                            daemon=True)
            self._thread.start()

    @property
    def closed(self) -> bool:
        return self._stop.is_set()

    def write(self, data: bytes) -> None:
        """Write all of ``data`` or raise ``SerialDeviceError`` (never blocks beyond the
        port's write timeout)."""
        if self._stop.is_set():
            raise SerialDeviceError("closed", f"{self.name} is closed")
        with self._write_lock:
            if self._port is None and self._thread is None:
                self._reopen_locked()  # write-only links (displays) have no reader to do it
            port = self._port
            if port is None:
                raise SerialDeviceError("write_failed", f"{self.name}: port is not open")
            try:
                port.write(data)
                port.flush()
            except LINE_ERRORS as exc:
                self.write_errors += 1
                self._lost(exc)
                raise SerialDeviceError("write_failed", f"{self.name}: {exc}") from exc

    def _lost(self, exc: BaseException) -> None:
        log.warning("%s: link lost (%s)", self.name, exc)
        self._next_reopen = self.clock() + self.reopen_s
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass

    def _reopen(self) -> None:
        with self._write_lock:
            self._reopen_locked()

    def _reopen_locked(self) -> None:
        """Try to open the port again, at most once per ``reopen_s``."""
        now = self.clock()
        if self.url is None or now < self._next_reopen:
            return
        self._next_reopen = now + self.reopen_s
        try:
            self._port = open_port(self.url, baudrate=self.baudrate, timeout=self.poll_s)
        except SerialDeviceError:
            return
        log.info("%s: link reopened", self.name)
        if self.on_reopen is not None:
            self.on_reopen()

    def _loop(self) -> None:
        while not self._stop.is_set():
            port = self._port
            if port is None:
                self._reopen()
                self._stop.wait(self.poll_s)
                self._tick()
                continue
            try:
                data = port.read(max(port.in_waiting, 1))
            except (serial.SerialException, OSError, TypeError, AttributeError) as exc:
                if self._stop.is_set():
                    break
                with self._write_lock:
                    if self._port is port:
                        self._lost(exc)
                continue
            if data and self.on_data is not None:
                try:
                    self.on_data(bytes(data), self.clock())
                except Exception:  # a handler bug must not stop the link
                    log.exception("%s: handling received data failed", self.name)
            self._tick()

    def _tick(self) -> None:
        if self.on_tick is None:
            return
        try:
            self.on_tick(self.clock())
        except Exception:
            log.exception("%s: timer handling failed", self.name)

    def close(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        with self._write_lock:
            port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass
