"""A TCP forwarder for fault tests: lose an answer, or take the far side away and back."""

from __future__ import annotations

import contextlib
import socket
import threading


class FaultProxy:
    """A TCP forwarder on 127.0.0.1 between a client and its server (a kiosk and the hall
    server, or the hall server and its database) that can

    - ``lose_answer(marker)``: forward the next request containing ``marker`` but drop its
      answer and the connection (the server did the work; the kiosk never hears of it),
      and with ``go_down`` refuse connections from then on (the network went with it);
    - ``down()`` / ``up()``: refuse every connection (the server is gone), and come back on
      the same port.
    """

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self._listener: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._lose: list[tuple[bytes, bool]] = []
        self.lost = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def up(self) -> FaultProxy:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def down(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            conns, self._conns = self._conns, set()
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
            c.close()

    def lose_answer(self, marker: bytes, *, go_down: bool = False) -> None:
        with self._lock:
            self._lose.append((marker, go_down))

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    upstream.close()
                    return
                self._conns.update((client, upstream))
            state = {"losing": False, "go_down": False}
            threading.Thread(target=self._requests, args=(client, upstream, state), daemon=True).start()
            threading.Thread(target=self._answers, args=(upstream, client, state), daemon=True).start()

    def _requests(self, src: socket.socket, dst: socket.socket, state: dict[str, bool]) -> None:
        try:
            while data := src.recv(65536):
                with self._lock:
                    hit = next((m for m in self._lose if m[0] in data), None)
                    if hit is not None:
                        self._lose.remove(hit)
                        state["losing"], state["go_down"] = True, hit[1]
                dst.sendall(data)
        except OSError:
            pass
        finally:
            self._close(src, dst)

    def _answers(self, src: socket.socket, dst: socket.socket, state: dict[str, bool]) -> None:
        try:
            while data := src.recv(65536):
                if state["losing"]:
                    self.lost += 1
                    if state["go_down"]:
                        self.down()
                    break   # the server answered; the kiosk never hears it
                dst.sendall(data)
        except OSError:
            pass
        finally:
            self._close(src, dst)

    @staticmethod
    def _close(*socks: socket.socket) -> None:
        for c in socks:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                c.close()
