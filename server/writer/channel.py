"""How request handlers reach the writer: directly in this process, or over a local socket
when the server runs several worker processes and the writer is a process of its own.

The wire is length-prefixed JSON frames on a Unix socket. A worker sends
``{"id": n, "command": {...}}`` and gets ``{"id": n, "ok": {...}}``,
``{"id": n, "refused": {code, message, details}}`` or ``{"id": n, "unavailable": "..."}``.
After every commit the writer also sends ``{"committed": true}`` to every worker, which
wakes its event hub at once instead of at its next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import struct
from collections.abc import Callable
from typing import Any, Protocol

from ..engine import QueueError
from .batch import Writer, WriterUnavailable
from .commands import Command

log = logging.getLogger(__name__)
_LEN = struct.Struct(">I")
MAX_FRAME = 4 * 1024 * 1024
# A command the writer has not answered in this long is reported unavailable; its outcome
# is then unknown to the client, which retries with its Idempotency-Key.
ANSWER_TIMEOUT_S = 30.0


class WriterPort(Protocol):
    async def run(self, command: Command) -> dict[str, Any]: ...

    async def close(self) -> None: ...


class LocalPort:
    """The writer is a thread of this process."""

    def __init__(self, writer: Writer) -> None:
        self.writer = writer

    async def run(self, command: Command) -> dict[str, Any]:
        return await asyncio.wrap_future(self.writer.submit(command))

    async def close(self) -> None:
        await asyncio.to_thread(self.writer.stop)


def _frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()
    return _LEN.pack(len(body)) + body


async def _read_frame(reader: asyncio.StreamReader) -> dict[str, Any]:
    size = _LEN.unpack(await reader.readexactly(_LEN.size))[0]
    if size > MAX_FRAME:
        raise ValueError(f"a frame of {size} bytes")
    message: dict[str, Any] = json.loads(await reader.readexactly(size))
    return message


def _outcome_of(future: Any) -> dict[str, Any]:
    exc = future.exception()
    if exc is None:
        return {"ok": future.result()}
    if isinstance(exc, QueueError):
        return {"refused": exc.as_dict()}
    return {"unavailable": str(exc), "code": getattr(exc, "code", "writer_unavailable")}


class RemotePort:
    """The writer is another process, reached over the Unix socket at ``path``."""

    def __init__(self, path: str, *, on_commit: Callable[[], None] | None = None) -> None:
        self.path = path
        self.on_commit = on_commit
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._next = 0
        self._lock = asyncio.Lock()

    async def _connection(self) -> asyncio.StreamWriter:
        if self._writer is not None and not self._writer.is_closing():
            return self._writer
        async with self._lock:
            if self._writer is None or self._writer.is_closing():
                try:
                    reader, writer = await asyncio.open_unix_connection(self.path, limit=MAX_FRAME + 16)
                except OSError as exc:
                    raise WriterUnavailable(f"the writer is not reachable: {exc}") from None
                self._writer = writer
                self._reader_task = asyncio.create_task(self._read(reader, writer), name="hallq-writer-client")
        assert self._writer is not None
        return self._writer

    async def _read(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                message = await _read_frame(reader)
                if message.get("committed"):
                    if self.on_commit is not None:
                        self.on_commit()
                    continue
                future = self._pending.pop(int(message.get("id", -1)), None)
                if future is not None and not future.done():
                    future.set_result(message)
        except (asyncio.IncompleteReadError, ConnectionError, OSError, ValueError) as exc:
            log.warning("writer connection lost: %s", exc)
        finally:
            writer.close()
            if self._writer is writer:
                self._writer = None
            lost = [f for f in self._pending.values() if not f.done()]
            self._pending.clear()
            for future in lost:
                future.set_exception(WriterUnavailable("the writer went away before answering"))

    async def run(self, command: Command) -> dict[str, Any]:
        writer = await self._connection()
        self._next += 1
        request_id = self._next
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            writer.write(_frame({"id": request_id, "command": command.to_wire()}))
        except (ConnectionError, OSError) as exc:
            self._pending.pop(request_id, None)
            raise WriterUnavailable(f"the writer is not reachable: {exc}") from None
        try:
            message = await asyncio.wait_for(future, ANSWER_TIMEOUT_S)
        except TimeoutError:
            self._pending.pop(request_id, None)
            raise WriterUnavailable("the writer did not answer in time") from None
        if "ok" in message:
            result: dict[str, Any] = message["ok"]
            return result
        if "refused" in message:
            refused = message["refused"]
            raise QueueError(refused["code"], refused.get("message", ""), **(refused.get("details") or {}))
        raise WriterUnavailable(str(message.get("unavailable", "the writer failed")),
                                code=str(message.get("code", "writer_unavailable")))

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._reader_task is not None:
            self._reader_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader_task


class WriterServer:
    """The writer process's side: commands in from every worker, answers and commit
    notices out."""

    def __init__(self, writer: Writer, path: str) -> None:
        self.writer = writer
        self.path = path
        self._clients: set[asyncio.StreamWriter] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        writer.on_commit = self._committed

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._server = await asyncio.start_unix_server(self._serve, self.path, limit=MAX_FRAME + 16)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def _committed(self) -> None:
        """Called on the writer thread after each commit."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._broadcast)

    def _broadcast(self) -> None:
        notice = _frame({"committed": True})
        for client in list(self._clients):
            if client.is_closing():
                self._clients.discard(client)
            else:
                client.write(notice)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._clients.add(writer)
        loop = asyncio.get_running_loop()
        try:
            while True:
                message = await _read_frame(reader)
                request_id = message.get("id")
                try:
                    command = Command.from_wire(message["command"])
                except (QueueError, KeyError, TypeError) as exc:
                    refusal = exc if isinstance(exc, QueueError) else QueueError("invalid_command", str(exc))
                    writer.write(_frame({"id": request_id, "refused": refusal.as_dict()}))
                    continue
                future = self.writer.submit(command)

                def answer(done: Any, request_id: Any = request_id) -> None:
                    reply = _frame({"id": request_id, **_outcome_of(done)})
                    loop.call_soon_threadsafe(_send, writer, reply)

                future.add_done_callback(answer)
        except (asyncio.IncompleteReadError, ConnectionError, OSError, ValueError):
            pass
        finally:
            self._clients.discard(writer)
            writer.close()


def _send(writer: asyncio.StreamWriter, data: bytes) -> None:
    if not writer.is_closing():
        writer.write(data)
