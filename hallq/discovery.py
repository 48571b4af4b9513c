"""Finding the hall server on the LAN (zeroconf), with a configured URL as fallback.

Used by kiosks and counters. The look-up is synchronous; from an asyncio program call it in
a worker thread (``await asyncio.to_thread(find_server, ...)``).
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

from zeroconf import InterfaceChoice, IPVersion, ServiceBrowser, ServiceListener, Zeroconf

SERVICE_TYPE = "_hallq._tcp.local."


def instance_name(hall_code: str) -> str:
    # A service instance label is at most 63 bytes.
    return f"hallq {hall_code}"[:63] + "." + SERVICE_TYPE


class NotFound(Exception):
    """No hall server answered on the LAN and no URL was configured."""


@dataclass(frozen=True)
class ServerInfo:
    url: str
    hall: str
    name: str
    api: str
    tls: bool
    fingerprint: str | None
    source: str   # "zeroconf" | "configured"


class _Collector(ServiceListener):
    def __init__(self) -> None:
        self.names: list[str] = []
        self.event = threading.Event()

    def add_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        self.names.append(name)
        self.event.set()

    def update_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        self.add_service(zc, type_, name)

    def remove_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        pass


def browse(timeout: float = 3.0, interfaces: list[str] | None = None, hall: str | None = None) -> list[ServerInfo]:
    """Hall servers answering on the LAN within ``timeout`` seconds (optionally one hall's)."""
    zc = Zeroconf(interfaces=interfaces or InterfaceChoice.All, ip_version=IPVersion.V4Only)
    found: dict[str, ServerInfo] = {}
    try:
        listener = _Collector()
        ServiceBrowser(zc, SERVICE_TYPE, listener)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            listener.event.wait(max(0.0, deadline - time.monotonic()))
            listener.event.clear()
            for name in list(listener.names):
                if name in found:
                    continue
                info = zc.get_service_info(SERVICE_TYPE, name, timeout=int(max(200, (deadline - time.monotonic()) * 1000)))
                if info is None or not info.addresses:
                    continue
                props = {k.decode(): (v.decode() if v is not None else "") for k, v in info.properties.items()}
                tls = props.get("tls") == "1"
                address = socket.inet_ntoa(info.addresses[0])
                server = ServerInfo(url=f"{'https' if tls else 'http'}://{address}:{info.port}", hall=props.get("hall", ""),
                                    name=props.get("name", ""), api=props.get("api", ""), tls=tls,
                                    fingerprint=props.get("fp") or None, source="zeroconf")
                if hall is None or server.hall == hall:
                    found[name] = server
            if found:
                break
    finally:
        zc.close()
    return list(found.values())


def find_server(configured_url: str | None = None, *, timeout: float = 3.0,
                interfaces: list[str] | None = None, hall: str | None = None) -> ServerInfo:
    """The hall server found by zeroconf, else the configured URL, else NotFound."""
    servers = browse(timeout, interfaces, hall)
    if servers:
        return servers[0]
    if configured_url:
        url = configured_url.rstrip("/")
        return ServerInfo(url=url, hall=hall or "", name="", api="v1", tls=url.startswith("https"),
                          fingerprint=None, source="configured")
    raise NotFound("no hall server found on the LAN; configure its URL")
