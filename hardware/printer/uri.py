"""Printer URIs: where a printer is and how to reach it.

=====================================  =============================================
``tcp://HOST[:PORT]``                  raw TCP (JetDirect), port 9100 by default
``serial:///dev/ttyUSB0?baudrate=N``   serial line or pty; also ``bytesize``,
                                       ``parity`` (N/E/O), ``stopbits``, ``rtscts``,
                                       ``dsrdtr``, ``xonxoff``
``usb://VID:PID``                      USB printer class (hex ids); ``in_ep``,
                                       ``out_ep`` (needs pyusb)
``file:///dev/usb/lp0``                a device file, write-only
``cups://NAME``                        a CUPS raw queue, write-only (needs pycups)
=====================================  =============================================

Any URI also takes ``timeout`` (seconds for a write or connect).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlsplit

from ..errors import PrinterError
from .transports import (
    CupsTransport,
    FileTransport,
    NetworkTransport,
    SerialTransport,
    Transport,
    UsbTransport,
)

SCHEMES = ("tcp", "serial", "usb", "file", "cups")
_TRUE = ("1", "true", "yes", "on")


def transport_for(uri: str, *, timeout: float = 10.0) -> Transport:
    """The transport a printer URI names; ``bad_uri`` or ``unsupported`` if it cannot."""
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    query = dict(parse_qsl(parts.query))
    try:
        timeout = float(query.pop("timeout", timeout))
        if scheme == "tcp":
            if not parts.hostname:
                raise ValueError("no host")
            return NetworkTransport(parts.hostname, parts.port or 9100, timeout=timeout)
        if scheme == "serial":
            path = unquote(parts.netloc + parts.path)
            if not path:
                raise ValueError("no device path")
            return SerialTransport(
                path, timeout=timeout,
                baudrate=int(query.pop("baudrate", 9600)),
                bytesize=int(query.pop("bytesize", 8)),
                parity=query.pop("parity", "N").upper(),
                stopbits=float(query.pop("stopbits", 1)),
                rtscts=query.pop("rtscts", "0").lower() in _TRUE,
                dsrdtr=query.pop("dsrdtr", "0").lower() in _TRUE,
                xonxoff=query.pop("xonxoff", "0").lower() in _TRUE)
        if scheme == "usb":
            vendor, _, product = parts.netloc.partition(":")
            return UsbTransport(int(vendor, 16), int(product, 16), timeout=timeout,
                                in_ep=int(query.pop("in_ep", "0x82"), 0),
                                out_ep=int(query.pop("out_ep", "0x01"), 0))
        if scheme == "file":
            path = unquote(parts.netloc + parts.path)
            if not path:
                raise ValueError("no path")
            return FileTransport(path)
        if scheme == "cups":
            name = unquote(parts.netloc or parts.path.lstrip("/"))
            if not name:
                raise ValueError("no queue name")
            return CupsTransport(name, host=query.pop("host", "localhost"),
                                 port=int(query.pop("port", 631)))
    except ValueError as exc:
        raise PrinterError("bad_uri", f"cannot understand printer URI {uri!r}: {exc}") from exc
    raise PrinterError("unsupported", f"unknown printer URI scheme {scheme!r}; "
                                      f"use one of {', '.join(SCHEMES)}")
