"""A lean HTTP/1.1 client for the load generator: one keep-alive connection per device,
requests written and answers parsed with asyncio streams and nothing else.

A general client (httpx) spends a few hundred microseconds of CPU per request on its own
machinery; on a machine whose cores the server shares, that is load taken from the server
and a ceiling on what the bench can show. This client does only what the bench's requests
need: POST or GET with a JSON body, ``Content-Length`` or chunked answers, reconnecting
after the server closed the connection. It is not a client for anything else.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


class WireError(Exception):
    """The connection failed or the answer was not HTTP; the request's outcome is unknown."""


@dataclass(frozen=True)
class Answer:
    status_code: int
    content: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.content)


class WireClient:
    """Requests to one server over one connection (opened on first use, again after a loss)."""

    def __init__(self, base_url: str, *, headers: dict[str, str] | None = None, timeout: float = 10.0,
                 tls: ssl.SSLContext | None = None) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.prefix = parts.path.rstrip("/")
        self.tls = tls if parts.scheme == "https" else None
        self.timeout = timeout
        fixed = {"Host": f"{self.host}:{self.port}", "Connection": "keep-alive", **(headers or {})}
        self._fixed = "".join(f"{k}: {v}\r\n" for k, v in fixed.items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, *, json: Any = None, headers: dict[str, str] | None = None) -> Answer:
        return await self.request("POST", path, json, headers)

    async def get(self, path: str, *, headers: dict[str, str] | None = None) -> Answer:
        return await self.request("GET", path, None, headers)

    async def request(self, method: str, path: str, body: Any, headers: dict[str, str] | None) -> Answer:
        try:
            return await asyncio.wait_for(self._exchange(method, path, body, headers), self.timeout)
        except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError) as exc:
            await self.aclose()
            raise WireError(f"{type(exc).__name__}: {exc}") from exc

    async def _exchange(self, method: str, path: str, body: Any, headers: dict[str, str] | None) -> Answer:
        if self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(
                self.host, self.port, ssl=self.tls, limit=1 << 22)
        reader, writer = self._reader, self._writer
        assert reader is not None
        data = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        head = (f"{method} {self.prefix}{path} HTTP/1.1\r\n{self._fixed}{extra}"
                f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n")
        writer.write(head.encode("latin-1") + data)
        status_line = await reader.readuntil(b"\r\n")
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise ValueError(f"not an HTTP answer: {status_line[:40]!r}")
        status = int(parts[1])
        answer_headers: dict[str, str] = {}
        while True:
            line = await reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.decode("latin-1").partition(":")
            answer_headers[name.strip().lower()] = value.strip()
        if "content-length" in answer_headers:
            content = await reader.readexactly(int(answer_headers["content-length"]))
        elif answer_headers.get("transfer-encoding", "").lower() == "chunked":
            content = await _chunked(reader)
        elif status in (204, 304) or status < 200:
            content = b""
        else:
            content = await reader.read()       # ends with the connection
            await self.aclose()
        if answer_headers.get("connection", "").lower() == "close":
            await self.aclose()
        return Answer(status, content, answer_headers)

    async def aclose(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            writer.close()
            try:
                await writer.wait_closed()
            except (OSError, ssl.SSLError):
                pass


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    out = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass
            return bytes(out)
        out += await reader.readexactly(size)
        await reader.readexactly(2)
