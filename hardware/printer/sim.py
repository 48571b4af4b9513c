"""A virtual receipt printer: answers status queries, decodes what it is sent and keeps
each receipt as a PNG and a text file.

The state a test or an operator can change (paper, cover, online, power, a fault after
N bytes) lives on ``PrinterSimulator``; it is reachable as Python methods, as text
commands (``command()``: stdin, a control port) and, in the CLI, as signals. Links: TCP
(like a network printer on port 9100) and a pty (like a serial printer).
"""

from __future__ import annotations

import json
import logging
import queue
import socket
import struct
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from ..ptylink import PtyLink
from .escpos_decode import EscposDecoder, ReceiptDone, StatusRequest, find_qr_codes
from .profile import DEFAULT_FONT
from .receipt import Receipt
from .receipt_image import receipt_image
from .status import Paper, encode_replies

log = logging.getLogger(__name__)

Fault = Literal["paper_out", "cover_open", "offline", "disconnect", "power_off"]
FAULTS: tuple[str, ...] = get_args(Fault)
POLL_S = 0.1

HELP = """commands:
  paper ok|near_end|out     cover open|closed      online | offline
  cutter-error on|off       power on|off           fail-after N FAULT
  status                    receipts               help
FAULT is one of: paper_out cover_open offline disconnect power_off"""


@dataclass
class _PendingFault:
    remaining: int
    kind: Fault


class PrinterSimulator:
    """The printer's state and its receipts; links (TCP, pty) feed it bytes."""

    def __init__(self, out_dir: str | Path | None = None, *, width_dots: int = 576,
                 encoding: str = "gb18030", chinese_mode: bool = True,
                 font_path: str = DEFAULT_FONT, name: str = "hallq-sim",
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.requested_port = host, port  # where start() listens
        self.out_dir = Path(out_dir) if out_dir is not None else None
        if self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        self.width_dots = width_dots
        self.encoding = encoding
        self.chinese_mode = chinese_mode
        self.font_path = font_path
        self.name = name
        self.paper: Paper = "ok"
        self.cover_open = False
        self.online = True
        self.cutter_error = False
        self.powered = True
        self.receipts: list[Receipt] = []
        self.files: list[Path] = []
        self.status_queries = 0
        self.bytes_received = 0
        self._fault: _PendingFault | None = None
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._sessions: set[_Session] = set()
        self._links: list[_TcpLink | _PtyPrinterLink] = []
        self._finishing: queue.Queue[Receipt | None] = queue.Queue()
        self._pending_receipts = 0
        self._finisher = threading.Thread(target=self._finish_receipts, daemon=True,
                                          name="printer-sim-receipts")
        self._finisher.start()

    # -- state ----------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self.powered and self.online and not self.cover_open \
            and self.paper != "out" and not self.cutter_error

    def set_paper(self, paper: Paper) -> None:
        if paper not in ("ok", "near_end", "out"):
            raise ValueError(f"paper must be ok, near_end or out, not {paper!r}")
        with self._lock:
            self.paper = paper
            self._state_changed("paper_out")

    def set_cover(self, open_: bool) -> None:
        with self._lock:
            self.cover_open = open_
            self._state_changed("cover_open")

    def set_online(self, online: bool) -> None:
        with self._lock:
            self.online = online
            self._state_changed("offline")

    def set_cutter_error(self, error: bool) -> None:
        with self._lock:
            self.cutter_error = error
            self._state_changed("printer_fault")

    def power_off(self) -> None:
        """Like pulling the plug: connections drop, nothing answers until ``power_on``."""
        with self._lock:
            self.powered = False
            self._state_changed("power_off")
        for link in list(self._links):
            link.power_off()

    def power_on(self) -> None:
        with self._lock:
            self.powered = True
            self._state_changed("power_on")
        for link in list(self._links):
            link.power_on()

    def fail_after(self, nbytes: int, fault: Fault) -> None:
        """After ``nbytes`` more bytes arrive (status queries included), ``fault`` happens:
        a state change, or ``disconnect``/``power_off`` which drop the connection."""
        if fault not in FAULTS:
            raise ValueError(f"fault must be one of {FAULTS}")
        with self._lock:
            self._fault = _PendingFault(max(nbytes, 0), fault)

    def _apply_fault(self, fault: Fault) -> None:
        if fault == "paper_out":
            self.set_paper("out")
        elif fault == "cover_open":
            self.set_cover(True)
        elif fault == "offline":
            self.set_online(False)
        elif fault == "power_off":
            self.power_off()

    def _state_changed(self, reason: str) -> None:
        for session in list(self._sessions):
            session.sync(reason)
        self._changed.notify_all()

    def state(self) -> dict[str, object]:
        with self._lock:
            return {"paper": self.paper, "cover_open": self.cover_open, "online": self.online,
                    "cutter_error": self.cutter_error, "powered": self.powered,
                    "ready": self.ready, "receipts": len(self.receipts),
                    "status_queries": self.status_queries}

    def status_reply(self, request: StatusRequest) -> bytes:
        """What this printer answers to a real-time request, in its current state."""
        with self._lock:
            self.status_queries += 1
            if request.command == "dle_eot":
                replies = encode_replies(online=self.online, cover_open=self.cover_open,
                                         paper=self.paper, cutter_error=self.cutter_error)
                reply = replies.get(request.n)
                return bytes([reply]) if reply is not None else b""
            if request.command == "gs_r":
                if request.n in (1, 49):
                    near = 0x03 if self.paper in ("near_end", "out") else 0
                    return bytes([near | (0x0C if self.paper == "out" else 0)])
                return b"\x00"
            if request.n in (1, 49):
                return b"\x20"
            if request.n in (2, 50):
                return b"\x02"
            if request.n in (3, 51):
                return b"\x64"
            return b"_" + self.name.encode("ascii", "replace") + b"\x00"

    # -- text control ---------------------------------------------------------------------

    def command(self, line: str) -> str:
        """Apply one text command (see ``HELP``); returns a one-line reply."""
        words = line.strip().lower().split()
        if not words:
            return ""
        verb, args = words[0], words[1:]
        try:
            if verb == "paper" and len(args) == 1:
                self.set_paper(args[0].replace("-", "_"))  # type: ignore[arg-type]
            elif verb == "cover" and args in (["open"], ["closed"], ["close"]):
                self.set_cover(args[0] == "open")
            elif verb in ("online", "offline") and not args:
                self.set_online(verb == "online")
            elif verb == "cutter-error" and args in (["on"], ["off"]):
                self.set_cutter_error(args[0] == "on")
            elif verb == "power" and args in (["on"], ["off"]):
                (self.power_on if args[0] == "on" else self.power_off)()
            elif verb == "fail-after" and len(args) == 2:
                self.fail_after(int(args[0]), args[1])  # type: ignore[arg-type]
            elif verb == "status":
                return "ok " + json.dumps(self.state())
            elif verb == "receipts":
                return f"ok {len(self.receipts)}"
            elif verb == "help":
                return HELP
            else:
                return f"error unknown command {line.strip()!r}; try help"
        except ValueError as exc:
            return f"error {exc}"
        return "ok " + json.dumps(self.state())

    # -- receipts -------------------------------------------------------------------------

    def _record(self, receipt: Receipt) -> None:
        # Finishing a receipt (finding QR codes in images, drawing the PNG) is slow; it
        # happens on the finisher thread so status replies are never held up by it.
        with self._lock:
            self._pending_receipts += 1
        self._finishing.put(receipt)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every receipt received so far is finished (files written)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._pending_receipts:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def _finish_receipts(self) -> None:
        while True:
            receipt = self._finishing.get()
            if receipt is None:
                return
            try:
                self._finish(receipt)
            except Exception:
                log.exception("could not finish a receipt")
            finally:
                with self._lock:
                    self._pending_receipts -= 1
                    self._changed.notify_all()

    def _finish(self, receipt: Receipt) -> None:
        for printed in receipt.images:
            if printed.image.height >= 21:
                printed.qr_texts = find_qr_codes(printed.image)
        with self._lock:
            index = len(self.receipts) + 1
        written: list[Path] = []
        if self.out_dir is not None:
            base = self.out_dir / f"receipt-{index:04d}"
            try:
                image = receipt_image(receipt, width=self.width_dots, font_path=self.font_path)
                image.save(base.with_suffix(".png"), optimize=True)
                written.append(base.with_suffix(".png"))
            except Exception as exc:  # the receipt itself must still be recorded
                log.exception("could not draw receipt %d", index)
                receipt.warnings.append(f"no PNG: {exc}")
            base.with_suffix(".txt").write_text(receipt.summary(), encoding="utf-8")
            written.append(base.with_suffix(".txt"))
        with self._lock:
            self.receipts.append(receipt)
            self.files += written
        log.info("receipt %d: %d lines, cut=%s", index, len(receipt.lines), receipt.cut)

    def wait_for_receipts(self, count: int, timeout: float = 5.0) -> list[Receipt]:
        """The first ``count`` receipts; raises ``TimeoutError`` if they do not arrive."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.receipts) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self.receipts)} of {count} receipts after "
                                       f"{timeout}s")
                self._changed.wait(left)
            return list(self.receipts[:count])

    def png_path(self, index: int) -> Path:
        """The PNG of receipt ``index`` (0-based), when writing to a directory."""
        if self.out_dir is None:
            raise ValueError("this simulator writes no files")
        return self.out_dir / f"receipt-{index + 1:04d}.png"

    # -- links ----------------------------------------------------------------------------

    def session(self) -> _Session:
        """A new byte stream into the printer (one per TCP connection, one per pty)."""
        session = _Session(self)
        with self._lock:
            self._sessions.add(session)
        return session

    def serve_tcp(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        """Listen like a network printer; returns the bound address (port 0: any free)."""
        link = _TcpLink(self, host, port)
        self._links.append(link)
        return link.address

    def serve_pty(self) -> str:
        """Attach a pty like a serial printer; returns the path drivers open."""
        link = _PtyPrinterLink(self)
        self._links.append(link)
        return link.path

    def start(self) -> tuple[str, int]:
        """Listen on the ``host``/``port`` given at construction (``serve_tcp``)."""
        return self.serve_tcp(self.host, self.requested_port)

    def stop(self) -> None:
        self.close()

    @property
    def port(self) -> int:
        """The bound TCP port."""
        for link in self._links:
            if isinstance(link, _TcpLink):
                return link.address[1]
        raise RuntimeError("not serving TCP")

    @property
    def tcp_uri(self) -> str:
        for link in self._links:
            if isinstance(link, _TcpLink):
                return f"tcp://{link.address[0]}:{link.address[1]}"
        raise RuntimeError("not serving TCP")

    @property
    def serial_uri(self) -> str:
        for link in self._links:
            if isinstance(link, _PtyPrinterLink):
                return f"serial://{link.path}"
        raise RuntimeError("not serving a pty")

    def close(self) -> None:
        for link in self._links:
            link.close()
        self._links.clear()
        self._finishing.put(None)
        self._finisher.join(timeout=10)

    def __enter__(self) -> PrinterSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Session:
    """One byte stream: its own decoder (printer modes are per connection here)."""

    def __init__(self, sim: PrinterSimulator) -> None:
        self.sim = sim
        self.decoder = EscposDecoder(encoding=sim.encoding, chinese_mode=sim.chinese_mode,
                                     find_qr_in_images=False)
        self.decoder.printing = sim.ready
        self.dropped = False

    def receive(self, data: bytes) -> tuple[bytes, bool]:
        """Process bytes from the host; returns (reply bytes, whether to drop the link)."""
        sim = self.sim
        replies = bytearray()
        with sim._lock:
            if not sim.powered:
                return b"", True
            sim.bytes_received += len(data)
            while data:
                fault = sim._fault
                if fault is not None and fault.remaining <= len(data):
                    head, data = data[:fault.remaining], data[fault.remaining:]
                    replies += self._process(head)
                    sim._fault = None
                    if fault.kind == "disconnect":
                        self._record(self.decoder.interrupt("disconnect"))
                        return bytes(replies), True
                    sim._apply_fault(fault.kind)
                    if not sim.powered:
                        return bytes(replies), True
                else:
                    if fault is not None:
                        fault.remaining -= len(data)
                    replies += self._process(data)
                    data = b""
        return bytes(replies), False

    def _process(self, chunk: bytes) -> bytes:
        replies = bytearray()
        for event in self.decoder.feed(chunk):
            if isinstance(event, StatusRequest):
                replies += self.sim.status_reply(event)
            else:
                self.sim._record(event.receipt)
        return bytes(replies)

    def _record(self, events: Sequence[object]) -> None:
        for event in events:
            if isinstance(event, ReceiptDone):
                self.sim._record(event.receipt)

    def sync(self, reason: str) -> None:
        """Follow a state change: stop printing (closing the receipt so far) or resume."""
        if self.sim.ready:
            self.decoder.resume()
        elif self.decoder.printing:
            self._record(self.decoder.interrupt(reason))

    def close(self) -> None:
        with self.sim._lock:
            if self.sim.powered and self.decoder.printing:
                self._record(self.decoder.finish())
            self.sim._sessions.discard(self)


def _abort(conn: socket.socket) -> None:
    """Close with a reset, as a printer that lost power mid-job looks to the host."""
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    conn.close()


class _TcpLink:
    def __init__(self, sim: PrinterSimulator, host: str, port: int) -> None:
        self.sim = sim
        self._stop = threading.Event()
        self._listener: socket.socket | None = self._listen(host, port)
        self.address: tuple[str, int] = self._listener.getsockname()[:2]
        self._connections: dict[socket.socket, bool] = {}  # connection -> must abort
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True,
                                          name=f"printer-sim-{self.address[1]}")
        self._acceptor.start()

    @staticmethod
    def _listen(host: str, port: int) -> socket.socket:
        listener = socket.create_server((host, port))
        listener.settimeout(POLL_S)
        return listener

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            listener = self._listener
            if listener is None:
                time.sleep(POLL_S)
                continue
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                self._connections[conn] = False
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        session = self.sim.session()
        conn.settimeout(POLL_S)
        abort = False
        try:
            while not self._stop.is_set():
                with self._lock:
                    if self._connections.get(conn):
                        abort = True
                        break
                try:
                    data = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not data:
                    break
                replies, drop = session.receive(data)
                if replies:
                    try:
                        conn.sendall(replies)
                    except OSError:
                        break
                if drop:
                    abort = True
                    break
        finally:
            session.close()
            with self._lock:
                self._connections.pop(conn, None)
            if abort:
                _abort(conn)
            else:
                conn.close()

    def power_off(self) -> None:
        with self._lock:
            for conn in self._connections:
                self._connections[conn] = True
            listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes accept() now, stops listening
            except OSError:
                pass
            listener.close()

    def power_on(self) -> None:
        with self._lock:
            if self._listener is None and not self._stop.is_set():
                self._listener = self._listen(*self.address)

    def close(self) -> None:
        self._stop.set()
        self.power_off()
        self._acceptor.join(timeout=2)
        for thread in self._threads:
            thread.join(timeout=2)


class _PtyPrinterLink:
    def __init__(self, sim: PrinterSimulator) -> None:
        self.sim = sim
        self.link = PtyLink()
        self.path = self.link.path
        self.session = sim.session()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="printer-sim-pty")
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            data = self.link.read(POLL_S)
            if not data:
                continue
            replies, _drop = self.session.receive(data)
            if replies:
                self.link.write(replies)

    def power_off(self) -> None:
        pass  # the session ignores input while unpowered: the line goes silent

    def power_on(self) -> None:
        self.link.discard_output()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.session.close()
        self.link.close()
