"""Advertising the hall server on the LAN with zeroconf (_hallq._tcp.local.)."""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass

import ifaddr
from zeroconf import InterfaceChoice, IPVersion, ServiceInfo, Zeroconf

from hallq.discovery import SERVICE_TYPE, instance_name

log = logging.getLogger(__name__)


def lan_addresses(host: str, interfaces: list[str]) -> list[str]:
    """IPv4 addresses to advertise: the listening address, or every non-loopback one."""
    if interfaces:
        return interfaces
    if host not in ("0.0.0.0", "", "::"):
        return [host]
    found = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str) and not ip.ip.startswith("127."):
                found.append(ip.ip)
    return found or ["127.0.0.1"]


@dataclass
class Advertisement:
    zeroconf: Zeroconf
    info: ServiceInfo

    def close(self) -> None:
        try:
            self.zeroconf.unregister_service(self.info)
        finally:
            self.zeroconf.close()


def advertise(*, hall_code: str, hall_name: str, host: str, port: int, interfaces: list[str],
              tls: bool, fingerprint: str | None) -> Advertisement:
    addresses = lan_addresses(host, interfaces)
    properties = {"hall": hall_code, "name": hall_name, "api": "v1", "path": "/api/v1",
                  "tls": "1" if tls else "0"}
    if fingerprint:
        properties["fp"] = fingerprint
    info = ServiceInfo(SERVICE_TYPE, instance_name(hall_code), port=port, properties=properties,
                       addresses=[socket.inet_aton(a) for a in addresses],
                       server=f"hallq-{hall_code}.local.")
    zc = Zeroconf(interfaces=interfaces or InterfaceChoice.All, ip_version=IPVersion.V4Only)
    zc.register_service(info, allow_name_change=True)
    log.info("advertising %s on %s port %d", info.name, ", ".join(addresses), port)
    return Advertisement(zc, info)
