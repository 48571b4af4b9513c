"""A line-oriented control port for simulators run as separate processes: one command per
line in, one reply line out (tests and operators drive the simulator with it)."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class ControlServer:
    """Listens on ``host:port`` (127.0.0.1 by default) and answers each line with
    ``handler(line)``."""

    def __init__(self, handler: Callable[[str], str], host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.handler = handler
        self._listener = socket.create_server((host, port))
        self._listener.settimeout(0.2)
        self.address: tuple[str, int] = self._listener.getsockname()[:2]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True, name="control")
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.5)
        buf = b""
        with conn:
            while not self._stop.is_set():
                try:
                    data = conn.recv(4096)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not data:
                    return
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    try:
                        reply = self.handler(line.decode("utf-8", errors="replace"))
                    except Exception as exc:
                        log.exception("control command failed")
                        reply = f"error {exc}"
                    try:
                        conn.sendall(reply.replace("\n", " | ").encode() + b"\n")
                    except OSError:
                        return

    def close(self) -> None:
        self._stop.set()
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        self._thread.join(timeout=2)


def send_command(address: tuple[str, int], line: str, timeout: float = 5.0) -> str:
    """Send one command to a control port and return the reply line."""
    with socket.create_connection(address, timeout=timeout) as sock:
        sock.sendall(line.encode() + b"\n")
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            buf += chunk
    return buf.decode("utf-8", errors="replace").strip()
