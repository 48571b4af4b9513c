"""Byte pipes to receipt printers: python-escpos's printer classes behind one small
interface that adds what a kiosk needs (reads with a deadline, typed errors).

Every backend maps its failures onto ``PrinterError`` codes: ``unreachable`` when it
cannot open, ``timeout`` when a write or read does not finish in time, ``disconnected``
when the peer goes away, ``unsupported`` when a needed library is missing.
"""

from __future__ import annotations

import errno
import logging
import select
import socket
import time
from abc import ABC, abstractmethod
from typing import Any

import serial
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import File, Network
from escpos.printer import Serial as EscposSerial

from ..errors import PrinterError
from ..serial.link import LINE_ERRORS

log = logging.getLogger(__name__)


class Transport(ABC):
    """A connection to one printer. ``readable`` says whether status can be asked."""

    readable: bool = True
    # True: open once and keep open; False: open for each job (network printers accept
    # one connection at a time, and idle ones get dropped by the printer).
    persistent: bool = True

    @abstractmethod
    def open(self) -> None: ...

    @abstractmethod
    def write(self, data: bytes) -> None: ...

    @abstractmethod
    def read(self, size: int, timeout: float) -> bytes:
        """Up to ``size`` bytes; ``b""`` when nothing arrived within ``timeout``."""

    def discard_input(self) -> None:
        """Drop bytes that arrived unasked (late replies, automatic status)."""
        return None

    def flush(self) -> None:
        """Wait until written bytes have left for the printer, where the backend can."""
        return None

    @abstractmethod
    def close(self) -> None: ...

    # The python-escpos printer object behind this transport while it is open.
    printer: Any = None

    @property
    def is_open(self) -> bool:
        return self.printer is not None

    def describe(self) -> str:
        return type(self).__name__


def _forget_device(printer: Any) -> None:
    # python-escpos closes in __del__; a half-open device must not raise there.
    printer._device = False


class NetworkTransport(Transport):
    """Raw TCP (JetDirect, port 9100) through ``escpos.printer.Network``."""

    persistent = False

    def __init__(self, host: str, port: int = 9100, *, timeout: float = 10.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.printer: Network | None = None

    def describe(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    def open(self) -> None:
        printer = Network(self.host, self.port, timeout=self.timeout)
        try:
            printer.open()
        except DeviceNotFoundError as exc:
            _forget_device(printer)
            raise PrinterError("unreachable", f"cannot connect to {self.describe()}: {exc}") \
                from exc
        # Status queries are tiny writes answered at once: without this, Nagle's algorithm
        # holds each one back until the previous write is acknowledged (tens of ms a job).
        printer.device.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.printer = printer

    def _socket(self) -> socket.socket:
        if self.printer is None:
            raise PrinterError("disconnected", "not connected")
        sock = self.printer.device
        assert isinstance(sock, socket.socket)
        return sock

    def write(self, data: bytes) -> None:
        sock = self._socket()
        sock.settimeout(self.timeout)
        try:
            assert self.printer is not None
            self.printer._raw(data)
        except TimeoutError as exc:
            raise PrinterError("timeout", f"{self.describe()} did not accept data") from exc
        except OSError as exc:
            raise PrinterError("disconnected", f"{self.describe()}: {exc}") from exc

    def read(self, size: int, timeout: float) -> bytes:
        sock = self._socket()
        sock.settimeout(max(timeout, 0.001))
        try:
            data = sock.recv(size)
        except TimeoutError:
            return b""
        except OSError as exc:
            raise PrinterError("disconnected", f"{self.describe()}: {exc}") from exc
        if not data:
            raise PrinterError("disconnected", f"{self.describe()} closed the connection")
        return data

    def discard_input(self) -> None:
        sock = self._socket()
        try:
            while select.select([sock], [], [], 0)[0]:
                if not sock.recv(4096):
                    raise PrinterError("disconnected", f"{self.describe()} closed the connection")
        except OSError as exc:
            raise PrinterError("disconnected", f"{self.describe()}: {exc}") from exc

    def close(self) -> None:
        printer, self.printer = self.printer, None
        if printer is None:
            return
        try:
            printer.close()
        except OSError:
            _forget_device(printer)


class _UrlSerial(EscposSerial):  # type: ignore[misc]
    """python-escpos's Serial, opened with ``serial_for_url`` (device paths, ptys,
    ``socket://``, ``loop://``) and with a write timeout so a stalled line cannot hang."""

    def __init__(self, url: str, *, write_timeout: float, options: dict[str, Any],
                 **kwargs: Any) -> None:
        super().__init__(devfile=url, **kwargs)
        self.write_timeout = write_timeout
        self.options = options

    def open(self, raise_not_found: bool = True) -> None:
        try:
            self.device = serial.serial_for_url(
                self.devfile, baudrate=self.baudrate, bytesize=self.bytesize,
                parity=self.parity, stopbits=self.stopbits, timeout=self.timeout,
                write_timeout=self.write_timeout, xonxoff=self.xonxoff, **self.options)
        except (ValueError, serial.SerialException) as exc:
            self.device = None
            raise DeviceNotFoundError(f"cannot open serial printer {self.devfile}: {exc}") \
                from exc


class SerialTransport(Transport):
    """RS-232 / USB-serial / pty through python-escpos's Serial printer."""

    def __init__(self, url: str, *, baudrate: int = 9600, timeout: float = 10.0,
                 bytesize: int = 8, parity: str = "N", stopbits: float = 1,
                 xonxoff: bool = False, rtscts: bool = False, dsrdtr: bool = False) -> None:
        self.url, self.baudrate, self.timeout = url, baudrate, timeout
        self.params = dict(bytesize=bytesize, parity=parity, stopbits=stopbits,
                           xonxoff=xonxoff)
        self.options = dict(rtscts=rtscts, dsrdtr=dsrdtr)
        self.printer: _UrlSerial | None = None

    def describe(self) -> str:
        return f"serial://{self.url}?baudrate={self.baudrate}"

    def open(self) -> None:
        printer = _UrlSerial(self.url, write_timeout=self.timeout, options=self.options,
                             baudrate=self.baudrate, timeout=0.1, **self.params)
        try:
            printer.open()
        except DeviceNotFoundError as exc:
            _forget_device(printer)
            raise PrinterError("unreachable", str(exc)) from exc
        self.printer = printer

    def _port(self) -> serial.SerialBase:
        if self.printer is None or not self.printer.device:
            raise PrinterError("disconnected", "serial port not open")
        port = self.printer.device
        assert isinstance(port, serial.SerialBase)
        return port

    def write(self, data: bytes) -> None:
        port = self._port()
        try:
            assert self.printer is not None
            self.printer._raw(data)
            port.flush()
        except serial.SerialTimeoutException as exc:
            raise PrinterError("timeout", f"{self.describe()} did not accept data") from exc
        except LINE_ERRORS as exc:
            raise PrinterError("disconnected", f"{self.describe()}: {exc}") from exc

    def read(self, size: int, timeout: float) -> bytes:
        port = self._port()
        try:
            port.timeout = max(timeout, 0.001)
            return bytes(port.read(size))
        except (serial.SerialException, OSError) as exc:
            raise PrinterError("disconnected", f"{self.describe()}: {exc}") from exc

    def discard_input(self) -> None:
        try:
            self._port().reset_input_buffer()
        except (serial.SerialException, OSError) as exc:
            raise PrinterError("disconnected", f"{self.describe()}: {exc}") from exc

    def close(self) -> None:
        printer, self.printer = self.printer, None
        if printer is None:
            return
        try:
            port = printer.device
            if port is not None:
                port.close()
        except (serial.SerialException, OSError):
            pass
        _forget_device(printer)


class FileTransport(Transport):
    """A device file such as ``/dev/usb/lp0`` (or any file), write-only."""

    readable = False

    def __init__(self, path: str) -> None:
        self.path = path
        self.printer: File | None = None

    def describe(self) -> str:
        return f"file://{self.path}"

    def open(self) -> None:
        printer = File(self.path, auto_flush=True)
        try:
            printer.open()
        except DeviceNotFoundError as exc:
            _forget_device(printer)
            raise PrinterError("unreachable", str(exc)) from exc
        self.printer = printer

    def write(self, data: bytes) -> None:
        if self.printer is None:
            raise PrinterError("disconnected", "file not open")
        try:
            self.printer._raw(data)
        except OSError as exc:
            code = "disconnected" if exc.errno in (errno.ENODEV, errno.EIO, errno.ENXIO) \
                else "unreachable"
            raise PrinterError(code, f"{self.describe()}: {exc}") from exc

    def read(self, size: int, timeout: float) -> bytes:
        raise PrinterError("unsupported", "a file transport cannot read status")

    def close(self) -> None:
        printer, self.printer = self.printer, None
        if printer is not None:
            try:
                printer.close()
            except OSError:
                _forget_device(printer)


class UsbTransport(Transport):
    """A USB printer class device through ``escpos.printer.Usb`` (needs pyusb)."""

    def __init__(self, vendor: int, product: int, *, timeout: float = 10.0,
                 in_ep: int = 0x82, out_ep: int = 0x01) -> None:
        self.vendor, self.product, self.timeout = vendor, product, timeout
        self.in_ep, self.out_ep = in_ep, out_ep
        self.printer: Any = None

    def describe(self) -> str:
        return f"usb://{self.vendor:04x}:{self.product:04x}"

    def open(self) -> None:
        from escpos.printer import Usb
        from escpos.printer.usb import is_usable

        if not is_usable():
            raise PrinterError("unsupported", "USB printers need pyusb (pip install pyusb)")
        printer = Usb(self.vendor, self.product, timeout=int(self.timeout * 1000),
                      in_ep=self.in_ep, out_ep=self.out_ep)
        try:
            printer.open()
        except DeviceNotFoundError as exc:
            _forget_device(printer)
            raise PrinterError("unreachable", str(exc)) from exc
        self.printer = printer

    def write(self, data: bytes) -> None:
        try:
            self.printer._raw(data)
        except Exception as exc:  # pyusb raises USBError / USBTimeoutError
            code = "timeout" if "timeout" in type(exc).__name__.lower() else "disconnected"
            raise PrinterError(code, f"{self.describe()}: {exc}") from exc

    def read(self, size: int, timeout: float) -> bytes:
        try:
            return bytes(self.printer.device.read(self.in_ep, size, int(timeout * 1000)))
        except Exception as exc:
            if "timeout" in type(exc).__name__.lower():
                return b""
            raise PrinterError("disconnected", f"{self.describe()}: {exc}") from exc

    def close(self) -> None:
        printer, self.printer = self.printer, None
        if printer is not None:
            try:
                printer.close()
            except Exception:
                _forget_device(printer)


class CupsTransport(Transport):
    """A CUPS raw queue through ``escpos.printer.CupsPrinter`` (needs pycups); write-only:
    CUPS owns the device, so real-time status cannot be asked."""

    readable = False
    persistent = False

    def __init__(self, name: str, *, host: str = "localhost", port: int = 631) -> None:
        self.name, self.host, self.port = name, host, port
        self.printer: Any = None

    def describe(self) -> str:
        return f"cups://{self.name}"

    def open(self) -> None:
        from escpos.printer import CupsPrinter
        from escpos.printer.cups import is_usable

        if not is_usable():
            raise PrinterError("unsupported", "CUPS printing needs pycups (pip install pycups)")
        printer = CupsPrinter(self.name, host=self.host, port=self.port)
        try:
            printer.open(job_name="hallq")
        except DeviceNotFoundError as exc:
            _forget_device(printer)
            raise PrinterError("unreachable", str(exc)) from exc
        self.printer = printer

    def write(self, data: bytes) -> None:
        self.printer._raw(data)

    def read(self, size: int, timeout: float) -> bytes:
        raise PrinterError("unsupported", "a CUPS queue cannot read status")

    def close(self) -> None:
        printer, self.printer = self.printer, None
        if printer is None:
            return
        try:
            printer.close()  # submits the job
        except Exception as exc:
            raise PrinterError("unreachable", f"{self.describe()}: {exc}") from exc


def read_exactly(transport: Transport, size: int, timeout: float,
                 clock: Any = time.monotonic) -> bytes:
    """``size`` bytes or fewer when ``timeout`` runs out; never blocks longer."""
    deadline = clock() + timeout
    data = b""
    while len(data) < size:
        left = deadline - clock()
        if left <= 0:
            break
        data += transport.read(size - len(data), left)
    return data
